# Sourced after lib-vm-pair.sh: OpenIKED 7.2 (Debian's package, unpacked by ci/deps.sh, never
# installed) in NS_B over Linux PF_KEY. Its paths are compiled in (/etc/iked), so each instance runs
# in a private mount namespace with its own directory (etc_layout makes one) bound over /etc/iked.
OI=${OPENIKED_ROOT:-${HOME:-/root}/.cache/iked-interop/openiked/root}
OI_PID=
OI_BIND='mount --bind "$0" /etc/iked && exec "$@"'
oi_available() {
  [ -x "$OI/usr/sbin/iked" ] || { echo "RESULT skip: no OpenIKED at $OI (ci/deps.sh unpacks it)"; return 3; }
  have_pfkey || { echo "RESULT skip: no PF_KEY in this kernel (run it in the VM: bash ci/linux/run.sh 'bash $0')"; return 3; }
  mkdir -p /etc/iked # the mount point (the VM's root is a throw-away overlay)
}
# oi_check CONF ETC: OpenIKED's parser (`iked -n`) accepts CONF; its output in $L/oi-check.log
oi_check() {
  chmod 600 "$1"
  ip netns exec "$NS_B" unshare --mount --propagation private sh -c "$OI_BIND" "$2" "$OI/usr/sbin/iked" -n -f "$1" > "$L/oi-check.log" 2>&1
}
# oi_start CONF ETC: log appended to $L/oi.log, control socket $T/oi.sock; OI_PID is iked's pid (all exec)
oi_start() {
  chmod 600 "$1"; rm -f "$T/oi.sock"
  echo "=== oi_start $1" >> "$L/oi.log"; OI_MARK=$(wc -l < "$L/oi.log")
  ip netns exec "$NS_B" unshare --mount --propagation private sh -c "$OI_BIND" "$2" \
    "$OI/usr/sbin/iked" -d -vv -f "$1" -s "$T/oi.sock" >> "$L/oi.log" 2>&1 &
  OI_PID=$!
  # ready only after its parent has sent the static settings (the last is stickyaddress) and the reset
  # that follows: an IKE SA half-open before that is freed ("sa_free: reload") and our IKE_AUTH is
  # then dropped without an answer
  # (generous waits: under TCG on a loaded host its start has taken > 20 s; a start that fails must
  # still be stopped by the caller, else it keeps port 500 and takes the next instance's answers)
  wait_until 30 test -S "$T/oi.sock" && wait_until 40 oi_log_has 'stickyaddress' && sleep 1
}
oi_log_has() { tail -n +"$OI_MARK" "$L/oi.log" | grep -q "$1"; }
oi_ctl() { "$OI/usr/sbin/ikectl" -s "$T/oi.sock" "$@"; }
oi_stop() { # oi_stop [SIGNAL]; then its PF_KEY SAs and policies are flushed from NS_B
  [ -n "$OI_PID" ] || return 0
  [ "${1:-TERM}" = KILL ] && pkill -KILL -P "$OI_PID" 2>/dev/null # its privsep children, by parent id
  kill -"${1:-TERM}" "$OI_PID" 2>/dev/null
  local i; for i in $(seq 1 25); do kill -0 "$OI_PID" 2>/dev/null || break; sleep 0.2; done
  kill -9 "$OI_PID" 2>/dev/null; wait "$OI_PID" 2>/dev/null; OI_PID=
  ip -n "$NS_B" xfrm state flush; ip -n "$NS_B" xfrm policy flush
}
