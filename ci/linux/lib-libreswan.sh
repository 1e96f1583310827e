# Sourced after lib-vm-pair.sh: libreswan 4.10's pluto (Debian's package, unpacked by ci/deps.sh,
# never installed) in NS_B, as test/interop/lib/libreswan.ts runs it on the host: a private mount
# namespace with the unpacked usr/libexec overlaid on /usr/libexec (pluto execs the hard-coded
# /usr/libexec/ipsec/addconn), and config, secrets, NSS db (certutil) and rundir in $T/lsw.
LSW=${LIBRESWAN_ROOT:-${IKED_INTEROP_CACHE:-${HOME:-/root}/.cache/iked-interop}/libreswan/root}
LSW_PID=
lsw_available() {
  [ -x "$LSW/usr/libexec/ipsec/pluto" ] || { echo "RESULT skip: no libreswan at $LSW (ci/deps.sh unpacks it)"; return 3; }
  command -v certutil > /dev/null || { echo "RESULT skip: needs certutil (libnss3-tools, ci/deps.sh)"; return 3; }
  grep -qw '^esp4' /proc/modules || { echo "RESULT skip: no ESP in this kernel (run it in the VM: bash ci/linux/run.sh 'bash $0')"; return 3; }
}
lsw_whack() { timeout 30 "$LSW/usr/libexec/ipsec/whack" --rundir "$T/lsw/run" "$@"; }
# lsw_start CONNS SECRETS [CERTS]: the `conn` sections and ipsec.secrets text; CERTS (mk_certs output):
# its CA (trusted, "CT,,") and b.test's certificate and key (PKCS#12, pk12util; nickname b.test) go
# into the NSS db. Waits until pluto listens
lsw_start() {
  local d=$T/lsw
  rm -rf "$d"; mkdir -p "$d/run" "$d/nss" "$d/ipsec.d"
  certutil -N -d "sql:$d/nss" --empty-password
  if [ -n "${3:-}" ]; then
    certutil -A -d "sql:$d/nss" -n "vm interop CA" -t 'CT,,' -i "$3/ca.crt" || return 1
    openssl pkcs12 -export -inkey "$3/b.key" -in "$3/b.crt" -name b.test -passout pass: -out "$d/b.p12" || return 1
    pk12util -i "$d/b.p12" -d "sql:$d/nss" -W '' > /dev/null || return 1
  fi
  printf 'config setup\n    plutodebug=none\n    dumpdir=%s/run\n    ipsecdir=%s/ipsec.d\n    nssdir=%s/nss\n\n%s\n' "$d" "$d" "$d" "$1" > "$d/ipsec.conf"
  printf '%s\n' "$2" > "$d/ipsec.secrets"; chmod 600 "$d/ipsec.secrets"
  echo "=== lsw_start" >> "$L/lsw.log"; LSW_MARK=$(wc -l < "$L/lsw.log")
  ip netns exec "$NS_B" unshare --mount --propagation private sh -c \
    'mount -t overlay vm-interop -o "lowerdir=$0/usr/libexec:/usr/libexec" /usr/libexec && exec "$@"' "$LSW" \
    "$LSW/usr/libexec/ipsec/pluto" --config "$d/ipsec.conf" --secretsfile "$d/ipsec.secrets" --ipsecdir "$d/ipsec.d" \
    --nssdir "$d/nss" --rundir "$d/run" --nofork --stderrlog >> "$L/lsw.log" 2>&1 &
  LSW_PID=$!
  wait_until 15 test -S "$d/run/pluto.ctl" && wait_until 10 lsw_log_has 'loading secrets'
}
lsw_log_has() { tail -n +"$LSW_MARK" "$L/lsw.log" | grep -q "$1"; }
# lsw_initiate CONN: whack --initiate, again if pluto did not start it within 5 s
lsw_initiate() {
  local i
  for i in 1 2 3; do
    lsw_whack --name "$1" --initiate --asynchronous > /dev/null 2>&1
    wait_until 5 lsw_log_has 'initiating IKEv2' && return 0
  done
  return 1
}
lsw_stop() {
  [ -n "$LSW_PID" ] || return 0
  timeout 5 "$LSW/usr/libexec/ipsec/whack" --rundir "$T/lsw/run" --shutdown > /dev/null 2>&1
  local i; for i in $(seq 1 25); do kill -0 "$LSW_PID" 2>/dev/null || break; sleep 0.2; done
  kill -9 "$LSW_PID" 2>/dev/null; wait "$LSW_PID" 2>/dev/null; LSW_PID=
  ip -n "$NS_B" xfrm state flush; ip -n "$NS_B" xfrm policy flush
}
