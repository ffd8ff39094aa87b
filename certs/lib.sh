# Shared helpers for the certificate scripts. Sourced, not run.
set -euo pipefail
umask 077

die() { echo "$(basename "$0"): $*" >&2; exit 1; }

need_openssl() {
  command -v openssl >/dev/null || die "openssl is not installed (apt-get install openssl)"
}

# new_key FILE — a P-256 private key, readable by its owner only.
new_key() {
  openssl genpkey -algorithm EC -pkeyopt ec_paramgen_curve:P-256 -out "$1" 2>/dev/null
  chmod 600 "$1"
}

# sign CA_DIR CSR OUT_CRT EXTFILE DAYS — issue a certificate through the CA's
# database (index.txt), so it can be listed and revoked later.
sign() {
  local ca=$1 csr=$2 out=$3 ext=$4 days=$5
  openssl ca -batch -notext -config "$ca/openssl.cnf" -extfile "$ext" \
    -days "$days" -in "$csr" -out "$out" 2>"$ca/last-openssl.log" \
    || { cat "$ca/last-openssl.log" >&2; die "openssl ca failed"; }
  chmod 644 "$out"
}

valid_id() { [[ $1 =~ ^[a-z0-9][a-z0-9-]{0,62}$ ]]; }
