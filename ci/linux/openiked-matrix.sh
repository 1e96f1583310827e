#!/bin/bash
# OpenIKED 7.2 (Debian's, over Linux PF_KEY) against our iked (XFRM) with real ESP, inside the kernel
# VM:  bash ci/linux/run.sh 'bash ci/linux/openiked-matrix.sh [CASE...]'   (cases: see the list below)
#   NS_A (oim-a) our iked 192.0.2.1, LAN 10.1.0.1/24    NS_B (oim-b) OpenIKED 192.0.2.2, LAN 10.2.0.1/24
# Every case writes ONE policy text for both sides (only active/passive, local/peer, srcid/dstid and,
# where said, lifetimes differ), checks it with OpenIKED's `iked -n`, starts both, waits for the SAs
# in both kernels, pings LAN to LAN (ESP on the wire, no ICMP; our SA counters rise), stops ours and
# checks that none of our SAs / policies is left. Lifecycle cases add rekeys, deletes and DPD.
# Prints RESULT lines and a summary; exit 0 when every check passed.
set -u
cd "$(dirname "$0")/../.."
PFX=${PFX:-oim}
. ci/linux/lib-vm-pair.sh
. ci/linux/lib-openiked.sh
vm_modules; oi_available || exit 3
peer_start() { oi_start "$T/b.conf" "$T/etc-$C_AUTH_KIND-b"; }
peer_initiate() { :; } # OpenIKED's active policy initiates at start
peer_stop() { oi_stop; }
peer_log_tail() { grep -v 'ikev2_msg_\|ikev2_pld_\|config_free\|sa_free_flows\|ikev2_next_payload' "$L/oi.log" | tail -60; }
pair_setup
PSK=openiked-matrix-psk
# the /etc/iked layouts of both sides for psk|rsa|ecdsa, made when a case first needs them
etc_dirs() {
  [ -d "$T/etc-$1-b" ] && return 0
  local t0; t0=$(now)
  [ "$1" = psk ] || mk_certs "$T/$1" "$1"
  local c=; [ "$1" = psk ] || c=$T/$1
  etc_layout "$T/etc-$1-a" "$c" a; etc_layout "$T/etc-$1-b" "$c" b
  echo "RESULT time keys and certificates ($1): $(since "$t0") s"
}

# policy MODE SELF PEER SELF_LAN PEER_LAN SRCID DSTID ours|oi: the shared text with this side's values
# (C_LIFE added on the side LIFE_SIDE names)
C_LIFE= LIFE_SIDE=
policy() {
  local life=; [ "$8" = "$LIFE_SIDE" ] && life="$C_LIFE "
  printf 'ikev2 "t" %s esp from %s.0/24 to %s.0/24 local %s peer %s ikesa %s childsa %s srcid %s dstid %s %s%s\n' \
    "$1" "$4" "$5" "$2" "$3" "$C_IKE" "$C_ESP" "$6" "$7" "$life" "$C_AUTH"
}
# up NAME ROLE AUTH IKE ESP [OURS_EXTRA] [OI_EXTRA]: both daemons up, SAs in both kernels, ping
up() {
  C_NAME=$1 C_ROLE=$2 C_IKE=$4 C_ESP=$5
  local auth=$3 om=passive am=active
  C_AUTH_KIND=$auth; etc_dirs "$auth"
  case "$auth" in
    psk) C_AUTH="psk \"$PSK\"";;
    rsa) C_AUTH=rfc7427;;
    ecdsa) C_AUTH=ecdsa256;;
  esac
  [ "$C_ROLE" = peer-init ] && { om=active am=passive; }
  { [ -n "${7:-}" ] && printf '%s\n' "$7"; policy $om $B_IP $A_PUB $B_LAN $A_LAN b.test a.test oi; } > "$T/b.conf"
  { [ -n "${6:-}" ] && printf '%s\n' "$6"; policy $am $A_IP $B_PUB $A_LAN $B_LAN a.test b.test ours; } > "$T/a.conf"
  start_pair "$auth"
}
# start_pair AUTH: $T/a.conf and $T/b.conf written: OpenIKED's iked -n, then pair_case
start_pair() {
  echo "--- case $C_NAME: $(tail -1 "$T/a.conf")"
  if ! oi_check "$T/b.conf" "$T/etc-$1-b"; then res FAIL "$C_NAME: OpenIKED's iked -n refuses it: $(head -3 "$L/oi-check.log" | tr '\n' ' ')"; return 1; fi
  pair_case "$C_NAME" "$C_ROLE" "$T/a.conf" "$T/etc-$1-a"
}
down() { pair_case_end; }

# ---- cases -------------------------------------------------------------------------------------
# matrix_case NAME ROLE AUTH "IKE" "ESP"
matrix_case() {
  up "$@" || return
  if [ "$1" = psk-ours-cbc-ecp256 ]; then # delete started by ours
    ours_ctl reset sa > /dev/null 2>&1; local t0; t0=$(now)
    wait_until 20 states_eq "$NS_B" 0 && res ok "$1: ikectl reset sa on ours: OpenIKED removed its SAs in $(since "$t0") s" \
      || res FAIL "$1: OpenIKED kept $(nstates "$NS_B") SAs after our delete"
  fi
  down
}
IKE_CBC="enc aes-256 auth hmac-sha2-256 prf hmac-sha2-256 group ecp256"
declare -A CASE
CASE[psk-ours-cbc-ecp256]="ours-init psk|$IKE_CBC|enc aes-256 auth hmac-sha2-512"
CASE[psk-oi-cbc-ecp256]="peer-init psk|$IKE_CBC|enc aes-256 auth hmac-sha2-512"
CASE[psk-ours-gcm-x25519]="ours-init psk|enc aes-128-gcm prf hmac-sha2-256 group curve25519|enc aes-128 auth hmac-sha2-384"
CASE[psk-oi-gcm-modp2048]="peer-init psk|enc aes-256-gcm prf hmac-sha2-384 group modp2048|enc aes-256 auth hmac-sha1"
CASE[ecdsa-ours-cbc384-x25519]="ours-init ecdsa|enc aes-256 auth hmac-sha2-384 prf hmac-sha2-384 group curve25519|enc aes-256 auth hmac-sha2-512"
CASE[ecdsa-oi-gcm-ecp256]="peer-init ecdsa|enc aes-128-gcm prf hmac-sha2-256 group ecp256|enc aes-128 auth hmac-sha2-384"
CASE[rsa-ours-cbc-modp2048]="ours-init rsa|enc aes-128 auth hmac-sha2-256 prf hmac-sha2-256 group modp2048|enc aes-256 auth hmac-sha1"
CASE[rsa-oi-cbc512-ecp256]="peer-init rsa|enc aes-256 auth hmac-sha2-512 prf hmac-sha2-512 group ecp256|enc aes-256 auth hmac-sha2-512"
CASE[pq-ours-sntrup]="ours-init psk|enc aes-256 auth hmac-sha2-256 prf hmac-sha2-256 group sntrup761x25519|enc aes-256 auth hmac-sha2-512"
CASE[pq-oi-sntrup]="peer-init psk|enc aes-256-gcm prf hmac-sha2-256 group sntrup761x25519|enc aes-256 auth hmac-sha2-512"
MATRIX="psk-ours-cbc-ecp256 psk-oi-cbc-ecp256 psk-ours-gcm-x25519 psk-oi-gcm-modp2048 ecdsa-ours-cbc384-x25519 ecdsa-oi-gcm-ecp256 rsa-ours-cbc-modp2048 rsa-oi-cbc512-ecp256 pq-ours-sntrup pq-oi-sntrup"
run_matrix_case() {
  local spec=${CASE[$1]} role auth ike esp
  role=${spec%% *}; spec=${spec#* }
  IFS='|' read -r auth ike esp <<< "$spec"
  matrix_case "$1" "$role" "$auth" "$ike" "$esp"
}

# rekey-by-ours / rekey-by-oi: the side named is the initiator and has the short lifetimes (Child SA
# 30 s: ours rekeys at 90 %, OpenIKED at its soft PF_KEY lifetime; IKE SA 50 s); then the OTHER side
# deletes with `ikectl reset sa` and the named side must drop its SAs
case_rekey() { # case_rekey ours|oi: the side named has the short lifetimes and is the initiator
  local who=$1 name=rekey-by-$1 role t0 s0 log=$L/ours.log mark
  [ "$who" = ours ] && role=ours-init || role=peer-init
  C_LIFE="ikelifetime 50 lifetime 30" LIFE_SIDE=$who
  up "$name" "$role" psk "$IKE_CBC" "enc aes-256 auth hmac-sha2-512" || return
  mark=$(wc -l < "$log")
  s0=$(pair_spis); t0=$(now)
  local child_re ike_re
  if [ "$who" = ours ]; then child_re=': rekeyed as 0x'; ike_re=': rekeyed as spi='; else child_re='rekeyed by peer as 0x'; ike_re='IKE SA rekeyed by peer as'; fi
  if wait_until 60 log_has "$mark" "$child_re" && wait_until 15 spis_changed "$s0"; then
    res ok "$name: Child SA rekeyed by $who after $(since "$t0") s; SPIs $s0 -> $(pair_spis)"
    check_ping "$name (after Child SA rekey)" 5
  else
    res FAIL "$name: no Child SA rekey by $who in 60 s (SPIs $(pair_spis))"
  fi
  if wait_until 60 log_has "$mark" "$ike_re"; then
    res ok "$name: IKE SA rekeyed by $who after $(since "$t0") s ($(log_line "$mark" "$ike_re" | sed 's/^.*: \(.*rekeyed\)/\1/'))"
    sleep 2; check_ping "$name (after IKE SA rekey)" 5
  else
    res FAIL "$name: no IKE SA rekey by $who in 60 s"
  fi
  # delete started by the other side
  t0=$(now)
  if [ "$who" = ours ]; then
    oi_ctl reset sa > /dev/null 2>&1
    wait_until 20 states_eq "$NS_A" 0 && res ok "$name: ikectl reset sa on OpenIKED: ours removed its SAs in $(since "$t0") s" \
      || res FAIL "$name: ours kept $(nstates "$NS_A") SAs after OpenIKED's reset sa"
  else
    # OpenIKED's policy is active: it may initiate again at once (seen under load: a new IKE SA within
    # 1 s), so the check is that the SAs it had leave its kernel
    local before; before=$(spis "$NS_B")
    ours_ctl reset sa > /dev/null 2>&1
    wait_until 20 spis_gone "$NS_B" "$before" && res ok "$name: ikectl reset sa on ours: OpenIKED removed its SAs ($before) in $(since "$t0") s" \
      || res FAIL "$name: OpenIKED kept its SAs after our reset sa: $(spis "$NS_B")"
  fi
  C_LIFE= LIFE_SIDE=
  down
}
# dpd: ours (initiator, dpd_check_interval 5, retransmits 1 s x 3) notices that OpenIKED was killed.
# No ESP flows after the kill, so the check goes out on IKE silence alone: IKED_DPD_IDLE_MS=5000
# instead of the 300 s that OpenIKED and ours wait for by default.
case_dpd() {
  local t0 name=dpd
  OURS_RETRANSMIT_MS=1000 IKED_RETRANSMIT_TRIES=3 IKED_DPD_IDLE_MS=5000 up $name ours-init psk "$IKE_CBC" "enc aes-256 auth hmac-sha2-512" "set dpd_check_interval 5" || return
  oi_stop KILL; t0=$(now)
  if wait_until 40 states_eq "$NS_A" 0; then
    res ok "$name: OpenIKED killed: ours deleted its IKE SA and Child SA after $(since "$t0") s ($(grep -o 'INFORMATIONAL request [0-9]* timed out after [0-9]* tries' "$L/ours.log" | tail -1))"
  else
    res FAIL "$name: ours still holds $(nstates "$NS_A") SAs 40 s after OpenIKED was killed"
  fi
  down
}

# nat-ours-behind / nat-oi-behind: the side named sits behind a router namespace that masquerades it
# (nftables) and initiates. Both must detect the NAT (our log; OpenIKED's kernel SAs carry UDP
# encapsulation, since OpenIKED also logs "detected NAT" without one, see README), and every ESP
# packet on both wires must be in UDP (port 4500)
case_nat() {
  local who=$1 name=nat-$1-behind side=a role=ours-init re='NAT detected: we are behind a NAT'
  [ "$who" = oi ] && { side=b role=peer-init re='NAT detected: peer is behind a NAT'; }
  rewire $side
  if up $name $role psk "$IKE_CBC" "enc aes-256 auth hmac-sha2-512"; then
    check_nat_detected $name "$re" "$(oi_grep 'detected NAT, enabling' | head -1 | sed 's/^[^ ]* //')"
    down
  fi
  rewire none
}
oi_grep() { tail -n +"$OI_MARK" "$L/oi.log" | grep "$@"; }
# rw-oi-gw / rw-ours-gw: a road warrior. The gateway (passive, `from LAN to dynamic`, peer any) has
# `config address 10.9.0.0/24` and `config name-server`; the client (active, `from dynamic to LAN`)
# has `request address any`, ours also `request name-server any` and `iface rw0` (a veth made for it,
# with the address our parser wants), which applies the address, the route and (IKED_DNS_HOOK) the
# name server. Checks: the client's address is from the pool, on rw0, the kernel policies use it,
# pings between it and the gateway's LAN travel as ESP; after stop the address is gone.
RW_POOL=10.9.0
rw_iface() { # rw_iface NS: rw0 (veth to rw0p) with 192.168.250.1/30
  ip -n "$1" link add rw0 type veth peer name rw0p; ip -n "$1" link set rw0 up; ip -n "$1" link set rw0p up
  ip -n "$1" addr add 192.168.250.1/30 dev rw0
}
rw_addr() { ip -n "$1" -4 addr show dev rw0 | grep -o "inet $RW_POOL\.[0-9]*" | cut -d' ' -f2 | head -1; }
rw_has_addr() { [ -n "$(rw_addr "$1")" ]; }
case_rw() {
  local gw=$1 name=rw-$1-gw x lan_gw pol
  C_NAME=$name C_AUTH_KIND=psk; etc_dirs psk
  local ike="ikesa $IKE_CBC childsa enc aes-256 auth hmac-sha2-512" psk="psk \"$PSK\""
  if [ "$gw" = oi ]; then
    C_ROLE=ours-init lan_gw=$B_LAN
    rw_iface "$NS_A"
    printf '#!/bin/sh\necho "$@" >> %s/dns-calls\n' "$T" > "$T/dns-hook.sh"; chmod 755 "$T/dns-hook.sh"; rm -f "$T/dns-calls"
    printf 'ikev2 "rw" passive esp from %s.0/24 to dynamic local %s peer any %s srcid b.test dstid a.test %s config address %s.0/24 config name-server %s.53\n' \
      $B_LAN $B_IP "$ike" "$psk" $RW_POOL $B_LAN > "$T/b.conf"
    printf 'ikev2 "rw" active esp from dynamic to %s.0/24 local %s peer %s %s srcid a.test dstid b.test %s request address any request name-server any iface rw0\n' \
      $B_LAN $A_IP $B_PUB "$ike" "$psk" > "$T/a.conf"
    export IKED_DNS_HOOK=$T/dns-hook.sh
  else
    C_ROLE=peer-init lan_gw=$A_LAN
    rw_iface "$NS_B"
    printf 'ikev2 "rw" passive esp from %s.0/24 to dynamic local %s peer any %s srcid a.test dstid b.test %s config address %s.0/24 config name-server %s.53\n' \
      $A_LAN $A_IP "$ike" "$psk" $RW_POOL $A_LAN > "$T/a.conf"
    printf 'ikev2 "rw" active esp from dynamic to %s.0/24 local %s peer %s %s srcid b.test dstid a.test %s request address any iface rw0\n' \
      $A_LAN $B_IP $A_PUB "$ike" "$psk" > "$T/b.conf"
  fi
  local ready='flows loaded'; [ "$gw" = ours ] && ready='listening on'
  if PAIR_PING=0 OURS_READY=$ready start_pair psk; then
    if [ "$gw" = oi ]; then
      # ours is the client: address, route and name server applied on rw0 by our iked
      if wait_until 15 rw_has_addr "$NS_A"; then
        x=$(rw_addr "$NS_A")
        res ok "$name: our client got $x/32 on rw0 ('$(log_line "$C_MARK" 'configuration received' | sed 's/^.*configuration received/configuration received/')'; OpenIKED: '$(oi_grep -o 'assigned address [^ ]* to [^ ]*' | head -1)')"
      else
        res FAIL "$name: no $RW_POOL.x address on rw0 ($(log_line "$C_MARK" 'configuration received\|cannot configure'))"
      fi
      ip -n "$NS_A" route show dev rw0 | grep -q "^$B_LAN.0/24 .*src ${x:-none}" && res ok "$name: route [$(ip -n "$NS_A" route show dev rw0 | grep "^$B_LAN")]" \
        || res FAIL "$name: no route to $B_LAN.0/24 from ${x:-?} on rw0: $(ip -n "$NS_A" route show dev rw0 | tr '\n' ';')"
      [ "$(cat "$T/dns-calls" 2>/dev/null)" = "add rw0 $B_LAN.53" ] && res ok "$name: name server hook called: add rw0 $B_LAN.53" \
        || res FAIL "$name: name server hook calls: '$(cat "$T/dns-calls" 2>/dev/null)'"
      PING_NS=$NS_A PING_SRC=${x:-$A_LAN.1} PING_DST=$B_LAN.1
    else
      # OpenIKED is the client: our log names the address we assigned; OpenIKED's iface applies it
      x=$(log_line "$C_MARK" 'assigned to' | grep -o "address $RW_POOL\.[0-9]*" | cut -d' ' -f2)
      [ -n "$x" ] && res ok "$name: ours assigned $x ('$(log_line "$C_MARK" 'assigned to' | sed 's/^.*: assigned/assigned/')'; OpenIKED: '$(oi_grep -o 'obtained lease: [^ ]*' | head -1)')" \
        || res FAIL "$name: ours assigned no address from the pool"
      if wait_until 15 rw_has_addr "$NS_B" && [ "$(rw_addr "$NS_B")" = "$x" ]; then
        res ok "$name: OpenIKED put $x on rw0 (iface rw0: '$(oi_grep -o 'vroute_doaddr: add .*' | head -1)')"
      else
        res FAIL "$name: OpenIKED's rw0 has [$(ip -n "$NS_B" -4 addr show dev rw0 | grep -o 'inet [^ ]*' | tr '\n' ' ')], not ${x:-the assigned address}"
        [ -n "$x" ] && ip -n "$NS_B" addr add "$x/32" dev rw0 && echo "RESULT note: $name: $x added to rw0 by the script, to test the traffic"
      fi
      PING_NS=$NS_A PING_SRC=$A_LAN.1 PING_DST=${x:-$B_LAN.1}
    fi
    # the kernel policies (both sides) use the assigned address
    for pol in "$NS_A" "$NS_B"; do
      ip -n "$pol" xfrm policy | grep -q "${x:-none}/32" && res ok "$name: $pol's policies: [$(ip -n "$pol" xfrm policy | grep '^src' | grep "$x/32" | tr '\n' ';')]" \
        || res FAIL "$name: no policy with ${x:-?}/32 in $pol: $(ip -n "$pol" xfrm policy | grep '^src' | tr '\n' ';')"
    done
    check_ping "$name" 5
    PING_NS= PING_SRC= PING_DST=
    down
    if [ "$gw" = oi ]; then
      rw_has_addr "$NS_A" && res FAIL "$name: after stop rw0 still has $(rw_addr "$NS_A")" || res ok "$name: after stop: address and route gone from rw0, hook: $(tr '\n' ';' < "$T/dns-calls")"
    fi
  fi
  unset IKED_DNS_HOOK
  ip -n "$NS_A" link del rw0 2>/dev/null; ip -n "$NS_B" link del rw0 2>/dev/null
}

# ---- main: the cases named on the command line, else all -----------------------------------------
# --ci [CASE...]: the subset CI's VM run executes (guest-kernel-tests.sh; ~3 min), then the CASEs: both
# roles, PSK, ECDSA and RSA certificates, GCM and CBC IKE SAs, groups ecp256, modp2048 and
# sntrup761x25519, the three ESP integrity algorithms, a delete by ours, NAT-T (OpenIKED behind a NAT)
CI_CASES="psk-ours-cbc-ecp256 ecdsa-oi-gcm-ecp256 rsa-ours-cbc-modp2048 pq-oi-sntrup nat-oi-behind"
[ "${1:-}" = --ci ] && { shift; set -- $CI_CASES "$@"; }
[ $# -gt 0 ] || set -- $MATRIX rekey-by-ours rekey-by-oi dpd nat-ours-behind nat-oi-behind rw-oi-gw rw-ours-gw
dispatch_case() {
  case "$1" in
    rekey-by-ours) case_rekey ours;;
    rekey-by-oi) case_rekey oi;;
    dpd) case_dpd;;
    nat-ours-behind) case_nat ours;;
    nat-oi-behind) case_nat oi;;
    rw-oi-gw) case_rw oi;;
    rw-ours-gw) case_rw ours;;
    *) if [ -n "${CASE[$1]:-}" ]; then run_matrix_case "$1"; else res FAIL "unknown case $1"; fi;;
  esac
}
run_cases "$@"
