#!/bin/sh
# Installs Debian's Chromium for the browser tests (test/e2e) when it is missing.
# playwright-core drives it with executablePath /usr/bin/chromium; no browser download.
set -e
if [ -x /usr/bin/chromium ]; then
  exit 0
fi
if [ "$(id -u)" != "0" ]; then
  SUDO=sudo
else
  SUDO=
fi
echo "ensure-chromium: /usr/bin/chromium is missing, installing Debian's chromium package" >&2
$SUDO apt-get update -qq
DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq --no-install-recommends chromium >/dev/null
test -x /usr/bin/chromium
