#!/bin/sh
# Headless Chromium for tests/web/test_browser.py (Debian package; playwright-core drives it from npm,
# no browser download). Called by the Makefile / CI before the tests; does nothing when installed.
set -e
if [ -x /usr/bin/chromium ]; then
    exit 0
fi
SUDO=""
if [ "$(id -u)" != "0" ]; then SUDO="sudo"; fi
$SUDO apt-get update
DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y --no-install-recommends chromium
