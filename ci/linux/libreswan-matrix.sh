#!/bin/bash
# libreswan 4.10 (Debian's pluto, unpacked by ci/deps.sh) against our iked (XFRM) with real ESP, inside
# the kernel VM:  bash ci/linux/run.sh 'bash ci/linux/libreswan-matrix.sh [CASE...]'
#   NS_A (lsm-a) our iked 192.0.2.1, LAN 10.1.0.1/24    NS_B (lsm-b) pluto 192.0.2.2, LAN 10.2.0.1/24
# PSK. pluto's default pfs=yes wants a KE payload (the IKE SA's group) in every CREATE_CHILD_SA, so
# our childsa names that group (without it pluto answers our rekey with NO_PROPOSAL_CHOSEN). Cases:
#   gcm-ours: ours initiates; IKE aes-256-gcm/prf sha2-256/curve25519, ESP aes-256-gcm; ours has short
#     lifetimes (Child SA 25 s, IKE SA 40 s) and rekeys both; then pluto deletes (whack --terminate)
#   cbc-lsw: pluto initiates (whack --initiate); IKE aes-256/sha2-512/modp2048, ESP aes-128 + sha2-256;
#     pluto rekeys the Child SA (whack --rekey-ipsec) and the IKE SA (--rekey-ike); then ours deletes
# Every phase pings LAN to LAN (ESP on the wire, no ICMP; our SA counters rise); nothing of ours is
# left after stop. RESULT lines and a summary; exit 0 when every check passed.
set -u
cd "$(dirname "$0")/../.."
PFX=${PFX:-lsm}
. ci/linux/lib-vm-pair.sh
. ci/linux/lib-libreswan.sh
vm_modules; lsw_available || exit 3
PSK=libreswan-vm-psk
L_CERTS=
peer_start() { lsw_start "$L_CONN" "@b.test @a.test : PSK \"$PSK\"" "$L_CERTS"; }
peer_initiate() { lsw_initiate t; }
peer_stop() { lsw_stop; }
peer_log_tail() { tail -60 "$L/lsw.log"; }
pair_setup
# lsw_conn IKE ESP: pluto's side (left = NS_B), authenticated as L_AUTH says (conn lines, ';' between
# them). leftupdown=%disabled: pluto's default updown is `ipsec _updown`, and the `ipsec` on PATH is
# strongSwan's (it fails: "unknown interface version", the Child SA is torn down); the routes are made
L_AUTH='authby=secret'
lsw_conn() {
  printf 'conn t\n    ikev2=insist\n    %s\n    left=%s\n    leftid=@b.test\n    leftsubnet=%s.0/24\n    right=%s\n    rightid=@a.test\n    rightsubnet=%s.0/24\n    ike=%s\n    esp=%s\n    leftupdown=%%disabled\n    auto=add\n' \
    "${L_AUTH//;/$'\n'    }" $B_IP $B_LAN $A_PUB $A_LAN "$1" "$2"
}
# ours_conf MODE IKE ESP [EXTRA]: authenticated as OURS_AUTH says
OURS_AUTH="psk \"$PSK\""
ours_conf() {
  printf 'ikev2 "t" %s esp from %s.0/24 to %s.0/24 local %s peer %s ikesa %s childsa %s srcid a.test dstid b.test %s %s\n' \
    "$1" $A_LAN $B_LAN $A_IP $B_PUB "$2" "$3" "${4:-}" "$OURS_AUTH" > "$T/a.conf"
}
# wait_rekey NAME WHAT REGEX SPI_SNAPSHOT|-: ours logs REGEX (after C_MARK) and, for a Child SA, the SPIs change
wait_rekey() {
  local t0; t0=$(now)
  if wait_until 60 log_has "$C_MARK" "$3" && { [ "$4" = - ] || wait_until 15 spis_changed "$4"; }; then
    res ok "$1: $2 after $(since "$t0") s$([ "$4" = - ] || echo "; SPIs $4 -> $(pair_spis)")"
    check_ping "$1 (after $2)" 5
  else
    res FAIL "$1: no $2 in 60 s (SPIs $(pair_spis))"
  fi
}
case_gcm_ours() {
  local n=gcm-ours t0
  L_CONN=$(lsw_conn 'aes_gcm256-sha2_256;dh31' aes_gcm256)
  ours_conf active 'enc aes-256-gcm prf hmac-sha2-256 group curve25519' 'enc aes-256-gcm group curve25519' 'ikelifetime 40 lifetime 25'
  pair_case $n ours-init "$T/a.conf" "$T/ours-etc" || return
  wait_rekey $n "Child SA rekeyed by ours" ': rekeyed as 0x' "$(pair_spis)"
  wait_rekey $n "IKE SA rekeyed by ours" ': rekeyed as spi=' -
  t0=$(now); lsw_whack --name t --terminate > /dev/null 2>&1
  wait_until 20 states_eq "$NS_A" 0 && res ok "$n: whack --terminate on pluto: ours removed its SAs in $(since "$t0") s" \
    || res FAIL "$n: ours kept $(nstates "$NS_A") SAs after pluto's delete"
  pair_case_end
}
case_cbc_lsw() {
  local n=cbc-lsw t0
  L_CONN=$(lsw_conn 'aes256-sha2_512;dh14' 'aes128-sha2_256')
  ours_conf passive 'enc aes-256 auth hmac-sha2-512 prf hmac-sha2-512 group modp2048' 'enc aes-128 auth hmac-sha2-256 group modp2048'
  pair_case $n peer-init "$T/a.conf" "$T/ours-etc" || return
  local s0; s0=$(pair_spis)
  lsw_whack --name t --rekey-ipsec --asynchronous > /dev/null 2>&1
  wait_rekey $n "Child SA rekeyed by pluto" 'rekeyed by peer as 0x' "$s0"
  lsw_whack --name t --rekey-ike --asynchronous > /dev/null 2>&1
  wait_rekey $n "IKE SA rekeyed by pluto" 'IKE SA rekeyed by peer as' -
  # pluto started the connection with whack --initiate: after a delete it revives it at once ("connection
  # is supposed to remain up"), so the check is that the SAs it had leave its kernel
  local before; before=$(spis "$NS_B")
  t0=$(now); ours_ctl reset sa > /dev/null 2>&1
  wait_until 20 spis_gone "$NS_B" "$before" && res ok "$n: ikectl reset sa on ours: pluto removed its SAs ($before) in $(since "$t0") s" \
    || res FAIL "$n: pluto kept its SAs after our delete: $(spis "$NS_B")"
  pair_case_end
}
lsw_grep() { tail -n +"$LSW_MARK" "$L/lsw.log" | grep "$@"; }
# nat-ours-behind / nat-lsw-behind: the side named sits behind a router namespace that masquerades it
# (nftables) and initiates; both detect the NAT (our log, pluto's, UDP encapsulation in both kernels)
# and every ESP packet on both wires is in UDP (port 4500)
case_nat() {
  local n=nat-$1-behind
  if [ "$1" = ours ]; then
    rewire a
    L_CONN=$(lsw_conn 'aes_gcm256-sha2_256;dh19' aes_gcm256)
    ours_conf active 'enc aes-256-gcm prf hmac-sha2-256 group ecp256' 'enc aes-256-gcm group ecp256'
    pair_case $n ours-init "$T/a.conf" "$T/ours-etc" && check_nat_detected $n 'NAT detected: we are behind a NAT' "pluto: $(lsw_grep -m1 -o 'ESPinUDP[^}]*')"
  else
    rewire b
    L_CONN=$(lsw_conn 'aes256-sha2_256;dh19' 'aes128-sha2_256')
    ours_conf passive 'enc aes-256 auth hmac-sha2-256 prf hmac-sha2-256 group ecp256' 'enc aes-128 auth hmac-sha2-256 group ecp256'
    pair_case $n peer-init "$T/a.conf" "$T/ours-etc" && check_nat_detected $n 'NAT detected: peer is behind a NAT' "pluto: $(lsw_grep -m1 -o 'ESPinUDP[^}]*')"
  fi
  pair_case_end
  rewire none
}
# cert-ecdsa-lsw / cert-rsa-ours: certificates (mk_certs: a CA, a.test and b.test leaves); pluto's in its
# NSS db (certutil -A for the CA, pk12util for its leaf and key), ours in IKED_DIR; `rfc7427` on ours.
# ECDSA P-256: pluto initiates (authby=ecdsa); RSA-2048: ours initiates (authby=rsasig)
case_cert() {
  local kind=$1 n=cert-$1-$2 t0
  if [ ! -d "$T/etc-$kind-a" ]; then
    t0=$(now); mk_certs "$T/$kind" "$kind"; etc_layout "$T/etc-$kind-a" "$T/$kind" a
    echo "RESULT time certificates ($kind): $(since "$t0") s"
  fi
  L_CERTS=$T/$kind OURS_AUTH=rfc7427
  L_AUTH="authby=$([ "$kind" = rsa ] && echo rsasig || echo ecdsa);leftcert=b.test;leftsendcert=always"
  if [ "$2" = lsw ]; then
    L_CONN=$(lsw_conn 'aes256-sha2_512;dh19' 'aes256-sha2_512')
    ours_conf passive 'enc aes-256 auth hmac-sha2-512 prf hmac-sha2-512 group ecp256' 'enc aes-256 auth hmac-sha2-512 group ecp256'
    pair_case $n peer-init "$T/a.conf" "$T/etc-$kind-a"
  else
    L_CONN=$(lsw_conn 'aes_gcm128-sha2_256;dh31' 'aes_gcm128')
    ours_conf active 'enc aes-128-gcm prf hmac-sha2-256 group curve25519' 'enc aes-128-gcm group curve25519'
    pair_case $n ours-init "$T/a.conf" "$T/etc-$kind-a"
  fi && {
    local a; a=$(lsw_grep -m1 'authenticated' | sed 's/^.*\(authenticated\)/\1/' | cut -c1-200)
    [ -n "$a" ] && res ok "$n: pluto: '$a'; ours: '$(log_line "$C_MARK" 'established' | sed 's/^[^ ]* [^ ]* //' | cut -c1-160)'" \
      || res FAIL "$n: pluto logged no 'authenticated'"
  }
  pair_case_end
  L_CERTS= L_AUTH='authby=secret' OURS_AUTH="psk \"$PSK\""
}
mkdir -p "$T/ours-etc"
# --ci: the case CI's VM run executes (guest-kernel-tests.sh): no lifetime waits
[ "${1:-}" = --ci ] && set -- cbc-lsw
[ $# -gt 0 ] || set -- gcm-ours cbc-lsw nat-ours-behind nat-lsw-behind cert-ecdsa-lsw cert-rsa-ours
dispatch_case() {
  case "$1" in
    gcm-ours) case_gcm_ours;;
    cbc-lsw) case_cbc_lsw;;
    nat-ours-behind) case_nat ours;;
    nat-lsw-behind) case_nat lsw;;
    cert-ecdsa-lsw) case_cert ecdsa lsw;;
    cert-rsa-ours) case_cert rsa ours;;
    *) res FAIL "unknown case $1";;
  esac
}
run_cases "$@"
