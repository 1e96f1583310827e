#!/bin/sh
# Two iked instances on one BSD/macOS host, joined over loopback aliases, with a
# PSK tunnel between two "inside" addresses; checks that the kernel got SAs and
# that traffic crosses as ESP. NOT executed in this project's Linux CI (no such
# runner here): it documents what an OpenBSD/FreeBSD/macOS runner does.
# usage: ci/tunnel-two-instances.sh <openbsd|freebsd|macos>
set -eu
OS=$1
cd "$(dirname "$0")/.."
T=$(mktemp -d)
A=127.0.10.1 B=127.0.10.2 IA=10.255.1.1 IB=10.255.2.1
case $OS in
  openbsd) ifconfig lo0 alias $A/32; ifconfig lo0 alias $B/32; ifconfig lo0 alias $IA/32; ifconfig lo0 alias $IB/32
           sysctl net.inet.esp.enable=1 net.inet.esp.udpencap=1 >/dev/null ;;
  freebsd) kldload -n ipsec; for a in $A $B $IA $IB; do ifconfig lo0 alias $a/32; done ;;
  macos)   for a in $A $B $IA $IB; do ifconfig lo0 alias $a up; done ;;
esac
cat > "$T/a.conf" <<CONF
ikev2 "a" active esp from $IA to $IB local $A peer $B psk "ci-test-secret" tag "a"
CONF
cat > "$T/b.conf" <<CONF
ikev2 "b" passive esp from $IB to $IA local $B peer $A psk "ci-test-secret" tag "b"
CONF
node dist/src/cli/iked.js -d -f "$T/b.conf" -s "$T/b.sock" > "$T/b.log" 2>&1 & PB=$!
node dist/src/cli/iked.js -d -f "$T/a.conf" -s "$T/a.sock" > "$T/a.log" 2>&1 & PA=$!
trap 'kill $PA $PB 2>/dev/null; rm -rf "$T"' EXIT
i=0; until node dist/src/cli/ikectl.js -s "$T/a.sock" show sa 2>/dev/null | grep -q ESTABLISHED; do
  i=$((i+1)); [ $i -gt 30 ] && { cat "$T/a.log" "$T/b.log"; echo "FAIL: no IKE SA"; exit 1; }; sleep 1; done
case $OS in
  openbsd) ipsecctl -sa | tee "$T/sa"; grep -q "esp tunnel from $A to $B" "$T/sa" ;;
  *)       setkey -D | tee "$T/sa"; grep -q "esp mode=tunnel" "$T/sa" ;;
esac
ping -c 3 -S $IA $IB
echo "PASS: two-instance tunnel on $OS"
