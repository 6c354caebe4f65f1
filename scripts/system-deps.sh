#!/usr/bin/env bash
# Install the system programs the project uses, from Debian's packages, where they are missing:
#   graphviz  -> dot        (kg diagram, kg site: the partnership map)
#   chromium  -> chromium   (the browser test of the site; tests/test_browser.py)
#
# Called by `make setup` (and so by `make test` and `make demo`). Idempotent: does nothing when
# the programs are already there. Installing needs root (apt-get); without it, this names what
# is missing and how to install it, and exits 1.
#
#   scripts/system-deps.sh            both programs
#   scripts/system-deps.sh graphviz   only Graphviz (enough for kg diagram / kg site)
set -euo pipefail

want=("$@")
[ ${#want[@]} -eq 0 ] && want=(graphviz chromium)

missing=()
for pkg in "${want[@]}"; do
  case "$pkg" in
    graphviz) command -v dot >/dev/null 2>&1 || missing+=(graphviz) ;;
    chromium) { command -v chromium >/dev/null 2>&1 || [ -x /usr/bin/chromium ]; } || missing+=(chromium) ;;
    *) echo "system-deps.sh: unknown package '$pkg' (known: graphviz, chromium)" >&2; exit 2 ;;
  esac
done

[ ${#missing[@]} -eq 0 ] && exit 0

if [ "$(id -u)" -ne 0 ]; then
  echo "system-deps.sh: missing ${missing[*]}; installing needs root." >&2
  echo "  run as root:  apt-get update && apt-get install -y --no-install-recommends ${missing[*]}" >&2
  exit 1
fi
if ! command -v apt-get >/dev/null 2>&1; then
  echo "system-deps.sh: missing ${missing[*]} and no apt-get here; install them with your system's" \
       "package manager (Graphviz provides 'dot', Chromium 'chromium')." >&2
  exit 1
fi

echo "system-deps.sh: installing ${missing[*]} from Debian's packages" >&2
export DEBIAN_FRONTEND=noninteractive
apt-get update -qq
apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
for pkg in "${missing[@]}"; do
  case "$pkg" in
    graphviz) command -v dot >/dev/null || { echo "system-deps.sh: graphviz installed but no 'dot'" >&2; exit 1; } ;;
    chromium) [ -x /usr/bin/chromium ] || { echo "system-deps.sh: chromium installed but no /usr/bin/chromium" >&2; exit 1; } ;;
  esac
done
echo "system-deps.sh: installed ${missing[*]}" >&2
