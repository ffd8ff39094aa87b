#!/usr/bin/env bash
# package_test.sh BUILD_DIR — the Debian package as an operator meets it:
# builds it with CPack from BUILD_DIR, installs it with dpkg on this machine,
# makes certificates with the installed scripts, checks the installed example
# configuration with `riec-broker --check` as the riec user, starts the
# installed broker on it as that user (no systemd here: the unit's command
# line, by hand), asks its health service with the installed `riec`, stops
# it, and removes the package again (purge), checking what stays.
#
# Needs root (dpkg): exits 77 (ctest: skipped) otherwise. Refuses to run on a
# machine where riec-broker is already installed by someone else.
set -euo pipefail
build=$(cd "${1:?usage: package_test.sh BUILD_DIR}" && pwd)
if [ "$(id -u)" -ne 0 ]; then
  echo "package_test: needs root to install the package with dpkg; skipped"
  exit 77
fi
if dpkg-query -W -f='${Status}' riec-broker 2>/dev/null | grep -q "install ok installed"; then
  echo "package_test: riec-broker is installed on this machine already; not touching it" >&2
  exit 1
fi
for d in /etc/riec /var/lib/riec /var/lib/riec-pseudonymiser /var/backups/riec; do
  [ ! -e "$d" ] || { echo "package_test: $d exists on this machine; not touching it" >&2; exit 1; }
done

work=$(mktemp -d /tmp/riec-package.XXXXXX)
broker_pid=""
cleanup() {
  [ -n "$broker_pid" ] && kill "$broker_pid" 2>/dev/null && wait "$broker_pid" 2>/dev/null || true
  if dpkg-query -W -f='${Status}' riec-broker 2>/dev/null | grep -q installed; then
    dpkg --purge riec-broker >/dev/null 2>&1 || true
  fi
  rm -rf /etc/riec /var/lib/riec /var/lib/riec-pseudonymiser /var/backups/riec "$work"
  if [ -n "${created_users:-}" ]; then
    userdel riec-pseudonymiser 2>/dev/null || true
    userdel riec 2>/dev/null || true
  fi
}
trap cleanup EXIT
fail() { echo "package_test: $*" >&2; exit 1; }
getent passwd riec >/dev/null || getent passwd riec-pseudonymiser >/dev/null || created_users=1

echo "== cpack"
(cd "$work" && cpack -G DEB --config "$build/CPackConfig.cmake" -B "$work/out" >"$work/cpack.log" 2>&1) ||
  { cat "$work/cpack.log"; fail "cpack failed"; }
deb=$(ls "$work"/out/riec-broker_*.deb)
dpkg-deb --info "$deb" | sed -n '/Package:/,/Description:/p'
depends=$(dpkg-deb --field "$deb" Depends)
# (RocksDB is linked statically: its compression libraries appear instead.)
for lib in libgrpc++ libprotobuf libsodium libyaml-cpp libssl libabsl libzstd; do
  grep -q "$lib" <<<"$depends" || fail "Depends lacks $lib: $depends"
done
contents=$(dpkg-deb --contents "$deb")
for f in ./usr/bin/riec-broker ./usr/bin/riec ./lib/systemd/system/riec-broker.service \
         ./lib/systemd/system/riec-pseudonymiser.service ./etc/riec/broker.yaml ./etc/riec/convenant.yaml \
         ./usr/share/riec/certs/make-ca.sh ./usr/share/riec/monitoring/prometheus-alerts.yml; do
  grep -q " $f\$" <<<"$contents" || fail "the package lacks $f"
done

echo "== dpkg --install"
dpkg --install "$deb" >"$work/dpkg.log" 2>&1 || { cat "$work/dpkg.log"; fail "dpkg --install failed"; }
getent passwd riec >/dev/null || fail "no riec user after install"
[ "$(stat -c '%U %a' /var/lib/riec)" = "riec 700" ] || fail "/var/lib/riec is $(stat -c '%U %a' /var/lib/riec)"
# The Pseudonymiser apart is another user, whose keys the index cannot read.
[ "$(stat -c '%U %a' /var/lib/riec-pseudonymiser)" = "riec-pseudonymiser 700" ] ||
  fail "/var/lib/riec-pseudonymiser is $(stat -c '%U %a' /var/lib/riec-pseudonymiser)"
grep -q '^User=riec-pseudonymiser$' /lib/systemd/system/riec-pseudonymiser.service || fail "the Pseudonymiser runs as riec"
grep -q '^InaccessiblePaths=-/var/lib/riec-pseudonymiser$' /lib/systemd/system/riec-broker.service ||
  fail "the broker's unit can see the Pseudonymiser's keys"
[ "$(stat -c '%U:%G %a' /etc/riec/tls)" = "root:riec 750" ] || fail "/etc/riec/tls is $(stat -c '%U:%G %a' /etc/riec/tls)"
grep -q '^NoNewPrivileges=yes' /lib/systemd/system/riec-broker.service || fail "the unit is not hardened"
grep -q '^ExecStart=/usr/bin/riec-broker --config /etc/riec/broker.yaml$' /lib/systemd/system/riec-broker.service ||
  fail "the unit does not start the installed broker on the installed config"

echo "== certificates with the installed scripts"
certs=/usr/share/riec/certs
"$certs/make-ca.sh" --convenant riec-oost-brabant --out "$work/ca" >/dev/null
"$certs/issue-server.sh" --ca "$work/ca" --host localhost --ip 127.0.0.1 --out /etc/riec/tls >/dev/null
cp "$work/ca/ca.crt" /etc/riec/tls/ca.crt
chown riec:riec /etc/riec/tls/broker.key
"$certs/issue-client.sh" --ca "$work/ca" --convenant riec-oost-brabant --partner politie \
  --role partner-system --out "$work/client" >/dev/null

echo "== riec-broker --check as riec"
# The installed config listens on 0.0.0.0:7443; a test machine may use
# that port, so the check and the run listen on a port the kernel picks (a
# flag over the config) and the broker says which in a ready file.
listen=127.0.0.1:0
chmod 711 "$work"  # riec passes through to its own run directory
install -d -o riec -g riec -m 0700 "$work/run"
check=$(runuser -u riec -- /usr/bin/riec-broker --config /etc/riec/broker.yaml --listen "$listen" --check) ||
  { echo "$check"; fail "--check found problems in the installed configuration"; }
echo "$check"
grep -q "no problems found" <<<"$check" || fail "--check said: $check"
# And it sees a key left readable to others.
chmod 644 /etc/riec/tls/broker.key
if runuser -u riec -- /usr/bin/riec-broker --config /etc/riec/broker.yaml --listen "$listen" --check \
     >"$work/bad-check" 2>&1; then
  fail "--check passed a server key of mode 644"
fi
grep -q "tls.key: /etc/riec/tls/broker.key holds a secret" "$work/bad-check" || fail "--check said: $(cat "$work/bad-check")"
chmod 600 /etc/riec/tls/broker.key

echo "== the installed broker, as riec, on the installed configuration"
# setpriv execs the broker as riec (runuser would stand between it and the
# signal that stops it, as systemd does not).
setpriv --reuid riec --regid riec --init-groups --inh-caps=-all \
  /usr/bin/riec-broker --config /etc/riec/broker.yaml --listen "$listen" \
  --ready-file "$work/run/ready" >"$work/broker.log" 2>&1 &
broker_pid=$!
for _ in $(seq 1 600); do  # up to a minute: the first start creates the store and keys
  [ -s "$work/run/ready" ] && break
  kill -0 "$broker_pid" 2>/dev/null || { cat "$work/broker.log"; fail "the broker exited"; }
  sleep 0.1
done
address=$(cat "$work/run/ready" 2>/dev/null) || { cat "$work/broker.log"; fail "the broker never got ready"; }
health=$(/usr/bin/riec --broker "$address" --ca /etc/riec/tls/ca.crt \
  --cert "$work/client/politie-partner-system.crt" --key "$work/client/politie-partner-system.key" \
  --timeout 10 health) || { cat "$work/broker.log"; fail "riec health failed"; }
[ "$health" = "SERVING" ] || { cat "$work/broker.log"; fail "health: '$health'"; }
echo "health: $health"
[ "$(stat -c '%U %a' /var/lib/riec/keys)" = "riec 700" ] || fail "key_dir is $(stat -c '%U %a' /var/lib/riec/keys)"
grep -q '"msg":"riec-broker listening on' "$work/broker.log" || fail "no start-up line: $(cat "$work/broker.log")"
kill "$broker_pid"
wait "$broker_pid" || fail "the broker did not stop cleanly: $(cat "$work/broker.log")"
broker_pid=""
grep -q '"msg":"stopped"' "$work/broker.log" || fail "no 'stopped' line"

echo "== dpkg --purge"
dpkg --purge riec-broker >"$work/purge.log" 2>&1 || { cat "$work/purge.log"; fail "dpkg --purge failed"; }
[ ! -e /usr/bin/riec-broker ] || fail "/usr/bin/riec-broker is still there"
[ ! -e /lib/systemd/system/riec-broker.service ] || fail "the unit is still there"
[ ! -e /etc/riec/broker.yaml ] || fail "/etc/riec/broker.yaml survived the purge"
# The disclosure log is the law's, not the package's: it stays.
[ -d /var/lib/riec/data ] || fail "the purge removed the data"
echo "package_test: built, installed, checked, started, asked, stopped and removed riec-broker"
