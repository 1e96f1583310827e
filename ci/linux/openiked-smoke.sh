#!/bin/bash
# OpenIKED 7.2 (Debian's package, unpacked by ci/deps.sh, never installed) against our iked with
# real ESP, inside the kernel VM:  bash ci/linux/run.sh 'bash ci/linux/openiked-smoke.sh'
#   oi-a: our iked (XFRM), active     192.0.2.1, LAN 10.1.0.1/24
#   oi-b: OpenIKED (Linux PF_KEY), passive 192.0.2.2, LAN 10.2.0.1/24
# PSK, IKE aes-256/sha2-256/ecp256, ESP aes-256-cbc + hmac-sha2-512 (PF_KEY carries no AEAD), MOBIKE
# on (our default). Checks: both SAs up, a ping as ESP (SA counters rise), `ikectl reset sa` on ours
# makes OpenIKED drop its SAs. Prints RESULT lines; exit 0 when every check passed.
set -u
cd "$(dirname "$0")/../.."
OI=${OPENIKED_ROOT:-${HOME:-/root}/.cache/iked-interop/openiked/root}
[ -x "$OI/usr/sbin/iked" ] || { echo "RESULT skip: no OpenIKED at $OI (ci/deps.sh unpacks it)"; exit 3; }
modprobe -a xfrm_algo xfrm_user esp4 af_key veth authenc sha512_generic cbc 2>/dev/null
grep -qw '^af_key' /proc/modules || [ -d /proc/sys/net/key ] || grep -q 'PF_KEY\|af_key' /proc/net/protocols 2>/dev/null || { echo "RESULT skip: no PF_KEY in this kernel (run it in the VM: bash ci/linux/run.sh 'bash ci/linux/openiked-smoke.sh')"; exit 3; }
# OpenIKED's ca chroots to /etc/iked and loads /etc/iked/private/local.key even for PSK (Debian's postinst
# makes them); the VM's root is a throw-away overlay, so they are made here
if [ ! -f /etc/iked/private/local.key ]; then
  install -d -m 0755 /etc/iked /etc/iked/ca /etc/iked/certs /etc/iked/crls /etc/iked/pubkeys /etc/iked/pubkeys/ipv4 /etc/iked/pubkeys/ipv6 /etc/iked/pubkeys/fqdn /etc/iked/pubkeys/ufqdn
  install -d -m 0700 /etc/iked/private
  openssl genrsa -out /etc/iked/private/local.key 2048 2>/dev/null && chmod 600 /etc/iked/private/local.key
  openssl rsa -in /etc/iked/private/local.key -pubout -out /etc/iked/local.pub 2>/dev/null
fi
T=$(mktemp -d /tmp/oi-smoke.XXXXXX)
fail=0
res() { echo "RESULT $*"; case "$1" in FAIL) fail=1;; esac; }
cleanup() {
  [ -n "${PA:-}" ] && kill "$PA" 2>/dev/null
  [ -n "${PB:-}" ] && kill "$PB" 2>/dev/null
  sleep 1
  ip netns del oi-a 2>/dev/null; ip netns del oi-b 2>/dev/null
}
trap cleanup EXIT
for n in a b; do ip netns add oi-$n; ip -n oi-$n link set lo up; done
ip link add oi-va netns oi-a type veth peer name oi-vb netns oi-b
ip -n oi-a addr add 192.0.2.1/24 dev oi-va; ip -n oi-a link set oi-va up
ip -n oi-b addr add 192.0.2.2/24 dev oi-vb; ip -n oi-b link set oi-vb up
ip -n oi-a link add lan0 type veth peer name lan0p; ip -n oi-a addr add 10.1.0.1/24 dev lan0; ip -n oi-a link set lan0 up; ip -n oi-a link set lan0p up
ip -n oi-b link add lan0 type veth peer name lan0p; ip -n oi-b addr add 10.2.0.1/24 dev lan0; ip -n oi-b link set lan0 up; ip -n oi-b link set lan0p up
ip -n oi-a route add 10.2.0.0/24 via 192.0.2.2 src 10.1.0.1
ip -n oi-b route add 10.1.0.0/24 via 192.0.2.1 src 10.2.0.1

# OPENIKED_GROUP=sntrup761x25519 tries OpenIKED's post-quantum hybrid (the same text on both sides)
IKE="enc aes-256 auth hmac-sha2-256 prf hmac-sha2-256 group ${OPENIKED_GROUP:-ecp256}"
ESP='enc aes-256 auth hmac-sha2-512'
printf 'ikev2 "t" passive esp from 10.2.0.0/24 to 10.1.0.0/24 local 192.0.2.2 peer 192.0.2.1 ikesa %s childsa %s srcid b.test dstid a.test psk "openiked-smoke-psk"\n' "$IKE" "$ESP" > "$T/b.conf"
printf 'ikev2 "t" active esp from 10.1.0.0/24 to 10.2.0.0/24 local 192.0.2.1 peer 192.0.2.2 ikesa %s childsa %s srcid a.test dstid b.test psk "openiked-smoke-psk"\n' "$IKE" "$ESP" > "$T/a.conf"
chmod 600 "$T/a.conf" "$T/b.conf"
mkdir -p "$T/etc-iked"
ip netns exec oi-b "$OI/usr/sbin/iked" -n -f "$T/b.conf" > "$T/b-check.log" 2>&1 && res ok "OpenIKED accepts the policy" || { res FAIL "OpenIKED iked -n: $(cat "$T/b-check.log")"; }
ip netns exec oi-b "$OI/usr/sbin/iked" -d -vv -f "$T/b.conf" -s "$T/b.sock" > "$T/b.log" 2>&1 & PB=$!
sleep 2
IKED_NO_PRIVSEP=1 IKED_RETRANSMIT_MS=3000 ip netns exec oi-a node dist/src/cli/iked.js -d -v -f "$T/a.conf" -s "$T/a.sock" > "$T/a.log" 2>&1 & PA=$!
up=0
for i in $(seq 1 90); do
  if [ "$(ip -n oi-a xfrm state | grep -c '^src')" -ge 2 ]; then up=1; break; fi
  sleep 2
done
[ $up = 1 ] && res ok "IKE SA and Child SA up (ours initiator, OpenIKED responder)" || res FAIL "no SA after 180 s"
node dist/src/cli/ikectl.js -s "$T/a.sock" show sa 2>&1 | sed 's/^/  ours: /'
ip -n oi-b xfrm state | grep -E '^src|proto esp|enc|auth' | sed 's/^/  openiked kernel: /'
ping_out=$(ip netns exec oi-a ping -n -c 5 -i 0.3 -W 2 -I 10.1.0.1 10.2.0.1 2>&1)
rx=$(echo "$ping_out" | grep -o '[0-9]* received' | grep -o '[0-9]*')
[ "${rx:-0}" -ge 4 ] && res ok "ping 10.1.0.1 -> 10.2.0.1 through the tunnel: $rx/5" || res FAIL "ping: ${rx:-0}/5: $ping_out"
pk=$(ip -n oi-a -s xfrm state | grep -oE '[0-9]+ ?\(packets\)' | head -2 | tr '\n' ' ')
res info "our SA packet counters: $pk"
node dist/src/cli/ikectl.js -s "$T/a.sock" reset sa > /dev/null 2>&1
gone=0
for i in $(seq 1 20); do [ "$(ip -n oi-b xfrm state | grep -c '^src')" = 0 ] && { gone=1; break; }; sleep 1; done
[ $gone = 1 ] && res ok "ikectl reset sa on ours: OpenIKED removed its SAs" || res FAIL "OpenIKED kept its SAs after our delete: $(ip -n oi-b xfrm state | grep -c '^src')"
echo "--- our iked (tail) ---"; tail -25 "$T/a.log"
echo "--- OpenIKED (tail) ---"; tail -40 "$T/b.log"
exit $fail
