#!/bin/sh
# Validate docker-compose.yml (syntax, anchors, service references) with Debian's docker-compose,
# which needs no Docker engine for `config`. Installs the package when missing; waits for another
# apt to finish rather than racing it.
set -e
cd "$(dirname "$0")/.."
if ! command -v docker-compose >/dev/null 2>&1; then
  SUDO=""; [ "$(id -u)" -ne 0 ] && SUDO="sudo"
  while pgrep -x apt-get >/dev/null || pgrep -x apt >/dev/null || pgrep -x dpkg >/dev/null; do sleep 5; done
  $SUDO apt-get update
  $SUDO apt-get install -y --no-install-recommends docker-compose
fi
docker-compose -f docker-compose.yml config -q
echo "docker-compose.yml: valid"
