#!/usr/bin/env bash
# Installs the Debian packages the test suite uses when they are missing:
# poppler-utils (pdftotext) and antiword for the .pdf/.doc readers.
# Needs root for apt-get; without it, prints what to install and carries on
# (the tests that need a missing tool then skip and say why).
set -euo pipefail
need=()
command -v pdftotext >/dev/null || need+=(poppler-utils)
command -v antiword >/dev/null || need+=(antiword)
[ ${#need[@]} -eq 0 ] && exit 0
if [ "$(id -u)" -ne 0 ]; then
	echo "deps: missing ${need[*]}; install with: sudo apt-get install ${need[*]}" >&2
	exit 0
fi
export DEBIAN_FRONTEND=noninteractive
echo "deps: installing ${need[*]}" >&2
apt-get install -y -q --no-install-recommends "${need[@]}" </dev/null >&2 ||
	{ apt-get update -q >&2 && apt-get install -y -q --no-install-recommends "${need[@]}" </dev/null >&2; }
