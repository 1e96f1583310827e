#!/bin/bash
# ci/npm-global-test.sh - `npm install -g` of the packed package gives working iked and ikectl.
#
#   npm pack (in a temporary copy of the sources: npm pack runs `prepare` = tsc, which must not
#   rewrite ./dist) -> npm install -g --prefix TMP ./iked-<version>.tgz (npm builds the addon with
#   node-gyp from binding.gyp) -> TMP/bin/iked -V, TMP/bin/iked -n on a one-policy configuration and
#   on a broken one (must fail), TMP/bin/ikectl usage; the prefix is removed on every exit.
set -euo pipefail
REPO=$(cd "$(dirname "$0")/.." && pwd)
fail() { echo "npm-global-test: FAIL: $*" >&2; exit 1; }
[ -x "$REPO/node_modules/.bin/tsc" ] || fail "run 'npm install' first (tsc for npm pack's prepare)"
TMP=$(mktemp -d /tmp/iked-npm-global.XXXXXX)
trap 'rm -rf "$TMP"' EXIT
VERSION=$(node -p "require('$REPO/package.json').version")

mkdir -p "$TMP/src" "$TMP/prefix" "$TMP/pack"
(cd "$REPO" && git ls-files -z --cached --others --exclude-standard | while IFS= read -r -d '' f; do [ -e "$f" ] && printf '%s\0' "$f"; done \
  | tar --null -T - -cf -) | tar -C "$TMP/src" -xf -
rm -rf "$TMP/src/node_modules"; ln -s "$REPO/node_modules" "$TMP/src/node_modules"
(cd "$TMP/src" && npm pack --pack-destination "$TMP/pack" --loglevel=error >"$TMP/pack.log" 2>&1) || { cat "$TMP/pack.log" >&2; fail "npm pack"; }
TGZ=$TMP/pack/iked-$VERSION.tgz
[ -f "$TGZ" ] || fail "npm pack made no $TGZ"
# (a listing file, not a pipe: grep -q leaving early would kill tar with SIGPIPE under pipefail)
tar -tzf "$TGZ" >"$TMP/tgz.list" || fail "cannot list $TGZ"
grep -qx 'package/dist/src/cli/iked.js' "$TMP/tgz.list" || fail "the tarball has no dist/src/cli/iked.js"

(cd "$TMP" && npm install -g --prefix "$TMP/prefix" --no-audit --no-fund --loglevel=error "$TGZ" >"$TMP/install.log" 2>&1) \
  || { cat "$TMP/install.log" >&2; fail "npm install -g --prefix $TMP/prefix $TGZ"; }
BIN=$TMP/prefix/bin
for c in iked ikectl; do [ -x "$BIN/$c" ] || fail "$BIN/$c is missing or not executable"; done
[ -f "$TMP/prefix/lib/node_modules/iked/build/Release/iked_kernel.node" ] || fail "npm install -g did not build the native addon"

# the bin entries, as a user runs them: PATH without the source tree
export PATH="$BIN:/usr/local/bin:/usr/bin:/bin"
cd "$TMP"
v=$(iked -V) || fail "iked -V"
[ "$v" = "iked $VERSION" ] || fail "iked -V printed '$v'"
cat >"$TMP/ok.conf" <<'CONF'
set decouple
ikev2 "global" active esp from 10.1.0.0/24 to 10.2.0.0/24 local 192.0.2.1 peer 192.0.2.2 \
	ikesa enc aes-128-gcm prf hmac-sha2-256 group ecp256 childsa enc aes-128-gcm \
	srcid a.example dstid b.example psk "npm-global-test"
CONF
chmod 0600 "$TMP/ok.conf"
out=$(iked -n -v -f "$TMP/ok.conf" 2>&1) || { echo "$out" >&2; fail "iked -n rejected a valid configuration"; }
grep -qx 'configuration OK' <<<"$out" || fail "iked -n did not say 'configuration OK': $out"
grep -q 'ikev2 "global" active' <<<"$out" || fail "iked -n -v did not print the policy: $out"
printf 'ikev2 "x" active esp from 10.0.0.0/24 to bogus-net\n' >"$TMP/bad.conf"; chmod 0600 "$TMP/bad.conf"
iked -n -f "$TMP/bad.conf" >"$TMP/bad.out" 2>&1 && fail "iked -n accepted a broken configuration"
grep -q 'bad.conf:1:' "$TMP/bad.out" || fail "iked -n did not report bad.conf:1: $(cat "$TMP/bad.out")"
ikectl >"$TMP/ikectl.out" 2>&1 && fail "ikectl without a command exited 0"
grep -q '^usage: ikectl' "$TMP/ikectl.out" || fail "ikectl printed no usage: $(cat "$TMP/ikectl.out")"

# and straight from the clone (npm links the directory: the clone's own dist/ and build/)
mkdir -p "$TMP/prefix2"
(cd "$TMP" && npm install -g --prefix "$TMP/prefix2" --no-audit --no-fund --loglevel=error "$REPO" >"$TMP/install2.log" 2>&1) \
  || { cat "$TMP/install2.log" >&2; fail "npm install -g --prefix $TMP/prefix2 $REPO"; }
v2=$("$TMP/prefix2/bin/iked" -V) || fail "iked -V from the clone install"
[ "$v2" = "iked $VERSION" ] || fail "iked -V (clone install) printed '$v2'"
"$TMP/prefix2/bin/iked" -n -f "$TMP/ok.conf" >/dev/null 2>&1 || fail "iked -n (clone install) rejected a valid configuration"
"$TMP/prefix2/bin/ikectl" >"$TMP/ikectl2.out" 2>&1 && fail "ikectl (clone install) without a command exited 0"
grep -q '^usage: ikectl' "$TMP/ikectl2.out" || fail "ikectl (clone install) printed no usage"
echo "npm-global-test: OK ($(basename "$TGZ"): $BIN/iked -V = '$v', iked -n, ikectl usage; the same from the clone)"
