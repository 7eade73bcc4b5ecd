#!/usr/bin/env bash
# Make sure Debian's Chromium and CJK fonts are installed for the browser tests.
# Installs them with apt-get when missing; fails with a clear message otherwise.
set -euo pipefail

need=()
[ -x /usr/bin/chromium ] || need+=(chromium)
if ! fc-list 2>/dev/null | grep -qi "Noto Sans CJK"; then need+=(fonts-noto-cjk); fi
[ ${#need[@]} -eq 0 ] && exit 0

echo "Installing ${need[*]} for the browser tests (apt-get)..."
if [ "$(id -u)" -eq 0 ]; then
  SUDO=""
elif command -v sudo >/dev/null 2>&1 && sudo -n true 2>/dev/null; then
  SUDO="sudo"
else
  echo "ERROR: browser tests need Debian packages: ${need[*]}." >&2
  echo "       Run: sudo apt-get install -y ${need[*]}   (then make test again)" >&2
  exit 1
fi
export DEBIAN_FRONTEND=noninteractive
if ! { $SUDO apt-get update -qq && $SUDO apt-get install -y -qq "${need[@]}" >/dev/null; }; then
  echo "ERROR: could not install ${need[*]} with apt-get; browser tests cannot run." >&2
  exit 1
fi
[ -x /usr/bin/chromium ] || { echo "ERROR: /usr/bin/chromium still missing after install." >&2; exit 1; }
