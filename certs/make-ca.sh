#!/usr/bin/env bash
# make-ca.sh — create the certificate authority of one convenant.
#
#   certs/make-ca.sh --convenant ID --out DIR [--days N]
#
# DIR receives ca.crt (publish it to partners and the broker), ca.key (the
# CA's private key: keep it offline, see certs/README.md), and the CA
# database (index.txt, serial, crlnumber, openssl.cnf) that issue-*.sh and
# revoke.sh use. Refuses to overwrite an existing CA.
source "$(dirname "$0")/lib.sh"
days=1825 convenant="" out=""
while [ $# -gt 0 ]; do
  case $1 in
    --convenant) convenant=$2; shift 2 ;;
    --out) out=$2; shift 2 ;;
    --days) days=$2; shift 2 ;;
    -h|--help) sed -n '2,10p' "$0" | sed 's/^# \{0,1\}//'; exit 0 ;;
    *) die "unknown argument '$1' (see --help)" ;;
  esac
done
[ -n "$convenant" ] || die "--convenant is required"
[ -n "$out" ] || die "--out is required"
valid_id "$convenant" || die "--convenant '$convenant' is not an id (lower-case letters, digits, '-')"
need_openssl
make_ca "$out" "$days" "/O=RIEC convenant $convenant/CN=Convenant CA $convenant" "convenant $convenant" \
  "commonName = supplied
organizationName = optional
organizationalUnitName = optional"
echo "CA for convenant $convenant: $out/ca.crt (private key $out/ca.key, mode 600)"
