#!/bin/sh
# `make chromium`: Debian's Chromium and a CJK font for the browser journeys and the benchmark.
# Only apt works here: Playwright's own browser download (`playwright install`) does not.
set -eu
chromium=${1:-/usr/bin/chromium}

need=""
[ -x "$chromium" ] || need=" chromium"
fc-list :lang=zh 2>/dev/null | grep -q . || need="$need fonts-noto-cjk"
if [ -z "$need" ]; then
    echo "chromium: $("$chromium" --version 2>/dev/null || echo "$chromium"); a CJK font is installed"
    exit 0
fi

if [ "$(id -u)" -ne 0 ] || ! command -v apt-get >/dev/null 2>&1; then
    echo "make chromium: missing:$need. It cannot be installed here: that needs root and apt-get." >&2
    echo "  Install it yourself (sudo apt-get install chromium fonts-noto-cjk), or point" >&2
    echo "  CHROMIUM=/path/to/chromium at another build." >&2
    if [ -x "$chromium" ]; then
        echo "  Continuing without the font: Chinese text may show as boxes in screenshots." >&2
        exit 0
    fi
    exit 1
fi

echo "make chromium: installing$need with apt-get"
apt-get update -qq
DEBIAN_FRONTEND=noninteractive apt-get install -y -qq $need
echo "chromium: $("$chromium" --version 2>/dev/null || echo "$chromium")"
