#!/usr/bin/env bash
# quickstart.sh — from a fresh Debian 12 machine to a running RIEC broker
# with a demo of the whole two-stage path:
#   1. installs the packages that are missing (deploy/install-deps.sh),
#   2. builds everything (./build),
#   3. creates a development CA, a server certificate for localhost and a
#      client certificate for every partner and role of the example convenant
#      (var/dev/pki; private keys stay there, mode 600, never in git),
#   4. starts riec-broker on its embedded store (var/dev/data) in the
#      background, listening on 127.0.0.1:${RIEC_DEV_PORT:-7443},
#   5. runs a scripted demo: partners publish synthetic exports, a
#      municipality registers a signal and gets the stage-1 answers, the
#      holders assess it, the casustafel's chair records the decision and a
#      privacy officer confirms the unlock, the police provides sealed content
#      that the municipality fetches and decrypts, and the chair closes the
#      case with its outcome, which reaches the police.
#
# The broker keeps running afterwards; the script says how to use and stop it.
# Run it again to rebuild and restart; the data and certificates are kept.
set -euo pipefail
cd "$(dirname "$0")/.."
root=$(pwd)
port=${RIEC_DEV_PORT:-7443}
console_port=${RIEC_DEV_CONSOLE_PORT:-8443}
dev=$root/var/dev
riec=$root/build/clients/cli/riec
policy=$root/policy/convenants/riec-oost-brabant.yaml
convenant=riec-oost-brabant
step() { printf '\n\033[1m== %s\033[0m\n' "$*"; }

step "1/5 packages"
./deploy/install-deps.sh

step "2/5 build"
cmake -S . -B build -G Ninja -DCMAKE_BUILD_TYPE=RelWithDebInfo >/dev/null
cmake --build build -j "$(nproc)"

step "3/5 development certificates (var/dev/pki)"
mkdir -p "$dev"
if [ ! -f "$dev/pki/ca/ca.key" ]; then
  certs/make-ca.sh --convenant "$convenant" --out "$dev/pki/ca"
  certs/issue-server.sh --ca "$dev/pki/ca" --host localhost --ip 127.0.0.1 --out "$dev/pki/server"
  certs/issue-for-policy.sh --ca "$dev/pki/ca" --policy "$policy" --out "$dev/pki/clients" --riec "$riec"
else
  echo "kept the existing CA and certificates in $dev/pki"
fi
# The web console's people log in with a certificate in their browser: one
# PKCS#12 file each for the demo's chair and privacy officers.
for who in riec-chair riec-privacy-officer politie-privacy-officer gemeente-eindhoven-privacy-officer; do
  [ -f "$dev/pki/clients/$who.p12" ] && continue
  openssl pkcs12 -export -in "$dev/pki/clients/$who.crt" -inkey "$dev/pki/clients/$who.key" \
    -certfile "$dev/pki/ca/ca.crt" -name "$who (RIEC demo)" -passout pass:riec-demo \
    -out "$dev/pki/clients/$who.p12"
  chmod 600 "$dev/pki/clients/$who.p12"
done
# One client config per certificate: riec --config var/dev/clients/<partner>-<role>.yaml
mkdir -p "$dev/clients"
for crt in "$dev"/pki/clients/*.crt; do
  name=$(basename "$crt" .crt)
  cat > "$dev/clients/$name.yaml" <<CFG
broker: 127.0.0.1:$port
server_name: localhost
ca: ../pki/ca/ca.crt
cert: ../pki/clients/$name.crt
key: ../pki/clients/$name.key
CFG
done

step "4/5 riec-broker on 127.0.0.1:$port (data in var/dev/data)"
cat > "$dev/broker.yaml" <<CFG
listen: 127.0.0.1:$port
tls:
  cert: $dev/pki/server/broker.crt
  key: $dev/pki/server/broker.key
  client_ca: $dev/pki/ca/ca.crt
data_dir: $dev/data
key_dir: $dev/keys
policy: $policy
ready_file: $dev/broker.ready
console:
  listen: 127.0.0.1:$console_port
  assets: $root/build/clients/console/dist
CFG
if [ -f "$dev/broker.pid" ] && kill -0 "$(cat "$dev/broker.pid")" 2>/dev/null; then
  echo "stopping the running development broker (pid $(cat "$dev/broker.pid"))"
  kill "$(cat "$dev/broker.pid")"
  while kill -0 "$(cat "$dev/broker.pid")" 2>/dev/null; do sleep 0.1; done
fi
# Starts the broker (its output appended to broker.log); returns non-zero
# if it exits before it is ready, leaving what it said in $started.
start_broker() {
  rm -f "$dev/broker.ready"
  local from=$(( $(stat -c %s "$dev/broker.log" 2>/dev/null || echo 0) + 1 ))
  nohup build/broker/main/riec-broker --config "$dev/broker.yaml" >> "$dev/broker.log" 2>&1 &
  echo $! > "$dev/broker.pid"
  for _ in $(seq 100); do
    started=$(tail -c +"$from" "$dev/broker.log")
    [ -s "$dev/broker.ready" ] && return 0
    kill -0 "$(cat "$dev/broker.pid")" 2>/dev/null || { started=$(tail -c +"$from" "$dev/broker.log"); return 1; }
    sleep 0.1
  done
}
if ! start_broker; then
  if grep -q "holds store format" <<< "$started"; then
    # Demo data of an older build: keep it aside and start afresh.
    old="$dev/data.$(date -u +%Y%m%dT%H%M%S)"
    echo "the demo data in $dev/data is of an older store format; moved it to $old"
    mv "$dev/data" "$old"
    start_broker || { echo "$started" >&2; echo "riec-broker did not start (see $dev/broker.log)" >&2; exit 1; }
  else
    echo "$started" >&2
    echo "riec-broker did not start (see $dev/broker.log)" >&2
    exit 1
  fi
fi
tail -1 <<< "$started"

step "5/5 demo: publish, signal, stage 1, assessments, decision and unlock, stage 2, outcome"
as() { local who=$1; shift; "$riec" --config "$dev/clients/$who.yaml" "$@"; }
build/tests/synth/riec-synth --out "$dev/synth" --persons 2000 --seed 2026 --bad-rows 1
for partner in gemeente-eindhoven politie uwv belastingdienst nla; do
  for file in "$dev/synth/$partner"/*.csv; do
    kind=$(basename "$file" .csv)
    echo "-- $partner publishes $kind"
    as "$partner-partner-system" --on-behalf-of "demo script" index publish --kind "$kind" --csv "$file" \
      || echo "   (rows with a bad BSN were added on purpose: they are reported by line and skipped)"
  done
done

# A signal about housing of labour migrants: residents known to several
# partners, an address, a company, and one person nobody holds.
mapfile -t persons < <(awk -F, '$1=="person-bsn" && $3 ~ /uwv/ && $3 ~ /politie/ {print $2}' "$dev/synth/ground-truth.csv" | head -3)
address=$(awk -F, '$1=="address" && $3 ~ /nla/ {print $2; exit}' "$dev/synth/ground-truth.csv")
company=$(awk -F, '$1=="organisation-kvk" && $3 ~ /uwv/ {print $2; exit}' "$dev/synth/ground-truth.csv")
subjects=()
for bsn in "${persons[@]}"; do subjects+=(--subject "person-bsn:$bsn"); done
subjects+=(--subject "address:$address" --subject "organisation-kvk:$company" --subject "person-bsn:111222333")
echo
echo "-- gemeente-eindhoven registers a signal (purpose ondermijning, theme huisvesting-arbeidsmigranten)"
signal=$(as gemeente-eindhoven-partner-system signal register --purpose ondermijning \
           --theme huisvesting-arbeidsmigranten --reference "demo" -q "${subjects[@]}")
as gemeente-eindhoven-partner-system signal show "$signal"
echo
echo "-- gemeente-eindhoven asks who holds something (stage 1, algemene informatie)"
as gemeente-eindhoven-partner-system query --signal "$signal" "${subjects[@]}"
echo
echo "-- the same signal through the RIEC coordinator, as JSON"
as riec-coordinator query --signal "$signal" --json

echo
echo "-- gemeente-eindhoven asks the holders for their assessment"
as gemeente-eindhoven-partner-system assess request --signal "$signal"
echo "-- what politie's system sees (riec events)"
as politie-partner-system events | tail -3
as politie-partner-system assess give --signal "$signal" --subject "person-bsn:${persons[0]}" \
  --can-provide yes --suits yes
as uwv-partner-system assess give --signal "$signal" --subject "person-bsn:${persons[0]}" \
  --can-provide yes --suits unknown --reason verouderd
as gemeente-eindhoven-partner-system assess list --signal "$signal"

echo
echo "-- gemeente-eindhoven registers its encryption key (the secret key stays in its keyring)"
as gemeente-eindhoven-partner-system keys register --keyring "$dev/keyrings/gemeente-eindhoven"
fingerprint=$(cat "$dev/keyrings/gemeente-eindhoven/current")

echo
echo "-- the casustafel met today; the RIEC chair records its decision"
case_id=$(as riec-chair case propose --signal "$signal" -q \
  --meeting "$(date -u +%F)" --present gemeente-eindhoven --present politie --present uwv:no \
  --subject "person-bsn:${persons[0]}" --flow politie:gemeente-eindhoven \
  --noodzaak "Signalen van overbewoning en uitbuiting; zonder politie-informatie geen beeld." \
  --proportionaliteit "Alleen de registratie van een bewoner, alleen politie naar gemeente." \
  --subsidiariteit "De gemeente heeft eigen bronnen geraadpleegd; die volstaan niet." \
  --use-condition "geen actie zonder overleg met de bron" --ends "$(date -u -d '+60 days' +%F)")
as riec-chair case unlock "$case_id"
echo "-- purpose ondermijning unlocks four-eyes: the RIEC's privacy officer confirms"
as riec-privacy-officer case confirm "$case_id"
as riec-chair case show "$case_id"

echo
echo "-- stage 2: gemeente-eindhoven requests content from politie"
request=$(as gemeente-eindhoven-partner-system content request --case "$case_id" \
            --subject "person-bsn:${persons[0]}" --holder politie -q)
as politie-partner-system content pending
printf 'Synthetische demo-inhoud (geen echte gegevens): registratie 2026-0042, drie meldingen overbewoning.\n' \
  > "$dev/politie-antwoord.txt"
echo "-- politie checks the fingerprint gemeente-eindhoven told it ($fingerprint) and provides"
as politie-partner-system content provide "$request" --file "$dev/politie-antwoord.txt" \
  --use-condition "niet verder verstrekken" --expect-key "$fingerprint"
as gemeente-eindhoven-partner-system content fetch "$request" --out "$dev/ontvangen.txt" \
  --keyring "$dev/keyrings/gemeente-eindhoven"
echo "   decrypted: $(cat "$dev/ontvangen.txt")"

echo
echo "-- the chair closes the case; politie hears the outcome (terugkoppeling)"
as riec-chair case close "$case_id" --outcome administrative-measure \
  --text "Bestuurlijke waarschuwing aan de verhuurder."
as politie-partner-system events | tail -1

cat <<MSG

The broker keeps running (pid $(cat "$dev/broker.pid"), log $dev/broker.log).
  Use it:    export RIEC_CONFIG=$dev/clients/gemeente-eindhoven-partner-system.yaml
             $riec signal list
             $riec query --signal $signal
             $riec case show $case_id      (as riec-chair.yaml)
             $riec audit list --case $case_id   (as riec-privacy-officer.yaml)
  Console:   https://localhost:$console_port/  (docs/console.md) — import into your browser
             $dev/pki/clients/riec-chair.p12 (the chair) or riec-privacy-officer.p12
             (password riec-demo), and trust $dev/pki/ca/ca.crt for websites
  Stop it:   kill \$(cat $dev/broker.pid)
  Start it:  build/broker/main/riec-broker --config $dev/broker.yaml
MSG
