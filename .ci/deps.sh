#!/usr/bin/env bash
# Installs the Debian packages the test suite uses when they are missing:
#   poppler-utils (pdftotext, pdftoppm) and antiword   the .pdf/.doc readers, DOCX rendering checks
#   chromium                                           the web app's end-to-end tests
#   libreoffice-writer + fonts-noto-cjk                proves the DOCX we write opens and renders
# Needs root for apt-get; without it, prints what to install and carries on
# (the tests that need a missing tool then skip and say why, except in CI).
set -euo pipefail
need=()
command -v pdftotext >/dev/null || need+=(poppler-utils)
command -v antiword >/dev/null || need+=(antiword)
command -v chromium >/dev/null || need+=(chromium)
command -v libreoffice >/dev/null || need+=(libreoffice-writer)
[ -e /usr/share/fonts/opentype/noto/NotoSansCJK-Regular.ttc ] || need+=(fonts-noto-cjk)
[ ${#need[@]} -eq 0 ] && exit 0
if [ "$(id -u)" -ne 0 ]; then
	echo "deps: missing ${need[*]}; install with: sudo apt-get install --no-install-recommends ${need[*]}" >&2
	exit 0
fi
export DEBIAN_FRONTEND=noninteractive
echo "deps: installing ${need[*]}" >&2
apt-get install -y -q --no-install-recommends "${need[@]}" </dev/null >&2 ||
	{ apt-get update -q >&2 && apt-get install -y -q --no-install-recommends "${need[@]}" </dev/null >&2; }
