#!/bin/bash
# ci/debian/build.sh - build iked_<version>_<arch>.deb with dpkg-deb (no debhelper).
#
#   npm run package:deb            (or: bash ci/debian/build.sh [OUTDIR])
#
# The version is package.json's, the architecture `dpkg --print-architecture`. The build
# happens in a temporary copy of the sources (git ls-files: tracked and new, not ignored
# files), so ./dist and ./build of the working tree are not touched: the TypeScript is
# compiled there with the tree's node_modules/.bin/tsc, the addon is rebuilt with
# dpkg-buildflags' hardening flags and stripped, and the production dependencies are
# installed from package-lock.json with `npm ci --omit=dev --ignore-scripts`.
#
# Layout of the package:
#   /usr/lib/iked/{package.json,binding.gyp,dist/src,build/Release/iked_{kernel,crypto}.node,node_modules}
#       (binding.gyp marks the package root for src/platform/native-binding.ts)
#   /usr/sbin/iked, /usr/sbin/ikectl       sh wrappers: exec /usr/bin/node /usr/lib/iked/dist/src/cli/...
#   /usr/share/man/man{5,8}/*.gz           man/ (gzip -9n)
#   /usr/lib/systemd/system/iked.service   contrib/systemd/iked.service
#   /etc/iked.conf (0600, conffile, every policy commented out), /etc/iked/{ca,certs,crls,private,pubkeys/...}
#   /usr/share/doc/iked/{copyright,changelog.gz}, /usr/share/lintian/overrides/iked
#   DEBIAN/{control,conffiles,postinst,postrm,md5sums}
#
# Prints the path of the .deb on the last line. IKED_DEB_KEEP=1 keeps the work directory.
set -euo pipefail
REPO=$(cd "$(dirname "$0")/../.." && pwd)
HERE=$REPO/ci/debian
OUTDIR=$(cd "${1:-$REPO}" && pwd)
cd "$REPO"

die() { echo "ci/debian/build.sh: $*" >&2; exit 1; }
for t in dpkg-deb dpkg-shlibdeps git gzip strip npm node; do
  command -v "$t" >/dev/null || die "$t is missing (apt-get install dpkg-dev git gzip binutils; Node.js 20.12+)"
done
[ -x node_modules/.bin/tsc ] && [ -x node_modules/.bin/node-gyp ] || die "run 'npm install' first (tsc and node-gyp come from the devDependencies)"

VERSION=$(node -p "require('./package.json').version")
ARCH=$(dpkg --print-architecture)
NODE_MIN=$(node -p "(require('./package.json').engines.node.match(/>=\s*([0-9.]+)/) || [])[1] || ''")
[ -n "$NODE_MIN" ] || die "package.json engines.node is not of the form '>=X.Y'"
SRC_VERSION=$(sed -n "s/^export const IKED_VERSION = '\(.*\)';/\1/p" src/cli/version.ts)
[ "$SRC_VERSION" = "$VERSION" ] || die "package.json version $VERSION != src/cli/version.ts IKED_VERSION '$SRC_VERSION'"
DEB=$OUTDIR/iked_${VERSION}_${ARCH}.deb

WORK=$(mktemp -d /tmp/iked-deb.XXXXXX)
[ "${IKED_DEB_KEEP:-0}" = 1 ] || trap 'rm -rf "$WORK"' EXIT
SRC=$WORK/src
PKG=$WORK/pkg
LIB=$PKG/usr/lib/iked

echo "== copying the sources to $SRC"
mkdir -p "$SRC"
git ls-files -z --cached --others --exclude-standard | while IFS= read -r -d '' f; do
  [ -e "$f" ] && printf '%s\0' "$f"
done | tar -C "$REPO" --null -T - -cf - | tar -C "$SRC" -xf -
rm -rf "$SRC/node_modules"; ln -s "$REPO/node_modules" "$SRC/node_modules"

echo "== tsc"
(cd "$SRC" && node_modules/.bin/tsc -p .)

echo "== native addon (dpkg-buildflags hardening)"
nodedir=$(npm config get nodedir 2>/dev/null || true)
gypargs=(rebuild)
if [ -n "$nodedir" ] && [ "$nodedir" != undefined ] && [ "$nodedir" != null ]; then gypargs+=(--nodedir="$nodedir"); fi
(
  cd "$SRC"
  export DEB_BUILD_MAINT_OPTIONS=hardening=+all
  export CFLAGS="$(dpkg-buildflags --get CFLAGS)" CPPFLAGS="$(dpkg-buildflags --get CPPFLAGS)" \
         CXXFLAGS="$(dpkg-buildflags --get CXXFLAGS)" LDFLAGS="$(dpkg-buildflags --get LDFLAGS)"
  node_modules/.bin/node-gyp "${gypargs[@]}" >"$WORK/node-gyp.log" 2>&1 || { cat "$WORK/node-gyp.log" >&2; exit 1; }
)

echo "== staging $PKG"
install -d -m 0755 "$LIB/dist" "$LIB/build/Release" "$PKG/usr/sbin" "$PKG/usr/share/man/man5" "$PKG/usr/share/man/man8" \
  "$PKG/usr/lib/systemd/system" "$PKG/usr/share/doc/iked" "$PKG/usr/share/lintian/overrides" "$PKG/DEBIAN"
cp -a "$SRC/dist/src" "$LIB/dist/src"
find "$LIB/dist" -name '*.js.map' -delete
# iked_kernel.node always; iked_crypto.node when OpenSSL headers were at hand (it calls the OpenSSL
# that Node itself runs on; without it iked uses node:crypto, src/crypto/native-crypto.ts)
[ -f "$SRC/build/Release/iked_crypto.node" ] || echo "build.sh: note: no iked_crypto.node (no OpenSSL headers): the package runs on node:crypto" >&2
for addon in iked_kernel iked_crypto; do
  [ -f "$SRC/build/Release/$addon.node" ] || continue
  install -m 0644 "$SRC/build/Release/$addon.node" "$LIB/build/Release/$addon.node"
  strip --strip-unneeded --remove-section=.comment --remove-section=.note "$LIB/build/Release/$addon.node"
done
install -m 0644 "$SRC/binding.gyp" "$SRC/package.json" "$SRC/package-lock.json" "$LIB/"
(cd "$LIB" && npm ci --omit=dev --ignore-scripts --no-audit --no-fund --loglevel=error >/dev/null)
rm -f "$LIB/package-lock.json" "$LIB/node_modules/.package-lock.json"
# node-addon-api is a build-time dependency (C++ headers); the shipped addon is built and needs none of it
rm -rf "$LIB/node_modules/node-addon-api"
find "$LIB/node_modules" -depth -type d \( -name test -o -name tests -o -name .github \) -exec rm -rf {} +
# documentation of the modules (js-md4's doc/ is HTML pulling scripts from the web)
find "$LIB/node_modules" -mindepth 2 -maxdepth 3 -type d \( -name doc -o -name docs -o -name example -o -name examples \) \
  ! -path '*/node_modules/*/node_modules/*/*' -exec rm -rf {} +
find "$LIB/node_modules" -type f \( -name '*.md' -o -name '*.markdown' -o -name '.npmignore' -o -name '.eslintrc*' \
  -o -name '.travis.yml' -o -name '.gitattributes' -o -name '.gitignore' -o -name '.editorconfig' -o -name '*.ts' -o -name '.nycrc' -o -name 'Makefile' \) \
  ! -name 'LICENSE*' -delete
find "$LIB/node_modules" -depth -mindepth 1 -type d -empty -delete
# the JavaScript is data (0644); the two entry points have a shebang and are 0755
find "$LIB" -type f -exec chmod 0644 {} +
find "$LIB" -type d -exec chmod 0755 {} +
chmod 0755 "$LIB/dist/src/cli/iked.js" "$LIB/dist/src/cli/ikectl.js"
(cd "$LIB/node_modules" && for d in */ @*/*/; do [ -f "$d/package.json" ] || continue; printf '%s\n' "${d%/}"; done) | sort >"$WORK/modules"
[ -s "$WORK/modules" ] || die "no production node_modules were installed"

for cmd in iked ikectl; do
  [ "$(head -c 19 "$LIB/dist/src/cli/$cmd.js")" = '#!/usr/bin/env node' ] || die "dist/src/cli/$cmd.js has no '#!/usr/bin/env node' line"
  cat >"$PKG/usr/sbin/$cmd" <<EOF
#!/bin/sh
exec /usr/bin/node /usr/lib/iked/dist/src/cli/$cmd.js "\$@"
EOF
  chmod 0755 "$PKG/usr/sbin/$cmd"
done

for m in man/iked.8 man/ikectl.8 man/iked.conf.5; do
  sec=${m##*.}
  gzip -9n -c "$SRC/$m" >"$PKG/usr/share/man/man$sec/$(basename "$m").gz"
  chmod 0644 "$PKG/usr/share/man/man$sec/$(basename "$m").gz"
done

install -m 0644 "$SRC/contrib/systemd/iked.service" "$PKG/usr/lib/systemd/system/iked.service"

install -d -m 0755 "$PKG/etc"
install -m 0600 "$HERE/iked.conf" "$PKG/etc/iked.conf"
install -d -m 0755 "$PKG/etc/iked" "$PKG/etc/iked/ca" "$PKG/etc/iked/certs" "$PKG/etc/iked/crls" \
  "$PKG/etc/iked/pubkeys" "$PKG/etc/iked/pubkeys/ipv4" "$PKG/etc/iked/pubkeys/ipv6" "$PKG/etc/iked/pubkeys/fqdn" "$PKG/etc/iked/pubkeys/ufqdn"
install -d -m 0700 "$PKG/etc/iked/private"

# copyright: iked (ISC) and every bundled module with its own license file
{
  cat "$HERE/copyright.head"
  echo
  echo "Bundled Node.js modules (/usr/lib/iked/node_modules, from package-lock.json):"
  while read -r mod; do
    ver=$(node -p "require('$LIB/node_modules/$mod/package.json').version")
    lic=$(node -p "const p=require('$LIB/node_modules/$mod/package.json'); typeof p.license==='string'?p.license:JSON.stringify(p.license||p.licenses||'UNKNOWN')")
    echo
    echo "-------------------------------------------------------------------------------"
    echo "$mod $ver - License: $lic"
    lf=$(find "$LIB/node_modules/$mod" -maxdepth 1 -type f \( -iname 'LICEN[CS]E*' -o -iname 'COPYING*' \) | sort | head -1)
    if [ -n "$lf" ]; then echo; sed 's/[[:space:]]*$//' "$lf"; fi
  done <"$WORK/modules"
} >"$PKG/usr/share/doc/iked/copyright"
chmod 0644 "$PKG/usr/share/doc/iked/copyright"

# native package (no Debian revision): the changelog is changelog.gz (Policy 12.7)
sed -e "s/@VERSION@/$VERSION/" -e "s/@DATE@/$(date -R -d "@$(git log -1 --format=%ct 2>/dev/null || date +%s)")/" "$HERE/changelog.in" \
  | gzip -9n >"$PKG/usr/share/doc/iked/changelog.gz"
chmod 0644 "$PKG/usr/share/doc/iked/changelog.gz"
install -m 0644 "$HERE/lintian-overrides" "$PKG/usr/share/lintian/overrides/iked"

# Depends: the libc symbols the addon needs (dpkg-shlibdeps), Node.js per package.json's engines
mkdir -p "$WORK/shl/debian"
printf 'Source: iked\n\nPackage: iked\nArchitecture: any\n' >"$WORK/shl/debian/control"
LIBC=$(cd "$WORK/shl" && dpkg-shlibdeps -O "$LIB/build/Release/iked_kernel.node" 2>/dev/null | sed -n 's/^shlibs:Depends=//p')
[ -n "$LIBC" ] || die "dpkg-shlibdeps found no dependency for the addon"

install -m 0644 "$HERE/conffiles" "$PKG/DEBIAN/conffiles"
install -m 0755 "$HERE/postinst" "$HERE/postrm" "$PKG/DEBIAN/"
SIZE=$(du -sk --exclude=DEBIAN "$PKG" | cut -f1)
cat >"$PKG/DEBIAN/control" <<EOF
Package: iked
Version: $VERSION
Architecture: $ARCH
Maintainer: iked developers <iked@example.org>
Installed-Size: $SIZE
Depends: nodejs (>= $NODE_MIN), openssl, passwd, $LIBC
Section: net
Priority: optional
Homepage: https://github.com/example/iked
Description: portable IKEv2 VPN daemon after OpenBSD's iked
 iked is an IKEv2 (RFC 7296) key-management daemon written in TypeScript
 for Node.js, after OpenBSD's iked(8): the same iked.conf(5) language,
 the same command-line flags and the ikectl(8) control tool. It
 authenticates with pre-shared keys, certificates, raw public keys and
 EAP-MSCHAPv2, and installs the negotiated IPsec SAs and flows in the
 kernel through XFRM or PF_KEY.
 .
 The daemon runs privilege-separated: the network-facing engine runs as
 the unprivileged _iked user, chrooted to /var/empty.
EOF
(cd "$PKG" && find . -path ./DEBIAN -prune -o -type f -printf '%P\0' | sort -z | xargs -0 md5sum) >"$PKG/DEBIAN/md5sums"
chmod 0644 "$PKG/DEBIAN/md5sums" "$PKG/DEBIAN/control" "$PKG/DEBIAN/conffiles"

dpkg-deb --root-owner-group -Zxz --build "$PKG" "$DEB" >/dev/null
echo "== built ($(du -h "$DEB" | cut -f1), $(wc -l <"$WORK/modules") bundled modules)"
echo "$DEB"
