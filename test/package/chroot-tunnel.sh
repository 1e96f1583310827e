#!/bin/bash
# test/package/chroot-tunnel.sh - the installed iked brings a tunnel up with strongSwan.
#
#   chroot-tunnel.sh run ROOT PREFIX        (called by ci/debian/test-install.sh)
#   chroot-tunnel.sh cleanup ROOT PREFIX
#
# ROOT is a Debian root with the iked package installed (proc, sys, dev, run mounted). Two network
# namespaces joined by a veth (as test/interop/lib/netns.ts builds them):
#   [PREFIX-a] out 192.0.2.1/24: /usr/sbin/iked -d -f /etc/iked.conf, run with chroot ROOT, so the
#              installed wrapper, node, dist/, node_modules and addon are the ones used; privilege
#              separation as installed (engine as _iked chrooted to /var/empty); `set decouple`
#              (this host has no kernel ESP).
#   [PREFIX-b] out 192.0.2.2/24: the host's strongSwan charon (/usr/lib/ipsec/charon) with
#              kernel-libipsec (test/interop/lib/charon.ts's set-up: own strongswan.conf, /run
#              bind-mounted in a private mount namespace, vici socket in its directory).
# The tunnel policy is written to ROOT/etc/iked.conf (the operator's change that the reinstall
# check of test-install.sh then expects to survive). Passes when the installed `ikectl show sa`
# shows the IKE SA ESTABLISHED with a Child SA and charon lists the same SA as ESTABLISHED.
set -euo pipefail
cmd=${1:?run|cleanup}; ROOT=${2:?root}; P=${3:?prefix}
NSA=$P-a NSB=$P-b
DIR=$ROOT/tmp/chroot-tunnel
CHARON=${CHARON_BIN:-/usr/lib/ipsec/charon}
PSK=package-test-psk-0123456789
fail() { echo "chroot-tunnel: FAIL: $*" >&2; exit 1; }

cleanup() {
  local pid
  for f in "$DIR/iked.pid" "$DIR/charon.pid"; do
    [ -s "$f" ] || continue
    pid=$(cat "$f")
    kill -TERM "$pid" 2>/dev/null || true
    for _ in $(seq 50); do kill -0 "$pid" 2>/dev/null || break; sleep 0.1; done
    kill -KILL "$pid" 2>/dev/null || true
    rm -f "$f"
  done
  for ns in "$NSA" "$NSB"; do
    if ip netns list | grep -qw "$ns"; then
      for pid in $(ip netns pids "$ns" 2>/dev/null); do kill -KILL "$pid" 2>/dev/null || true; done
      ip netns del "$ns" 2>/dev/null || true
    fi
  done
}
if [ "$cmd" = cleanup ]; then cleanup; exit 0; fi
[ "$cmd" = run ] || fail "unknown command $cmd"
[ -x "$CHARON" ] || fail "$CHARON is missing (bash ci/deps.sh installs strongswan-charon)"
for p in kernel-libipsec openssl vici; do
  ls /usr/lib/ipsec/plugins/libstrongswan-$p.so >/dev/null 2>&1 || fail "strongSwan plugin $p is missing (ci/deps.sh)"
done
trap 'rc=$?; [ $rc = 0 ] || { echo "--- iked.log (tail)"; tail -40 "$DIR/iked.log" 2>/dev/null; echo "--- charon.log (tail)"; tail -40 "$DIR/charon/charon.log" 2>/dev/null; } >&2; cleanup; exit $rc' EXIT

cleanup
rm -rf "$DIR"; mkdir -p "$DIR/charon/run" "$DIR/charon/swanctl"
ip netns add "$NSA"; ip netns add "$NSB"
ip -n "$NSA" link add out type veth peer name out netns "$NSB"
ip -n "$NSA" addr add 192.0.2.1/24 dev out; ip -n "$NSB" addr add 192.0.2.2/24 dev out
for ns in "$NSA" "$NSB"; do ip -n "$ns" link set lo up; ip -n "$ns" link set out up; done
ip -n "$NSA" link add lan0 type veth peer name lan0p; ip -n "$NSA" addr add 10.1.0.1/24 dev lan0; ip -n "$NSA" link set lan0 up; ip -n "$NSA" link set lan0p up
ip -n "$NSB" link add lan0 type veth peer name lan0p; ip -n "$NSB" addr add 10.2.0.1/24 dev lan0; ip -n "$NSB" link set lan0 up; ip -n "$NSB" link set lan0p up

# the operator's configuration: one policy, initiator
cat >"$ROOT/etc/iked.conf" <<EOF
# changed by test/package/chroot-tunnel.sh
set decouple
ikev2 "pkg" active esp from 10.1.0.0/24 to 10.2.0.0/24 \\
	local 192.0.2.1 peer 192.0.2.2 \\
	ikesa enc aes-128-gcm prf hmac-sha2-256 group ecp256 \\
	childsa enc aes-128-gcm \\
	srcid a.pkg.test dstid b.pkg.test psk "$PSK"
EOF
chmod 0600 "$ROOT/etc/iked.conf"
chroot "$ROOT" iked -n -f /etc/iked.conf >/dev/null 2>&1 || fail "iked -n rejects the tunnel configuration: $(chroot "$ROOT" iked -n -f /etc/iked.conf 2>&1)"

cat >"$DIR/charon/strongswan.conf" <<EOF
charon {
  load = random nonce openssl pem pkcs1 pkcs8 x509 pubkey sha1 sha2 hmac aes gcm kdf kernel-libipsec kernel-netlink socket-default vici
  port = 500
  port_nat_t = 4500
  install_virtual_ip = no
  retransmit_timeout = 1
  retransmit_base = 1.4
  retransmit_tries = 3
  filelog {
    pkg {
      path = $DIR/charon/charon.log
      time_format = %T
      ike_name = yes
      append = no
      flush_line = yes
      default = 1
      ike = 2
      knl = 1
    }
  }
  syslog {
    daemon {
      default = -1
    }
  }
  plugins {
    vici {
      socket = unix://$DIR/charon/run/charon.vici
    }
    kernel-libipsec {
      allow_peer_ts = no
    }
  }
}
swanctl {
  socket = unix://$DIR/charon/run/charon.vici
}
EOF
cat >"$DIR/charon/swanctl/swanctl.conf" <<EOF
connections {
  pkg {
    version = 2
    local_addrs = 192.0.2.2
    remote_addrs = 192.0.2.1
    encap = yes
    proposals = aes128gcm16-prfsha256-ecp256
    dpd_delay = 0
    local {
      auth = psk
      id = b.pkg.test
    }
    remote {
      auth = psk
      id = a.pkg.test
    }
    children {
      net {
        local_ts = 10.2.0.0/24
        remote_ts = 10.1.0.0/24
        esp_proposals = aes128gcm16
        start_action = none
      }
    }
  }
}
secrets {
  ike-pkg {
    id-l = b.pkg.test
    id-r = a.pkg.test
    secret = "$PSK"
  }
}
EOF
chmod 0600 "$DIR/charon/swanctl/swanctl.conf"
export STRONGSWAN_CONF=$DIR/charon/strongswan.conf SWANCTL_DIR=$DIR/charon/swanctl

# charon (host binary) in PREFIX-b, /run private to it
ip netns exec "$NSB" unshare --mount --propagation private sh -c 'mount --bind "$1" /run && shift && exec "$@"' sh \
  "$DIR/charon/run" "$CHARON" >"$DIR/charon/charon.stdout" 2>&1 &
echo $! >"$DIR/charon.pid"
for _ in $(seq 100); do [ -S "$DIR/charon/run/charon.vici" ] && break; kill -0 "$(cat "$DIR/charon.pid")" 2>/dev/null || fail "charon died: $(cat "$DIR/charon/charon.stdout")"; sleep 0.1; done
[ -S "$DIR/charon/run/charon.vici" ] || fail "charon's vici socket did not appear"
swanctl --load-all --noprompt >"$DIR/swanctl-load.out" 2>&1 || fail "swanctl --load-all: $(cat "$DIR/swanctl-load.out")"

# the installed iked in PREFIX-a, in the Debian root: /usr/sbin/iked -> /usr/bin/node /usr/lib/iked/...
ip netns exec "$NSA" chroot "$ROOT" /usr/sbin/iked -d -v -f /etc/iked.conf >"$DIR/iked.log" 2>&1 &
echo $! >"$DIR/iked.pid"

# the SA, as the installed ikectl shows it
ok=
for _ in $(seq 150); do
  kill -0 "$(cat "$DIR/iked.pid")" 2>/dev/null || fail "iked exited"
  if sa=$(chroot "$ROOT" ikectl show sa 2>&1) && grep -q "pol 'pkg'" <<<"$sa" && echo "$sa" | grep -q ESTABLISHED \
     && grep -q 'sa_childsas: ESP .* out 192.0.2.1 -> 192.0.2.2' <<<"$sa"; then ok=1; break; fi
  sleep 0.2
done
echo "$sa" | sed 's/^/  ikectl show sa | /'
[ -n "$ok" ] || fail "ikectl show sa did not show the IKE SA of policy 'pkg' ESTABLISHED with a Child SA"
grep -q "^iked_sas: .*192.0.2.1.*->192.0.2.2.*<b.pkg.test>\[a.pkg.test\] ESTABLISHED i pol 'pkg'" <<<"$sa" || fail "the IKE SA line is not 192.0.2.1->192.0.2.2 <b.pkg.test>[a.pkg.test] ESTABLISHED i pol 'pkg'"
sw=$(swanctl --list-sas --raw 2>&1) || fail "swanctl --list-sas: $sw"
grep -q 'state=ESTABLISHED' <<<"$sw" || fail "charon does not list the IKE SA as ESTABLISHED: $sw"
grep -q 'state=INSTALLED' <<<"$sw" || fail "charon has no INSTALLED Child SA: $sw"
# iked runs privilege-separated as installed: a process of the daemon runs as _iked
uid=$(chroot "$ROOT" id -u _iked)
found=
for pid in $(ip netns pids "$NSA"); do
  [ "$(awk '/^Uid:/ {print $2}' "/proc/$pid/status" 2>/dev/null)" = "$uid" ] && found=1
done
[ -n "$found" ] || fail "no process of the daemon runs as _iked (uid $uid): privilege separation did not happen"
# which cryptography the installed daemon uses on the root's own Node (Debian's nodejs, system OpenSSL):
# the package ships iked_crypto.node when it was built with OpenSSL headers, and then it must load
crypto=$(sed -n 's/.*cryptography: //p' "$DIR/iked.log" | head -1)
[ -n "$crypto" ] || fail "iked.log has no 'cryptography:' line"
if [ -f "$ROOT/usr/lib/iked/build/Release/iked_crypto.node" ]; then
  case "$crypto" in "iked_crypto.node on OpenSSL 3"*) ;; *) fail "the shipped iked_crypto.node is not used: '$crypto'" ;; esac
fi
echo "chroot-tunnel: OK (installed iked <-> charon ESTABLISHED, engine as _iked, cryptography: $crypto)"
