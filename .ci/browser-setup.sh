#!/bin/sh
# Install Debian's chromium + chromium-driver for the console's browser test (idempotent; the test
# skips with a message where they are missing). Waits for another apt to finish rather than racing it.
set -e
missing=""
for p in chromium chromium-driver; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing="$missing $p"
done
[ -z "$missing" ] && exit 0
SUDO=""; [ "$(id -u)" -ne 0 ] && SUDO="sudo"
while pgrep -x apt-get >/dev/null || pgrep -x apt >/dev/null || pgrep -x dpkg >/dev/null; do sleep 5; done
$SUDO apt-get update
$SUDO apt-get install -y $missing
