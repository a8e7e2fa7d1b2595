#!/bin/sh
# Installs Debian's Chromium for the browser tests (test/e2e) when it is missing, and a CJK font
# so that the Chinese pages in the screenshots are readable.
# playwright-core drives it with executablePath /usr/bin/chromium; no browser download.
set -e
packages=""
[ -x /usr/bin/chromium ] || packages="chromium"
[ -d /usr/share/fonts/truetype/wqy ] || packages="$packages fonts-wqy-microhei"
if [ -z "$packages" ]; then
  exit 0
fi
if [ "$(id -u)" != "0" ]; then
  SUDO=sudo
else
  SUDO=
fi
echo "ensure-chromium: installing Debian's$packages" >&2
$SUDO apt-get update -qq
# shellcheck disable=SC2086
DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq --no-install-recommends $packages >/dev/null
test -x /usr/bin/chromium
