# Sourced by the VM interop scripts (openiked-*.sh, libreswan-*.sh): two namespaces joined by veth,
# each with a LAN, our iked in NS_A, a peer in NS_B, RESULT lines and the real-ESP checks.
#   NS_A: 192.0.2.1 (LAN 10.1.0.1/24)   NS_B: 192.0.2.2 (LAN 10.2.0.1/24)
# The caller sets PFX (namespace prefix) before sourcing; runs from the tree root (dist/ there).
NS_A=$PFX-a NS_B=$PFX-b
A_IP=192.0.2.1 B_IP=192.0.2.2 A_LAN=10.1.0 B_LAN=10.2.0
T=$(mktemp -d /tmp/$PFX.XXXXXX)
# the daemons' logs: in $T, or (LOGS_TO=DIR, e.g. under run.sh's OUT share) in DIR/PFX, kept
L=$T; [ -n "${LOGS_TO:-}" ] && { L=$LOGS_TO/$PFX; rm -rf "$L"; mkdir -p "$L"; }
fail=0 npass=0 nfail=0
OURS_PID=
res() {
  echo "RESULT $*"
  case "$1" in FAIL) fail=1 nfail=$((nfail + 1));; ok) npass=$((npass + 1));; esac
}
now() { date +%s.%N | cut -c1-14; }
since() { awk -v a="$1" -v b="$(now)" 'BEGIN { printf "%.1f", b - a }'; }

vm_modules() {
  modprobe -a xfrm_algo xfrm_user esp4 af_key veth authenc sha1_generic sha512_generic cbc gcm ghash-generic ctr seqiv \
    echainiv 2>/dev/null
  modprobe -a aesni-intel ghash-clmulni-intel 2>/dev/null
  # the NAT cases' router (nftables masquerade)
  modprobe -a nf_tables nft_chain_nat nft_masq 2>/dev/null
  return 0
}
have_pfkey() { grep -qw '^af_key' /proc/modules || [ -d /proc/sys/net/key ]; }

pair_up() {
  local n
  for n in a b; do ip netns add "$PFX-$n"; ip -n "$PFX-$n" link set lo up; done
  for n in "$NS_A:$A_LAN" "$NS_B:$B_LAN"; do
    ip -n "${n%%:*}" link add lan0 type veth peer name lan0p
    ip -n "${n%%:*}" addr add "${n#*:}.1/24" dev lan0; ip -n "${n%%:*}" link set lan0 up; ip -n "${n%%:*}" link set lan0p up
  done
  wire_up none
}
# wire_up none|a|b: the wire between NS_A and NS_B: one veth, or (a|b: that side behind a NAT) through
# a router namespace NS_R that masquerades (nftables) the inside net 172.16.0.0/24 as its outside
# address, which is the inside peer's usual address (A_PUB / B_PUB: how the other side sees it).
# A_IP / B_IP: each side's own address (local). The wire veths are $PFX-va (NS_A) and $PFX-vb (NS_B).
NS_R=$PFX-r
wire_up() {
  NAT_SIDE=$1 A_IP=192.0.2.1 B_IP=192.0.2.2 A_PUB=192.0.2.1 B_PUB=192.0.2.2
  local gw_a=$B_IP gw_b=$A_IP
  if [ "$1" = none ]; then
    ip link add "$PFX-va" netns "$NS_A" type veth peer name "$PFX-vb" netns "$NS_B"
  else
    ip netns add "$NS_R"; ip -n "$NS_R" link set lo up
    ip netns exec "$NS_R" sysctl -qw net.ipv4.ip_forward=1
    ip link add "$PFX-va" netns "$NS_A" type veth peer name "$PFX-ra" netns "$NS_R"
    ip link add "$PFX-vb" netns "$NS_B" type veth peer name "$PFX-rb" netns "$NS_R"
    local in=$1 out=b; [ "$1" = b ] && out=a
    # the router's outside address is the inside peer's public one; its inside address 172.16.0.1
    ip -n "$NS_R" addr add 172.16.0.1/24 dev "$PFX-r$in"
    if [ "$in" = a ]; then ip -n "$NS_R" addr add $A_PUB/24 dev "$PFX-rb"; A_IP=172.16.0.2 gw_a=172.16.0.1
    else ip -n "$NS_R" addr add $B_PUB/24 dev "$PFX-ra"; B_IP=172.16.0.2 gw_b=172.16.0.1; fi
    ip -n "$NS_R" link set "$PFX-ra" up; ip -n "$NS_R" link set "$PFX-rb" up
    printf 'table ip nat {\n chain post {\n  type nat hook postrouting priority 100;\n  oifname "%s" masquerade\n }\n}\n' "$PFX-r$out" \
      | ip netns exec "$NS_R" nft -f - || echo "RESULT warn: nft masquerade failed in $NS_R"
  fi
  ip -n "$NS_A" addr add $A_IP/24 dev "$PFX-va"; ip -n "$NS_A" link set "$PFX-va" up
  ip -n "$NS_B" addr add $B_IP/24 dev "$PFX-vb"; ip -n "$NS_B" link set "$PFX-vb" up
  ip -n "$NS_A" route add $B_LAN.0/24 via $gw_a src $A_LAN.1
  ip -n "$NS_B" route add $A_LAN.0/24 via $gw_b src $B_LAN.1
  ip -n "$NS_A" route add default via $gw_a; ip -n "$NS_B" route add default via $gw_b
}
# wire_down: the wire (and the router namespace) goes; the LANs stay
wire_down() {
  ip -n "$NS_A" link del "$PFX-va" 2>/dev/null; ip -n "$NS_B" link del "$PFX-vb" 2>/dev/null
  ip netns del "$NS_R" 2>/dev/null; NAT_SIDE=none
}
# rewire none|a|b: another wire for the next case (a NAT case ends with rewire none)
rewire() { wire_down; wire_up "$1"; }
pair_down() {
  ours_stop
  ip netns del "$NS_A" 2>/dev/null; ip netns del "$NS_B" 2>/dev/null; ip netns del "$NS_R" 2>/dev/null
  [ "${KEEP:-0}" = 1 ] || rm -rf "$T"
}

# our iked in NS_A: ours_start CONF [IKED_DIR]; log in $L/ours.log (appended per case)
ours_start() {
  chmod 600 "$1"
  IKED_DIR=${2:-$T/ours-etc} IKED_NO_PRIVSEP=1 IKED_RETRANSMIT_MS=${OURS_RETRANSMIT_MS:-3000} \
    ip netns exec "$NS_A" node dist/src/cli/iked.js -d -v -f "$1" -s "$T/ours.sock" >> "$L/ours.log" 2>&1 &
  OURS_PID=$!
}
ours_ctl() { node dist/src/cli/ikectl.js -s "$T/ours.sock" "$@"; }
ours_stop() {
  [ -n "$OURS_PID" ] || return 0
  kill "$OURS_PID" 2>/dev/null
  local i; for i in $(seq 1 50); do kill -0 "$OURS_PID" 2>/dev/null || break; sleep 0.2; done
  kill -9 "$OURS_PID" 2>/dev/null; OURS_PID=
}

nstates() { ip -n "$1" xfrm state | grep -c '^src'; }
npolicies() { ip -n "$1" xfrm policy | grep -c '^src'; }
# wait_until SECONDS CMD...: polls every 0.5 s; 0 when CMD succeeded in time
wait_until() {
  local end=$(( $(date +%s) + $1 )); shift
  while :; do "$@" && return 0; [ "$(date +%s)" -ge "$end" ] && return 1; sleep 0.5; done
}
states_ge() { [ "$(nstates "$1")" -ge "$2" ]; }
states_eq() { [ "$(nstates "$1")" -eq "$2" ]; }
# the SPIs of a namespace's ESP states, sorted, one line
spis() { ip -n "$1" xfrm state | awk '$1 == "proto" && $2 == "esp" { print $4 }' | sort | tr '\n' ' '; }
# "SPI PACKETS" per SA of a namespace
pkts() { ip -n "$1" -s xfrm state | awk '$1 == "proto" && $2 == "esp" { spi = $4 } /\(packets\)/ { for (i = 1; i <= NF; i++) if ($i ~ /^[0-9]+\(packets\)/) { sub(/\(packets\).*/, "", $i); print spi, $i } }'; }
# packets added between two pkts snapshots, over the SAs present in both (a rekey may come in between)
# (no process substitution: the VM's /dev has no /dev/fd)
pkts_delta() { printf '%s\n--\n%s\n' "$1" "$2" | awk '$0 == "--" { s = 1; next } !s { b[$1] = $2; next } ($1 in b) { d += $2 - b[$1] } END { print d + 0 }'; }
# the algorithms of a namespace's SAs and their UDP encapsulation (each distinct one once)
algs() { ip -n "$1" xfrm state | awk '$1 == "enc" || $1 == "auth-trunc" || $1 == "aead" || $1 == "auth" { print $1 " " $2 } $1 == "encap" { print "encap " $3 }' | sort -u | tr '\n' ' ' | sed 's/ $//'; }

# ping_esp N: N pings LAN a -> LAN b (or PING_NS from PING_SRC to PING_DST: a road warrior's
# assigned address); sets PING_RX, PKT_DELTA (packets added to NS_A's SA counters) and, from an
# outbound capture on each side's wire veth (inbound would also show the decrypted packets the kernel
# re-injects on the same device), WIRE_ESP_A/B (of them WIRE_UDPESP_A/B in UDP, port 4500) and WIRE_ICMP_A/B
ping_esp() {
  local before after n
  before=$(pkts "$NS_A")
  for n in a b; do
    : > "$T/wire-$n.err"
    ip netns exec "$PFX-$n" tcpdump -l -n -Q out -i "$PFX-v$n" 'icmp or esp or udp port 4500' > "$T/wire-$n" 2> "$T/wire-$n.err" &
    eval "TP_$n=\$!"
  done
  wait_until 15 grep -q 'listening on' "$T/wire-a.err" && wait_until 15 grep -q 'listening on' "$T/wire-b.err"
  PING_RX=$(ip netns exec "${PING_NS:-$NS_A}" ping -n -c "$1" -i 0.2 -W 2 -I "${PING_SRC:-$A_LAN.1}" "${PING_DST:-$B_LAN.1}" 2>&1 | grep -o '[0-9]* received' | grep -o '[0-9]*')
  PING_RX=${PING_RX:-0}
  sleep 1; kill -INT "$TP_a" "$TP_b" 2>/dev/null; wait "$TP_a" "$TP_b" 2>/dev/null
  after=$(pkts "$NS_A")
  PKT_DELTA=$(pkts_delta "$before" "$after")
  PKT_SAME_SAS=0; [ "$(echo "$before" | cut -d' ' -f1)" = "$(echo "$after" | cut -d' ' -f1)" ] && PKT_SAME_SAS=1
  WIRE_ESP_A=$(grep -c 'ESP(' "$T/wire-a"); WIRE_ICMP_A=$(grep -c 'ICMP' "$T/wire-a")
  WIRE_ESP_B=$(grep -c 'ESP(' "$T/wire-b"); WIRE_ICMP_B=$(grep -c 'ICMP' "$T/wire-b")
  WIRE_UDPESP_A=$(grep -c 'UDP-encap: ESP(' "$T/wire-a"); WIRE_UDPESP_B=$(grep -c 'UDP-encap: ESP(' "$T/wire-b")
  rm -f "$T"/wire-?  "$T"/wire-?.err
}
# check_ping LABEL N: behind a NAT (NAT_SIDE a|b) every ESP packet on both wires must be in UDP.
# When our SAs changed during the pings (a rekey: the old SA's counters are gone), once more
check_ping() {
  ping_esp "$2"
  if [ "$PKT_SAME_SAS" = 0 ]; then
    echo "RESULT note: $1: our SAs changed during the pings (a rekey; ping $PING_RX/$2, counters +$PKT_DELTA on the SAs kept): again"
    ping_esp "$2"
  fi
  local m="$1: ping ${PING_SRC:-$A_LAN.1} -> ${PING_DST:-$B_LAN.1} $PING_RX/$2, our SA counters +$PKT_DELTA packets, wire out ours $WIRE_ESP_A ESP ($WIRE_UDPESP_A in UDP) / $WIRE_ICMP_A ICMP, peer $WIRE_ESP_B ESP ($WIRE_UDPESP_B in UDP) / $WIRE_ICMP_B ICMP"
  local udp_ok=1
  [ "$NAT_SIDE" = none ] || { [ "$WIRE_UDPESP_A" = "$WIRE_ESP_A" ] && [ "$WIRE_UDPESP_B" = "$WIRE_ESP_B" ]; } || udp_ok=0
  if [ "$PING_RX" -ge $(( $2 - 1 )) ] && [ "$PKT_DELTA" -ge $((2 * PING_RX)) ] && [ "$WIRE_ESP_A" -ge "$PING_RX" ] && [ "$WIRE_ESP_B" -ge "$PING_RX" ] \
    && [ "$WIRE_ICMP_A" = 0 ] && [ "$WIRE_ICMP_B" = 0 ] && [ $udp_ok = 1 ]; then
    res ok "$m"
  else
    res FAIL "$m"
  fi
}
# after ours_stop: none of our SAs / policies in NS_A
check_clean() {
  local s p; s=$(nstates "$NS_A"); p=$(npolicies "$NS_A")
  [ "$s" = 0 ] && [ "$p" = 0 ] && res ok "$1: our iked stopped, 0 SAs / 0 policies left" || res FAIL "$1: after stop $s SAs / $p policies left in $NS_A"
  ip -n "$NS_A" xfrm state flush; ip -n "$NS_A" xfrm policy flush
}
# check_nat_detected NAME OUR_LOG_REGEX PEER_NOTE: our log line, UDP encapsulation in both kernels
check_nat_detected() {
  local ours; ours=$(log_line "$C_MARK" "$2" | sed 's/^.*: NAT detected/NAT detected/')
  if [ -n "$ours" ] && algs "$NS_A" | grep -q 'encap espinudp' && algs "$NS_B" | grep -q 'encap espinudp'; then
    res ok "$1: ours: '$ours'; peer: '$3'; UDP encapsulation in both kernels: ours [$(ip -n "$NS_A" xfrm state | grep -m1 'encap type')] peer [$(ip -n "$NS_B" xfrm state | grep -m1 'encap type')]"
  else
    res FAIL "$1: NAT: ours '${ours:-no \"$2\" in our log}', kernels: ours [$(algs "$NS_A")] peer [$(algs "$NS_B")]"
  fi
}
# a CA + a leaf for a.test and b.test: mk_certs DIR rsa|ecdsa -> DIR/{ca.crt,a.crt,a.key,b.crt,b.key}
mk_certs() {
  local d=$1 alg=$2 n ka
  case "$alg" in
    rsa) ka=(-newkey rsa:2048);;
    ecdsa) ka=(-newkey ec -pkeyopt ec_paramgen_curve:P-256);;
  esac
  mkdir -p "$d"
  openssl req -x509 "${ka[@]}" -nodes -keyout "$d/ca.key" -out "$d/ca.crt" -days 2 -subj "/CN=vm interop CA" 2>/dev/null
  for n in a b; do
    openssl req "${ka[@]}" -nodes -keyout "$d/$n.key" -out "$d/$n.csr" -subj "/CN=$n.test" 2>/dev/null
    printf 'subjectAltName=DNS:%s.test\n' "$n" > "$d/$n.ext"
    openssl x509 -req -in "$d/$n.csr" -CA "$d/ca.crt" -CAkey "$d/ca.key" -CAcreateserial -days 2 -extfile "$d/$n.ext" -out "$d/$n.crt" 2>/dev/null
  done
}
# iked's /etc/iked layout from mk_certs output: etc_layout DIR CERTS a|b
etc_layout() {
  local d=$1 c=$2 n=$3 s
  install -d -m 0755 "$d" "$d/ca" "$d/certs" "$d/crls" "$d/pubkeys" "$d/pubkeys/ipv4" "$d/pubkeys/ipv6" "$d/pubkeys/fqdn" "$d/pubkeys/ufqdn"
  install -d -m 0700 "$d/private"
  if [ -n "$c" ]; then
    cp "$c/ca.crt" "$d/ca/ca.crt"; cp "$c/$n.crt" "$d/certs/$n.test.crt"; install -m 0600 "$c/$n.key" "$d/private/local.key"
  else
    # OpenIKED's ca loads a local key even for PSK (RSA keygen is slow under TCG: P-256)
    openssl genpkey -algorithm EC -pkeyopt ec_paramgen_curve:P-256 -out "$d/private/local.key" 2>/dev/null; chmod 600 "$d/private/local.key"
  fi
}
# pair_case NAME ROLE OURS_CONF OURS_ETC: the peer library's hooks peer_start (and peer_initiate
# when ROLE is peer-init) start the peer in NS_B; waits for the SAs in both kernels, then pings.
# C_MARK: the line of $L/ours.log where this case starts. PAIR_PING=0: no ping (the case pings itself);
# OURS_READY: what our log says before the peer may initiate (a gateway with only `to dynamic` loads no flows)
pair_case() {
  local t0
  C_NAME=$1
  echo "=== case $1" >> "$L/ours.log"; C_MARK=$(wc -l < "$L/ours.log")
  if [ "$2" = ours-init ]; then
    peer_start || { res FAIL "$1: the peer did not start"; peer_stop; return 1; }
    t0=$(now); ours_start "$3" "$4"
  else
    ours_start "$3" "$4"; wait_until 30 log_has "$C_MARK" "${OURS_READY:-flows loaded}"
    peer_start || { res FAIL "$1: the peer did not start"; pair_case_end; return 1; }
    t0=$(now); peer_initiate
  fi
  if wait_until 60 both_up; then
    res ok "$1: SAs up in $(since "$t0") s ($2): ours [$(algs "$NS_A")] peer [$(algs "$NS_B")]"
  else
    res FAIL "$1: no SAs after 60 s (ours $(nstates "$NS_A"), peer $(nstates "$NS_B"))"; pair_case_end; return 1
  fi
  [ "${PAIR_PING:-1}" = 0 ] || check_ping "$1" 5
}
pair_case_end() { ours_stop; check_clean "$C_NAME"; peer_stop; }
both_up() { states_ge "$NS_A" 2 && states_ge "$NS_B" 2; }
log_has() { tail -n +"$1" "$L/ours.log" | grep -q "$2"; }
log_line() { tail -n +"$1" "$L/ours.log" | grep "$2" | head -1; }
# the two kernels' SPIs, and whether they changed from a snapshot (one pair left on our side)
pair_spis() { echo "$(spis "$NS_A")| $(spis "$NS_B")"; }
spis_changed() { [ "$(pair_spis)" != "$1" ] && both_up && [ "$(nstates "$NS_A")" = 2 ]; }
# spis_gone NS "SPI...": none of these SPIs is left in NS's kernel (a peer that re-initiates at once
# after a delete has new ones by then)
spis_gone() { local x; for x in $2; do spis "$1" | grep -qw "$x" && return 1; done; return 0; }
# pair_setup: the namespaces, and their removal (with the peer's peer_stop) at exit
pair_setup() {
  trap 'peer_stop; pair_down' EXIT
  pair_up
  T_ALL=$(now)
}
# run_cases CASE...: the script's dispatch_case for each, its time, the summary, the logs' tails on
# failure (or VERBOSE=1; peer_log_tail from the script); returns 1 when a check failed
run_cases() {
  local c t
  for c in "$@"; do
    t=$(now); dispatch_case "$c"; echo "RESULT time $c: $(since "$t") s"
  done
  echo "RESULT summary: $npass ok, $nfail FAIL"
  echo "RESULT time total: $(since "$T_ALL") s"
  if [ "$fail" != 0 ] || [ "${VERBOSE:-0}" = 1 ]; then
    echo "--- our iked (tail) ---"; tail -60 "$L/ours.log"
    echo "--- peer (tail) ---"; peer_log_tail
  fi
  return $fail
}
