#!/usr/bin/env bash
# Installs the system packages WindTunnel needs when they are missing (Debian/Ubuntu):
#   libopenblas-dev  always (the BLAS behind every matmul)
#   zlib1g-dev       always (gzip-compressed corpora in `data prepare`)
#   libxsmm-dev      on x86-64 (JIT kernels for the small products of a training step)
#   librsvg2-bin     with --test (the SVG renderer the plot tests check charts with)
# Idempotent and quiet when everything is present.
set -euo pipefail

want=(libopenblas-dev zlib1g-dev)
[ "$(uname -m)" = "x86_64" ] && want+=(libxsmm-dev)
[ "${1:-}" = "--test" ] && want+=(librsvg2-bin)

missing=()
for p in "${want[@]}"; do
    [ "$(dpkg-query -W -f='${Status}' "$p" 2>/dev/null)" = "install ok installed" ] || missing+=("$p")
done
[ "${#missing[@]}" -eq 0 ] && exit 0

if ! command -v apt-get >/dev/null; then
    echo "error: missing ${missing[*]} and no apt-get; install OpenBLAS, zlib and on x86-64 libxsmm (pkg-config names 'openblas', 'zlib', 'libxsmm') yourself" >&2
    exit 1
fi
sudo=""
[ "$(id -u)" -eq 0 ] || sudo="sudo"
echo "installing ${missing[*]} ..." >&2
export DEBIAN_FRONTEND=noninteractive
$sudo apt-get update -q -o DPkg::Lock::Timeout=120 >/dev/null
$sudo apt-get install -y -q --no-install-recommends -o DPkg::Lock::Timeout=120 "${missing[@]}" >/dev/null
