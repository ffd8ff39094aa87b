#!/usr/bin/env bash
# issue-client.sh — issue a client certificate for one partner and role.
#
#   certs/issue-client.sh --ca DIR --convenant ID --partner P --role R
#                         [--name HOLDER] --out DIR [--days N]
#
# The certificate carries exactly one URI SAN,
#   riec://<convenant>/<partner>/<role>[/<holder-name>]
# which is all the broker uses to decide who is calling. Writes
# OUT/P-R[-HOLDER].key (mode 600) and .crt.
source "$(dirname "$0")/lib.sh"
ca="" out="" days=397 convenant="" partner="" role="" name=""
while [ $# -gt 0 ]; do
  case $1 in
    --ca) ca=$2; shift 2 ;;
    --convenant) convenant=$2; shift 2 ;;
    --partner) partner=$2; shift 2 ;;
    --role) role=$2; shift 2 ;;
    --name) name=$2; shift 2 ;;
    --out) out=$2; shift 2 ;;
    --days) days=$2; shift 2 ;;
    -h|--help) sed -n '2,10p' "$0" | sed 's/^# \{0,1\}//'; exit 0 ;;
    *) die "unknown argument '$1' (see --help)" ;;
  esac
done
[ -f "$ca/ca.key" ] || die "--ca '$ca' holds no CA (run certs/make-ca.sh first)"
[ -n "$out" ] || die "--out is required"
valid_id "$convenant" || die "--convenant '$convenant' is not an id"
valid_id "$partner" || die "--partner '$partner' is not an id"
case $role in
  partner-system|chair|coordinator|privacy-officer|operator) ;;
  *) die "--role '$role' is not one of partner-system, chair, coordinator, privacy-officer, operator" ;;
esac
if [ -n "$name" ] && ! [[ $name =~ ^[A-Za-z0-9._-]{1,64}$ ]]; then
  die "--name '$name' must be 1 to 64 letters, digits, '.', '_' or '-'"
fi
need_openssl
mkdir -p "$out"
uri="riec://$convenant/$partner/$role${name:+/$name}"
file="$partner-$role${name:+-$name}"
ext=$(mktemp); trap 'rm -f "$ext" "$out/$file.csr"' EXIT
cat > "$ext" <<EXT
basicConstraints = critical,CA:FALSE
keyUsage = critical,digitalSignature
extendedKeyUsage = clientAuth
subjectAltName = URI:$uri
EXT
new_key "$out/$file.key"
openssl req -new -key "$out/$file.key" -subj "/O=$partner/OU=$role/CN=${name:-$partner $role}" \
  -out "$out/$file.csr"
sign "$ca" "$out/$file.csr" "$out/$file.crt" "$ext" "$days"
echo "client certificate: $out/$file.crt ($uri)"
