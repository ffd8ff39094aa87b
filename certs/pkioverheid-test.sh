#!/usr/bin/env bash
# pkioverheid-test.sh — TEST certificates shaped like PKIoverheid organisation
# certificates, for tests and rehearsals only (certs/README.md).
#
#   certs/pkioverheid-test.sh ca --out DIR [--days N]
#   certs/pkioverheid-test.sh issue --ca DIR --oin OIN --org NAME --cn CN
#                                   [--ou OU] --out DIR --file NAME [--days N]
#
# `ca` makes a test CA ("TEST PKIoverheid-vorm ...", OU NIET VOOR PRODUCTIE) with
# the database revoke.sh uses. `issue` writes OUT/NAME.key (mode 600) and
# OUT/NAME.crt: subject C=NL, O=<org>, OU=<ou>, serialNumber=<OIN>, CN=<cn>,
# extendedKeyUsage clientAuth, and no riec:// URI SAN — the broker maps it to
# a partner and role by the policy's partners[].oin and certificates
# (docs/policy.md). Prints the certificate's SHA-256 fingerprint, for a
# sha256 mapping. Real PKIoverheid certificates come from a TSP under the
# Staat der Nederlanden root; never use these outside tests.
source "$(dirname "$0")/lib.sh"
cmd=${1:-}; shift || true
ca="" out="" days="" oin="" org="" cn="" ou="" file=""
while [ $# -gt 0 ]; do
  case $1 in
    --ca) ca=$2; shift 2 ;;
    --out) out=$2; shift 2 ;;
    --days) days=$2; shift 2 ;;
    --oin) oin=$2; shift 2 ;;
    --org) org=$2; shift 2 ;;
    --cn) cn=$2; shift 2 ;;
    --ou) ou=$2; shift 2 ;;
    --file) file=$2; shift 2 ;;
    -h|--help) sed -n '2,17p' "$0" | sed 's/^# \{0,1\}//'; exit 0 ;;
    *) die "unknown argument '$1' (see --help)" ;;
  esac
done
need_openssl
ca_days=${days:-1825} days=${days:-397}
# Subject values go into -subj: no '/', '=', '+' or quotes in them.
safe() { [[ $1 =~ ^[A-Za-z0-9\ ._@\(\)-]+$ ]] || die "$2 '$1' may hold letters, digits, spaces and . _ @ ( ) - only"; }

case $cmd in
  ca)
    [ -n "$out" ] || die "--out is required"
    make_ca "$out" "$ca_days" \
      "/C=NL/O=TEST RIEC broker/OU=NIET VOOR PRODUCTIE/CN=TEST PKIoverheid-vorm Organisatie Services CA" \
      "a TEST CA shaped like PKIoverheid" \
      "countryName = supplied
organizationName = supplied
organizationalUnitName = optional
serialNumber = supplied
commonName = supplied" "preserve = yes"
    echo "TEST PKIoverheid-shaped CA: $out/ca.crt (private key $out/ca.key, mode 600)"
    ;;
  issue)
    [ -f "$ca/ca.key" ] || die "--ca '$ca' holds no CA (run: certs/pkioverheid-test.sh ca --out DIR)"
    [[ $oin =~ ^[0-9]{20}$ ]] || die "--oin '$oin' is not an OIN (20 digits)"
    [ -n "$org" ] || die "--org is required"; safe "$org" --org
    [ -n "$cn" ] || die "--cn is required"; safe "$cn" --cn
    [ -z "$ou" ] || safe "$ou" --ou
    [ -n "$out" ] || die "--out is required"
    [[ $file =~ ^[A-Za-z0-9._-]{1,64}$ ]] || die "--file '$file' must be 1 to 64 letters, digits, '.', '_' or '-'"
    mkdir -p "$out"
    ext=$(mktemp); trap 'rm -f "$ext" "$out/$file.csr"' EXIT
    cat > "$ext" <<EXT
basicConstraints = critical,CA:FALSE
keyUsage = critical,digitalSignature
extendedKeyUsage = clientAuth
EXT
    new_key "$out/$file.key"
    openssl req -new -key "$out/$file.key" \
      -subj "/C=NL/O=$org${ou:+/OU=$ou}/serialNumber=$oin/CN=$cn" -out "$out/$file.csr"
    sign "$ca" "$out/$file.csr" "$out/$file.crt" "$ext" "$days"
    print=$(openssl x509 -in "$out/$file.crt" -noout -fingerprint -sha256 | sed 's/.*=//; s/://g' | tr 'A-F' 'a-f')
    echo "organisation certificate: $out/$file.crt (OIN $oin, CN $cn${ou:+, OU $ou}; sha256 $print)"
    ;;
  *) die "say what to do: ca or issue (see --help)" ;;
esac
