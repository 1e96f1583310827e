#!/bin/bash
# ci/deps.sh - system packages for the interop tests (test/interop/*) on Debian 12.
#
#   strongSwan (charon + swanctl + kernel-libipsec + openssl plugin; eap-mschapv2 and eap-radius from
#   libcharon-extauth-plugins / libcharon-extra-plugins), tcpdump, nftables, ip, ping, unshare
#   FreeRADIUS (radiusd + radclient) for test/radius/freeradius.test.ts
#   strongswan 6: built from source into ~/.cache/sw6 by ci/strongswan6.sh (build deps: build-essential pkg-config libssl-dev dpkg-dev)
#   libreswan: NOT installed (the package Conflicts: strongswan-libcharon and would remove charon);
#              it is fetched with `apt-get download` and unpacked with `dpkg -x` into
#              $IKED_INTEROP_CACHE/libreswan (default ~/.cache/iked-interop/libreswan),
#              and only its shared-library dependencies (+ certutil) are installed.
#
# Idempotent; run as root. IKED_NO_LIBRESWAN=1 skips the libreswan part.
set -euo pipefail
[ "$(id -u)" = 0 ] || { echo "ci/deps.sh: must run as root (apt-get)" >&2; exit 1; }
export DEBIAN_FRONTEND=noninteractive

apt-get update -qq
apt-get install -y -qq --no-install-recommends \
  strongswan-charon strongswan-swanctl libcharon-extra-plugins libcharon-extauth-plugins \
  libstrongswan-standard-plugins strongswan-pki \
  tcpdump nftables iproute2 iputils-ping util-linux procps \
  freeradius freeradius-utils mandoc \
  lintian debootstrap dpkg-dev fakeroot

# iked's unprivileged user for the privilege-separated engine (as OpenBSD's _iked), and its chroot
id _iked >/dev/null 2>&1 || useradd -r -M -d /var/empty -s /usr/sbin/nologin _iked
install -d -m 0755 -o root -g root /var/empty

# OpenIKED 7.2 (Debian's openiked), unpacked, never installed (its maintainer scripts would start it):
# ci/linux/openiked-smoke.sh runs it in the kernel VM (it needs PF_KEY). Its runtime libraries:
apt-get install -y -qq --no-install-recommends libevent-2.1-7 libssl3
OIC=${IKED_INTEROP_CACHE:-${HOME:-/root}/.cache/iked-interop}/openiked
if [ ! -x "$OIC/root/usr/sbin/iked" ]; then
  tmp=$(mktemp -d); chmod 0777 "$tmp"
  (cd "$tmp" && apt-get download -qq openiked)
  rm -rf "$OIC/root.tmp"; mkdir -p "$OIC"
  dpkg -x "$tmp"/openiked_*.deb "$OIC/root.tmp"
  rm -rf "$tmp" "$OIC/root"; mv "$OIC/root.tmp" "$OIC/root"
fi
echo "ci/deps.sh: OpenIKED unpacked in $OIC/root"

# strongSwan 6.0.1 with ML-KEM (the `ml` plugin), built from Debian 13's source into its own prefix
# (~/.cache/sw6/prefix; Debian 12's 5.9.8 stays as it is): the post-quantum peer of
# test/interop/iked-strongswan6.test.ts. Cached: a second run does nothing.
bash "$(dirname "$0")/strongswan6.sh" build

[ "${IKED_NO_LIBRESWAN:-0}" = 1 ] && exit 0

# libreswan's runtime libraries and certutil (libnss3-tools); no libreswan, no strongSwan removal.
apt-get install -y -qq --no-install-recommends \
  libnss3-tools libnss3 libnspr4 libevent-core-2.1-7 libevent-pthreads-2.1-7 libunbound8 libldns3 \
  libcurl3-nss libcap-ng0 libaudit1 libldap-2.5-0 libpam0g libselinux1 libsystemd0 libcrypt1 dns-root-data

CACHE=${IKED_INTEROP_CACHE:-${HOME:-/root}/.cache/iked-interop}
LSW=$CACHE/libreswan
if [ ! -x "$LSW/root/usr/libexec/ipsec/pluto" ]; then
  mkdir -p "$LSW/debs"
  rm -f "$LSW"/debs/libreswan_*.deb
  # apt-get download drops privileges to _apt, which may not write here: download in a temp dir it can use
  tmp=$(mktemp -d); chmod 0777 "$tmp"
  (cd "$tmp" && apt-get download -qq libreswan)
  mv "$tmp"/libreswan_*.deb "$LSW/debs/"; rmdir "$tmp"
  rm -rf "$LSW/root.tmp"
  dpkg -x "$LSW"/debs/libreswan_*.deb "$LSW/root.tmp"
  rm -rf "$LSW/root"; mv "$LSW/root.tmp" "$LSW/root"
fi
echo "ci/deps.sh: libreswan unpacked in $LSW/root ($("$LSW/root/usr/libexec/ipsec/pluto" --version 2>&1 | head -1))"

