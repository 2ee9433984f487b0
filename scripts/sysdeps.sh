#!/usr/bin/env bash
# Installs the Debian packages Fanxing needs beyond Python: Chromium (browser tests, PDF report),
# Noto CJK fonts (Chinese text in charts and the PDF) and poppler-utils (the tests read the PDF's
# text back). Java 17 (Spark) comes with the machine. Idempotent; needs root or sudo.
set -euo pipefail
need=()
[ -x /usr/bin/chromium ] || need+=(chromium)
fc-list 2>/dev/null | grep -qi "Noto Sans CJK" || need+=(fonts-noto-cjk)
command -v fc-list >/dev/null 2>&1 || need+=(fontconfig)
command -v pdftotext >/dev/null 2>&1 || need+=(poppler-utils)
command -v java >/dev/null 2>&1 || need+=(default-jre-headless)
[ ${#need[@]} -eq 0 ] && exit 0
SUDO=""
if [ "$(id -u)" -ne 0 ]; then
  if command -v sudo >/dev/null 2>&1; then SUDO=sudo; else
    echo "sysdeps: please install as root: apt-get install -y ${need[*]}" >&2; exit 1; fi
fi
export DEBIAN_FRONTEND=noninteractive
$SUDO apt-get update -qq
$SUDO apt-get install -y -qq --no-install-recommends "${need[@]}"
# matplotlib caches the font list: drop it so the new CJK fonts are seen
rm -rf "${HOME:-/root}/.cache/matplotlib" 2>/dev/null || true
