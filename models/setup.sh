#!/bin/sh
# Install what the model zoo needs from Debian 12 (idempotent) and print the python to use.
# PyPI is not needed. Debian's python3 must be used: a pyenv/venv python3 on PATH cannot see
# the Debian packages.
set -e
PKGS="python3-torch python3-onnx libopenblas0-pthread dataset-fashion-mnist python3-numpy python3-pil python3-scipy"
missing=""
for p in $PKGS; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing="$missing $p"
done
if [ -n "$missing" ]; then
  SUDO=""; [ "$(id -u)" -ne 0 ] && SUDO="sudo"
  $SUDO apt-get update
  # OpenBLAS matters: without it Debian's torch falls back to the reference BLAS (~13x slower)
  $SUDO apt-get install -y --no-install-recommends $missing
fi
/usr/bin/python3 -c "import torch, onnx, numpy, scipy, PIL" >/dev/null
echo /usr/bin/python3
