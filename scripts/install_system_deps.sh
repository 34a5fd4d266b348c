#!/usr/bin/env bash
# Installs the Debian packages an optional flow needs, only when they are missing.
#   scripts/install_system_deps.sh waves   -> lz4 and zlib headers for Verilator FST tracing
#   scripts/install_system_deps.sh synth   -> the OSU 0.18 um cell library and OpenSTA (flow/cost.py)
#   scripts/install_system_deps.sh sim     -> ccache (Verilator builds share their runtime objects)
set -euo pipefail
need=()
case "${1:-}" in
  waves)
    [ -f /usr/include/lz4.h ] || need+=(liblz4-dev)
    [ -f /usr/include/zlib.h ] || need+=(zlib1g-dev)
    ;;
  synth)
    [ -f /usr/share/qflow/tech/osu018/osu018_stdcells.lib ] || need+=(qflow-tech-osu018)
    command -v sta >/dev/null || need+=(opensta)
    ;;
  sim)
    command -v ccache >/dev/null || need+=(ccache)
    ;;
  *) echo "usage: $0 waves|synth|sim" >&2; exit 2 ;;
esac
[ ${#need[@]} -eq 0 ] && exit 0
if [ "$(id -u)" -ne 0 ] || ! command -v apt-get >/dev/null; then
  echo "missing Debian packages for '$1': ${need[*]} (install them, e.g. sudo apt-get install ${need[*]})" >&2
  exit 1
fi
echo "installing ${need[*]} for '$1'"
apt-get update -qq >/dev/null
DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "${need[@]}" >/dev/null
