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
  { [ -n "${7:-}" ] && printf '%s\n' "$7"; policy $om $B_IP $A_IP $B_LAN $A_LAN b.test a.test oi; } > "$T/b.conf"
  { [ -n "${6:-}" ] && printf '%s\n' "$6"; policy $am $A_IP $B_IP $A_LAN $B_LAN a.test b.test ours; } > "$T/a.conf"
  echo "--- case $C_NAME: $(tail -1 "$T/a.conf")"
  if ! oi_check "$T/b.conf" "$T/etc-$auth-b"; then res FAIL "$C_NAME: OpenIKED's iked -n refuses it: $(head -3 "$L/oi-check.log" | tr '\n' ' ')"; return 1; fi
  pair_case "$C_NAME" "$C_ROLE" "$T/a.conf" "$T/etc-$auth-a"
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
    ours_ctl reset sa > /dev/null 2>&1
    wait_until 20 states_eq "$NS_B" 0 && res ok "$name: ikectl reset sa on ours: OpenIKED removed its SAs in $(since "$t0") s" \
      || res FAIL "$name: OpenIKED kept $(nstates "$NS_B") SAs after our reset sa"
  fi
  C_LIFE= LIFE_SIDE=
  down
}
# dpd: ours (initiator, dpd_check_interval 5, retransmits 1 s x 3) notices that OpenIKED was killed
case_dpd() {
  local t0 name=dpd
  OURS_RETRANSMIT_MS=1000 IKED_RETRANSMIT_TRIES=3 up $name ours-init psk "$IKE_CBC" "enc aes-256 auth hmac-sha2-512" "set dpd_check_interval 5" || return
  oi_stop KILL; t0=$(now)
  if wait_until 40 states_eq "$NS_A" 0; then
    res ok "$name: OpenIKED killed: ours deleted its IKE SA and Child SA after $(since "$t0") s ($(grep -o 'INFORMATIONAL request [0-9]* timed out after [0-9]* tries' "$L/ours.log" | tail -1))"
  else
    res FAIL "$name: ours still holds $(nstates "$NS_A") SAs 40 s after OpenIKED was killed"
  fi
  down
}

# ---- main: the cases named on the command line, else all -----------------------------------------
# --ci: the subset CI's VM run executes (guest-kernel-tests.sh; ~2.5 min): both roles, PSK, ECDSA and
# RSA certificates, GCM and CBC IKE SAs, groups ecp256, modp2048 and sntrup761x25519, the
# three ESP integrity algorithms, a delete by ours
CI_CASES="psk-ours-cbc-ecp256 ecdsa-oi-gcm-ecp256 rsa-ours-cbc-modp2048 pq-oi-sntrup"
[ "${1:-}" = --ci ] && set -- $CI_CASES
[ $# -gt 0 ] || set -- $MATRIX rekey-by-ours rekey-by-oi dpd
dispatch_case() {
  case "$1" in
    rekey-by-ours) case_rekey ours;;
    rekey-by-oi) case_rekey oi;;
    dpd) case_dpd;;
    *) if [ -n "${CASE[$1]:-}" ]; then run_matrix_case "$1"; else res FAIL "unknown case $1"; fi;;
  esac
}
run_cases "$@"
