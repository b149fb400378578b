#!/usr/bin/env bash
# Installs the Debian 12 packages Gallery needs to build, run and test.
# Idempotent: only missing packages are installed, so a machine that has them starts at once.
# Usage: scripts/install-deps.sh [build|test|bench]
set -euo pipefail
want=(build-essential cmake ninja-build pkg-config
      libboost-dev libboost-system-dev libssl-dev libsqlite3-dev
      nlohmann-json3-dev libcli11-dev libspdlog-dev libfmt-dev
      libgtest-dev libgmock-dev libzstd-dev openssl ca-certificates curl)
case "${1:-build}" in
  test)  want+=(python3 azure-cli qemu-utils) ;;
  bench) want+=(wrk python3 qemu-utils) ;;
esac
missing=()
for p in "${want[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'install ok installed' || missing+=("$p")
done
[ ${#missing[@]} -eq 0 ] && exit 0
if [ "$(id -u)" -ne 0 ]; then
  echo "Missing packages: ${missing[*]}. Run as root, or: sudo apt-get install ${missing[*]}" >&2
  exit 1
fi
echo "Installing: ${missing[*]}"
export DEBIAN_FRONTEND=noninteractive
apt-get update -qq
apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
