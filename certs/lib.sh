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

# make_ca DIR DAYS SUBJECT WHAT POLICY [EXTRA] — a CA in DIR: its database
# (index.txt, serial, crlnumber, issued/, crl/), openssl.cnf whose DN policy
# section is POLICY (lines "field = supplied|optional") with EXTRA lines in
# the CA section, ca.key (mode 600), a self-signed ca.crt of SUBJECT valid
# DAYS days, and an empty CRL. Refuses a DIR that holds a CA.
make_ca() {
  local out=$1 days=$2 subject=$3 what=$4 policy=$5 extra=${6:-}
  [ -e "$out/ca.key" ] && die "$out already holds a CA (ca.key); refusing to overwrite it"
  mkdir -p "$out/issued" "$out/crl"
  chmod 700 "$out"
  : > "$out/index.txt"
  openssl rand -hex 16 > "$out/serial"
  echo 1000 > "$out/crlnumber"
  cat > "$out/openssl.cnf" <<CNF
# CA database of $what (written by certs/$(basename "$0")).
[ ca ]
default_ca = the_ca
[ the_ca ]
dir = $(cd "$out" && pwd)
database = \$dir/index.txt
new_certs_dir = \$dir/issued
certificate = \$dir/ca.crt
private_key = \$dir/ca.key
serial = \$dir/serial
crlnumber = \$dir/crlnumber
default_md = sha256
default_crl_days = 30
policy = names
unique_subject = no
copy_extensions = none
$extra
[ names ]
$policy
CNF
  new_key "$out/ca.key"
  openssl req -x509 -new -key "$out/ca.key" -sha256 -days "$days" -subj "$subject" \
    -addext "basicConstraints=critical,CA:TRUE,pathlen:0" \
    -addext "keyUsage=critical,keyCertSign,cRLSign" \
    -addext "subjectKeyIdentifier=hash" \
    -out "$out/ca.crt"
  chmod 644 "$out/ca.crt"
  openssl ca -batch -config "$out/openssl.cnf" -gencrl -out "$out/crl/ca.crl" 2>/dev/null
  openssl rehash "$out/crl" 2>/dev/null || true
}
