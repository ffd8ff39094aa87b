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
[ -e "$out/ca.key" ] && die "$out already holds a CA (ca.key); refusing to overwrite it"
mkdir -p "$out/issued" "$out/crl"
chmod 700 "$out"
: > "$out/index.txt"
openssl rand -hex 16 > "$out/serial"
echo 1000 > "$out/crlnumber"
cat > "$out/openssl.cnf" <<CNF
# CA database of convenant $convenant (written by certs/make-ca.sh).
[ ca ]
default_ca = convenant_ca
[ convenant_ca ]
dir = $(cd "$out" && pwd)
database = \$dir/index.txt
new_certs_dir = \$dir/issued
certificate = \$dir/ca.crt
private_key = \$dir/ca.key
serial = \$dir/serial
crlnumber = \$dir/crlnumber
default_md = sha256
default_crl_days = 30
policy = any_name
unique_subject = no
copy_extensions = none
[ any_name ]
commonName = supplied
organizationName = optional
organizationalUnitName = optional
CNF
new_key "$out/ca.key"
openssl req -x509 -new -key "$out/ca.key" -sha256 -days "$days" \
  -subj "/O=RIEC convenant $convenant/CN=Convenant CA $convenant" \
  -addext "basicConstraints=critical,CA:TRUE,pathlen:0" \
  -addext "keyUsage=critical,keyCertSign,cRLSign" \
  -addext "subjectKeyIdentifier=hash" \
  -out "$out/ca.crt"
chmod 644 "$out/ca.crt"
openssl ca -batch -config "$out/openssl.cnf" -gencrl -out "$out/crl/ca.crl" 2>/dev/null
openssl rehash "$out/crl" 2>/dev/null || true
echo "CA for convenant $convenant: $out/ca.crt (private key $out/ca.key, mode 600)"
