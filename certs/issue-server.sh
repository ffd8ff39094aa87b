#!/usr/bin/env bash
# issue-server.sh — issue the broker's TLS server certificate.
#
#   certs/issue-server.sh --ca DIR --host NAME [--host NAME2 ...] [--ip ADDR ...]
#                         --out DIR [--days N] [--name broker]
#
# Writes OUT/NAME.key (mode 600) and OUT/NAME.crt with the given DNS names
# and IP addresses as subject alternative names (extendedKeyUsage serverAuth).
source "$(dirname "$0")/lib.sh"
ca="" out="" days=397 name=broker hosts=() ips=()
while [ $# -gt 0 ]; do
  case $1 in
    --ca) ca=$2; shift 2 ;;
    --host) hosts+=("$2"); shift 2 ;;
    --ip) ips+=("$2"); shift 2 ;;
    --out) out=$2; shift 2 ;;
    --days) days=$2; shift 2 ;;
    --name) name=$2; shift 2 ;;
    -h|--help) sed -n '2,8p' "$0" | sed 's/^# \{0,1\}//'; exit 0 ;;
    *) die "unknown argument '$1' (see --help)" ;;
  esac
done
[ -f "$ca/ca.key" ] || die "--ca '$ca' holds no CA (run certs/make-ca.sh first)"
[ ${#hosts[@]} -gt 0 ] || die "--host is required (the name clients connect to)"
[ -n "$out" ] || die "--out is required"
need_openssl
mkdir -p "$out"
san=""
for h in "${hosts[@]}"; do san+="${san:+,}DNS:$h"; done
for i in "${ips[@]}"; do san+=",IP:$i"; done
ext=$(mktemp); trap 'rm -f "$ext" "$out/$name.csr"' EXIT
cat > "$ext" <<EXT
basicConstraints = critical,CA:FALSE
keyUsage = critical,digitalSignature
extendedKeyUsage = serverAuth
subjectAltName = $san
EXT
new_key "$out/$name.key"
openssl req -new -key "$out/$name.key" -subj "/CN=${hosts[0]}" -out "$out/$name.csr"
sign "$ca" "$out/$name.csr" "$out/$name.crt" "$ext" "$days"
echo "server certificate: $out/$name.crt ($san)"
