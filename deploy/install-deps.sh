#!/usr/bin/env bash
# install-deps.sh — install the Debian 12 packages the RIEC broker needs to
# build, test and run. Installs only what is missing; needs root (or sudo).
set -euo pipefail

packages=(
  build-essential cmake ninja-build pkg-config ca-certificates openssl
  libgrpc++-dev libgrpc-dev protobuf-compiler-grpc libprotobuf-dev protobuf-compiler
  librocksdb-dev libsodium-dev libyaml-cpp-dev libabsl-dev libssl-dev
  libgtest-dev libgmock-dev libcli11-dev libcpp-httplib-dev
  clang-14 libclang-rt-14-dev
  prometheus dpkg-dev file
  chromium
)
# The web console builds with Node.js and npm (clients/console); Debian's
# are installed when the machine has none (playwright-core, for the browser
# tests, needs Node.js 20 or later: a newer nodejs already installed is kept).
command -v node >/dev/null && command -v npm >/dev/null || packages+=(nodejs npm)

missing=()
for p in "${packages[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
if [ ${#missing[@]} -eq 0 ]; then
  echo "install-deps: all ${#packages[@]} packages are installed"
  exit 0
fi

as_root=()
if [ "$(id -u)" -ne 0 ]; then
  command -v sudo >/dev/null || { echo "install-deps: run as root (or install sudo) to install: ${missing[*]}" >&2; exit 1; }
  as_root=(sudo)
fi
echo "install-deps: installing ${missing[*]}"
export DEBIAN_FRONTEND=noninteractive
"${as_root[@]}" apt-get update -q
"${as_root[@]}" apt-get install -y -q --no-install-recommends "${missing[@]}"
