#!/bin/bash
# ci/debian/test-install.sh - install iked_<version>_<arch>.deb in a fresh Debian 13 (trixie) root
# and use it as an operator would. Run as root on the CI host (Debian 12, strongSwan from ci/deps.sh).
#
#   bash ci/debian/test-install.sh [path/to/iked_X_ARCH.deb]     (default: builds it with ci/debian/build.sh)
#
#   a. debootstrap --variant=minbase trixie from the host's Debian mirror; the finished root is cached as
#      a tarball in ~/.cache/iked-debian (IKED_DEBIAN_CACHE), as are the .debs apt fetches, so a second
#      run only unpacks it. Every run starts from a fresh copy of that root.
#   b. apt-get install ./iked_*.deb: nodejs (trixie's 20.19) and openssl come from the mirror. The
#      dependencies apt picks (`apt-get install -s`) are installed first, so that the file list taken
#      before iked itself goes in is comparable with the one after the purge.
#   c. iked -n -f /etc/iked.conf (the shipped example) must say "configuration OK".
#   d. test/package/chroot-tunnel.sh: the installed /usr/sbin/iked -d in one network namespace, host's
#      charon (kernel-libipsec) in another; the installed ikectl show sa must show ESTABLISHED.
#   e. /etc/iked.conf is changed; apt-get install --reinstall ./iked_*.deb keeps the change.
#   f. dpkg --purge iked: the _iked user and group, /var/empty (created by postinst here), /var/lib/iked,
#      /etc/iked.conf and /etc/iked are gone, and the file list (path, type, mode, owner; checksums
#      under /etc) equals the one taken before the install, apt/dpkg state, caches and logs excepted.
# Exits non-zero, saying why, on the first failure; mounts and namespaces are removed on every exit.
set -euo pipefail
REPO=$(cd "$(dirname "$0")/../.." && pwd)
[ "$(id -u)" = 0 ] || { echo "test-install: must run as root (debootstrap, chroot, namespaces)" >&2; exit 1; }
export DEBIAN_FRONTEND=noninteractive LC_ALL=C.UTF-8
SUITE=trixie
CACHE=${IKED_DEBIAN_CACHE:-${HOME:-/root}/.cache/iked-debian}
TARBALL=$CACHE/$SUITE-minbase-$(dpkg --print-architecture).tar
ARCHIVES=$CACHE/apt-archives
t0=$(date +%s)
say() { echo "test-install [$(($(date +%s) - t0))s]: $*"; }
fail() { echo "test-install: FAIL: $*" >&2; exit 1; }
for t in debootstrap chroot ip; do command -v "$t" >/dev/null || fail "$t is missing (bash ci/deps.sh)"; done

DEB=${1:-}
if [ -z "$DEB" ]; then
  say "building the package (ci/debian/build.sh)"
  DEB=$(bash "$REPO/ci/debian/build.sh" "$(mktemp -d /tmp/iked-deb-out.XXXXXX)" | tail -1)
fi
[ -f "$DEB" ] || fail "no package at '$DEB'"
DEB=$(readlink -f "$DEB")

# the host's Debian mirror (deb822 URIs: or one-line deb), e.g. http://deb.debian.org/debian
mirror() {
  local u
  u=$(grep -hsE '^URIs:' /etc/apt/sources.list.d/*.sources 2>/dev/null | awk '{print $2}' | grep -v -- '-security' | grep '/debian/\?$' | head -1)
  [ -n "$u" ] || u=$(grep -hsE '^deb ' /etc/apt/sources.list /etc/apt/sources.list.d/*.list 2>/dev/null | awk '{for(i=2;i<=NF;i++) if ($i ~ /^https?:/) {print $i; exit}}' | grep -v -- '-security' | grep '/debian/\?$' | head -1)
  echo "${u:-http://deb.debian.org/debian}"
}
MIRROR=$(mirror)

WORK=$(mktemp -d /tmp/iked-test-install.XXXXXX)
ROOT=$WORK/root
MOUNTS=()
cleanup() {
  local rc=$?
  [ -n "${TUNNEL_CLEANUP:-}" ] && bash "$REPO/test/package/chroot-tunnel.sh" cleanup "$ROOT" "$NSP" >/dev/null 2>&1 || true
  # processes still using the root (a daemon left by a failed step)
  for p in /proc/[0-9]*; do
    [ "$(readlink "$p/root" 2>/dev/null)" = "$ROOT" ] && kill -9 "${p#/proc/}" 2>/dev/null || true
  done
  local i
  for ((i = ${#MOUNTS[@]} - 1; i >= 0; i--)); do umount -l "${MOUNTS[$i]}" 2>/dev/null || true; done
  if [ "${IKED_TEST_INSTALL_KEEP:-0}" = 1 ]; then echo "test-install: kept $WORK" >&2; else rm -rf --one-file-system "$WORK"; fi
  [ $rc = 0 ] || echo "test-install: failed (exit $rc)" >&2
  exit $rc
}
trap cleanup EXIT
trap 'exit 130' INT TERM

# --- a. the trixie root ------------------------------------------------------------------------
if [ ! -s "$TARBALL" ]; then
  say "debootstrap --variant=minbase $SUITE from $MIRROR (cached afterwards in $TARBALL)"
  mkdir -p "$CACHE"
  boot=$WORK/boot
  debootstrap --variant=minbase --include=ca-certificates "$SUITE" "$boot" "$MIRROR" >"$WORK/debootstrap.log" 2>&1 \
    || { tail -30 "$WORK/debootstrap.log" >&2; fail "debootstrap failed"; }
  chroot "$boot" apt-get clean
  tar -C "$boot" --numeric-owner --xattrs -cf "$TARBALL.tmp" . && mv "$TARBALL.tmp" "$TARBALL"
  rm -rf --one-file-system "$boot"
fi
say "unpacking the cached $SUITE root"
mkdir -p "$ROOT" "$ARCHIVES/partial"
tar -C "$ROOT" --numeric-owner --xattrs -xf "$TARBALL"
grep -q "^13" "$ROOT/etc/debian_version" || fail "the root is not Debian 13: $(cat "$ROOT/etc/debian_version")"

mnt() { mount "$@"; MOUNTS+=("${!#}"); }
mnt -t proc proc "$ROOT/proc"
mnt -t sysfs sysfs "$ROOT/sys"
mnt --bind /dev "$ROOT/dev"
mnt -t devpts -o newinstance,ptmxmode=0666 devpts "$ROOT/dev/pts"
mnt -t tmpfs tmpfs "$ROOT/run"
mnt --bind "$ARCHIVES" "$ROOT/var/cache/apt/archives"
cp /etc/resolv.conf "$ROOT/etc/resolv.conf" 2>/dev/null || true
in_root() { chroot "$ROOT" "$@"; }

# the file list: path type mode owner group (+ md5 under /etc), apt/dpkg state, caches and logs excepted,
# and the shadow suite's backups of the account files (/etc/passwd- ...: useradd/userdel rewrite them;
# /etc/passwd, group, shadow and gshadow themselves are compared)
snapshot() {
  (cd "$ROOT" && find . -xdev \( -path ./proc -o -path ./sys -o -path ./dev -o -path ./run -o -path ./tmp \
      -o -path ./var/lib/dpkg -o -path ./var/lib/apt -o -path ./var/cache -o -path ./var/log -o -path ./root/.cache \
      -o -path ./var/lib/systemd/deb-systemd-helper-enabled -o -path ./etc/ld.so.cache \
      -o -path ./etc/passwd- -o -path ./etc/group- -o -path ./etc/shadow- -o -path ./etc/gshadow- \) -prune -o \
      -printf '%p %y %m %u %g\n' | LC_ALL=C sort) >"$1"
  (cd "$ROOT" && find ./etc -xdev -type f ! -name ld.so.cache ! -name passwd- ! -name group- ! -name shadow- ! -name gshadow- -print0 | LC_ALL=C sort -z | xargs -0 md5sum) >>"$1"
}

# --- b. install ----------------------------------------------------------------------------------
say "apt-get update in the root ($(cat "$ROOT/etc/apt/sources.list" 2>/dev/null | head -1))"
in_root apt-get update -qq || fail "apt-get update in the $SUITE root"
cp "$DEB" "$ROOT/tmp/"
PKGFILE=/tmp/$(basename "$DEB")
sim=$(in_root apt-get install -s --no-install-recommends "$PKGFILE") || { echo "$sim" >&2; fail "apt cannot resolve the package's dependencies on $SUITE"; }
deps=$(echo "$sim" | awk '/^Inst / && $2 != "iked" {print $2}')
grep -qx nodejs <<<"$deps" || grep -qx 'nodejs:[a-z0-9]*' <<<"$deps" || in_root dpkg -s nodejs >/dev/null 2>&1 || fail "apt did not pick nodejs for the package:\n$sim"
say "dependencies apt resolves for $(basename "$DEB"): $(echo $deps)"
in_root apt-get install -y -qq --no-install-recommends $deps >"$WORK/deps.log" 2>&1 || { tail -30 "$WORK/deps.log" >&2; fail "installing the dependencies"; }
nodever=$(in_root dpkg-query -W -f '${Version}' nodejs)
in_root dpkg --compare-versions "$nodever" ge 20.12 || fail "nodejs $nodever in $SUITE is older than 20.12"
in_root dpkg -s openssl >/dev/null || fail "openssl is not installed"
getent_root() { in_root getent "$@"; }
getent_root passwd _iked >/dev/null && fail "the fresh root already has an _iked user"
[ -e "$ROOT/var/empty" ] && fail "the fresh root already has /var/empty"
snapshot "$WORK/before"

say "apt-get install ./$(basename "$DEB") (nodejs $nodever)"
out=$(in_root apt-get install -y --no-install-recommends "$PKGFILE" 2>&1) || { echo "$out" >&2; fail "apt-get install of the package"; }
grep -q "^Setting up iked " <<<"$out" || { echo "$out" >&2; fail "apt-get did not set up iked"; }
grep -q '^Status: install ok installed' <<<"$(in_root dpkg -s iked)" || fail "dpkg does not list iked as installed"
u=$(getent_root passwd _iked) || fail "postinst did not create the _iked user"
case "$u" in *:/var/empty:/usr/sbin/nologin) ;; *) fail "_iked user: '$u' (want home /var/empty, shell /usr/sbin/nologin)" ;; esac
[ "$(stat -c '%U:%G %a' "$ROOT/var/empty")" = "root:root 755" ] || fail "/var/empty is $(stat -c '%U:%G %a' "$ROOT/var/empty")"
[ "$(stat -c '%a' "$ROOT/etc/iked.conf")" = 600 ] || fail "/etc/iked.conf is mode $(stat -c %a "$ROOT/etc/iked.conf")"
[ "$(stat -c '%a' "$ROOT/etc/iked/private")" = 700 ] || fail "/etc/iked/private is mode $(stat -c %a "$ROOT/etc/iked/private")"
for d in ca certs crls pubkeys/ipv4 pubkeys/ipv6 pubkeys/fqdn pubkeys/ufqdn; do [ -d "$ROOT/etc/iked/$d" ] || fail "/etc/iked/$d is missing"; done
for f in /usr/share/man/man8/iked.8.gz /usr/share/man/man8/ikectl.8.gz /usr/share/man/man5/iked.conf.5.gz \
         /usr/lib/systemd/system/iked.service /usr/share/doc/iked/copyright; do
  [ -f "$ROOT$f" ] || fail "$f is missing"
done
grep -q '^ /etc/iked.conf ' <<<"$(in_root dpkg-query -W -f '${Conffiles}\n' iked)" || fail "/etc/iked.conf is not a conffile"
v=$(in_root iked -V) || fail "iked -V failed"
[ "$v" = "iked $(node -p "require('$REPO/package.json').version")" ] || fail "iked -V printed '$v'"
in_root ikectl >"$WORK/ikectl.out" 2>&1 && fail "ikectl without a command exited 0"
grep -q '^usage: ikectl' "$WORK/ikectl.out" || fail "ikectl printed no usage: $(cat "$WORK/ikectl.out")"

# --- c. the shipped configuration ----------------------------------------------------------------
say "iked -n -f /etc/iked.conf (the shipped example, every policy commented out)"
grep -v '^[[:space:]]*\(#\|$\)' "$ROOT/etc/iked.conf" && fail "the shipped /etc/iked.conf has uncommented lines (above)"
out=$(in_root iked -n -f /etc/iked.conf 2>&1) || { echo "$out" >&2; fail "iked -n rejected the shipped /etc/iked.conf"; }
echo "$out" | sed 's/^/  | /'
grep -qx 'configuration OK' <<<"$out" || fail "iked -n did not say 'configuration OK'"
# and a broken file is refused (the check above can fail)
printf 'ikev2 "x" active esp from 10.0.0.0/24 to bogus-net\n' >"$ROOT/tmp/bad.conf"; chmod 600 "$ROOT/tmp/bad.conf"
in_root iked -n -f /tmp/bad.conf >/dev/null 2>&1 && fail "iked -n accepted a broken configuration"

# --- d. a tunnel with the installed daemon --------------------------------------------------------
NSP=ikpkg$$
say "tunnel: installed iked -d (namespace $NSP-a) <-> host charon (namespace $NSP-b)"
TUNNEL_CLEANUP=1
bash "$REPO/test/package/chroot-tunnel.sh" run "$ROOT" "$NSP" || fail "the tunnel test failed"
bash "$REPO/test/package/chroot-tunnel.sh" cleanup "$ROOT" "$NSP"
TUNNEL_CLEANUP=

# --- e. the operator's configuration survives a reinstall -------------------------------------------
say "reinstall keeps a changed /etc/iked.conf"
[ "$(stat -c %a "$ROOT/etc/iked.conf")" = 600 ] || fail "/etc/iked.conf mode changed"
sum=$(md5sum <"$ROOT/etc/iked.conf")
grep -q '^ikev2 "pkg"' "$ROOT/etc/iked.conf" || fail "the tunnel test did not leave its policy in /etc/iked.conf"
out=$(in_root apt-get install -y --reinstall -o Dpkg::Options::=--force-confdef -o Dpkg::Options::=--force-confold "$PKGFILE" 2>&1) \
  || { echo "$out" >&2; fail "apt-get install --reinstall"; }
grep -q "^Setting up iked " <<<"$out" || { echo "$out" >&2; fail "the reinstall did not set up iked"; }
[ "$(md5sum <"$ROOT/etc/iked.conf")" = "$sum" ] || fail "the reinstall replaced the changed /etc/iked.conf"
[ ! -e "$ROOT/etc/iked.conf.dpkg-new" ] || fail "the reinstall left /etc/iked.conf.dpkg-new (the conffile did not change)"
# dpkg -i too, with no --force-conf* option (non-interactive: dpkg would prompt if it were going to ask)
out=$(in_root dpkg -i "$PKGFILE" </dev/null 2>&1) || { echo "$out" >&2; fail "dpkg -i over the installed package"; }
[ "$(md5sum <"$ROOT/etc/iked.conf")" = "$sum" ] || fail "dpkg -i replaced the changed /etc/iked.conf"
out=$(in_root iked -n -f /etc/iked.conf 2>&1) || fail "the kept configuration no longer checks: $out"
getent_root passwd _iked >/dev/null || fail "the reinstall lost the _iked user"

# --- f. purge ----------------------------------------------------------------------------------
say "dpkg --purge iked"
out=$(in_root dpkg --purge iked 2>&1) || { echo "$out" >&2; fail "dpkg --purge iked"; }
in_root dpkg -s iked >/dev/null 2>&1 && fail "iked is still known to dpkg after the purge"
getent_root passwd _iked >/dev/null && fail "the purge left the _iked user"
getent_root group _iked >/dev/null && fail "the purge left the _iked group"
for p in /var/empty /var/lib/iked /etc/iked.conf /etc/iked /usr/lib/iked /usr/sbin/iked /usr/sbin/ikectl /run/iked.sock; do
  [ -e "$ROOT$p" ] && fail "the purge left $p"
done
snapshot "$WORK/after"
if ! diff -u "$WORK/before" "$WORK/after" >"$WORK/diff"; then
  cat "$WORK/diff" >&2
  fail "the root after the purge differs from the root before the install (above)"
fi
say "OK: installed on $SUITE (nodejs $nodever), tunnel ESTABLISHED, configuration kept on reinstall, purge left nothing"
