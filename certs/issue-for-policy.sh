#!/usr/bin/env bash
# issue-for-policy.sh — issue a client certificate for every partner and role
# that a convenant policy file declares.
#
#   certs/issue-for-policy.sh --ca DIR --policy FILE --out DIR [--days N]
#                             [--riec PATH]
#
# The policy is read with `riec policy identities FILE` (the same validator
# the broker uses), so a certificate is issued only for identities the
# broker will accept. --riec names the riec binary if it is not on PATH.
source "$(dirname "$0")/lib.sh"
ca="" out="" policy="" days=397 riec=${RIEC:-riec}
while [ $# -gt 0 ]; do
  case $1 in
    --ca) ca=$2; shift 2 ;;
    --policy) policy=$2; shift 2 ;;
    --out) out=$2; shift 2 ;;
    --days) days=$2; shift 2 ;;
    --riec) riec=$2; shift 2 ;;
    -h|--help) sed -n '2,11p' "$0" | sed 's/^# \{0,1\}//'; exit 0 ;;
    *) die "unknown argument '$1' (see --help)" ;;
  esac
done
[ -f "$policy" ] || die "--policy '$policy' does not exist"
[ -n "$out" ] || die "--out is required"
command -v "$riec" >/dev/null || die "cannot run '$riec' (build it, or pass --riec PATH)"
identities=$("$riec" policy identities "$policy") || die "the policy is not valid"
n=0
while read -r convenant partner role; do
  [ -n "$convenant" ] || continue
  "$(dirname "$0")/issue-client.sh" --ca "$ca" --convenant "$convenant" \
    --partner "$partner" --role "$role" --out "$out" --days "$days" >/dev/null
  n=$((n + 1))
done <<< "$identities"
echo "issued $n client certificates in $out"
