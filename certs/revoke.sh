#!/usr/bin/env bash
# revoke.sh — revoke a certificate and publish a new CRL.
#
#   certs/revoke.sh --ca DIR --cert FILE [--reason keyCompromise]
#
# Updates the CA database, writes DIR/crl/ca.crl and its hashed link. Copy
# DIR/crl to the directory the broker reads with --tls-crl-dir and restart
# the broker; from then on the certificate is refused in the TLS handshake.
source "$(dirname "$0")/lib.sh"
ca="" cert="" reason=unspecified
while [ $# -gt 0 ]; do
  case $1 in
    --ca) ca=$2; shift 2 ;;
    --cert) cert=$2; shift 2 ;;
    --reason) reason=$2; shift 2 ;;
    -h|--help) sed -n '2,9p' "$0" | sed 's/^# \{0,1\}//'; exit 0 ;;
    *) die "unknown argument '$1' (see --help)" ;;
  esac
done
[ -f "$ca/ca.key" ] || die "--ca '$ca' holds no CA"
[ -f "$cert" ] || die "--cert '$cert' does not exist"
need_openssl
openssl ca -config "$ca/openssl.cnf" -revoke "$cert" -crl_reason "$reason" 2>"$ca/last-openssl.log" \
  || { cat "$ca/last-openssl.log" >&2; die "revocation failed"; }
openssl ca -config "$ca/openssl.cnf" -gencrl -out "$ca/crl/ca.crl" 2>"$ca/last-openssl.log" \
  || { cat "$ca/last-openssl.log" >&2; die "CRL generation failed"; }
openssl rehash "$ca/crl"
echo "revoked $(openssl x509 -in "$cert" -noout -serial); CRL: $ca/crl/ca.crl"
