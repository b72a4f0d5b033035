#!/usr/bin/env bash
# `npm test` runs this first (pretest): install the Debian packages the suites
# need when they are missing, so `npm ci && npm test` passes on a fresh machine.
#   python3-subunit, subunit           the reference implementation and its tools (interop, fixtures, fuzz oracle)
#   python3-junitxml, python3-stestr   subunit2junitxml, and `stestr load` of our reporters' output
#   chromium                           the real browser for the browser and `subunit serve` suites
#   wabt gcc make libc6-dev            wasm2c/wasm-objdump and a C compiler for the C host and ABI tests
#
# `bash scripts/test-deps.sh --check` only says what is missing (exit 1 if anything is).
set -euo pipefail

missing=()
/usr/bin/python3 -c 'import subunit' 2>/dev/null || missing+=(python3-subunit)
for tool in subunit-stats subunit-ls subunit-filter subunit2csv tap2subunit; do [ -x "/usr/bin/$tool" ] || { missing+=(subunit); break; }; done
/usr/bin/python3 -c 'import junitxml, stestr' 2>/dev/null || missing+=(python3-junitxml python3-stestr)
[ -x /usr/bin/chromium ] || missing+=(chromium)
for tool in wasm2c wasm-objdump; do command -v "$tool" >/dev/null || { missing+=(wabt); break; }; done
{ command -v cc && command -v make; } >/dev/null || missing+=(gcc make libc6-dev)
[ -e /usr/include/stdio.h ] || missing+=(libc6-dev)

[ ${#missing[@]} -eq 0 ] && exit 0
# unique, in order
mapfile -t missing < <(printf '%s\n' "${missing[@]}" | awk '!seen[$0]++')

if [ "${1:-}" = --check ] || [ "$(id -u)" -ne 0 ] || ! command -v apt-get >/dev/null; then
  echo "npm test needs Debian packages that are missing; install them with:" >&2
  sudo=; [ "$(id -u)" -eq 0 ] || sudo='sudo '
  echo "  ${sudo}apt-get update && ${sudo}apt-get install -y ${missing[*]}" >&2
  exit 1
fi

echo "npm test: installing missing Debian packages: ${missing[*]}" >&2
export DEBIAN_FRONTEND=noninteractive
apt-get update -qq
apt-get install -y -qq "${missing[@]}" >/dev/null
