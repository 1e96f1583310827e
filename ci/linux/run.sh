#!/bin/bash
# iked kernel test runner: boots Debian's stock kernel (ESP, XFRM, PF_KEY as
# modules) under qemu (TCG; KVM only with USE_KVM=1), with this machine's / shared
# read-only over 9p as the lower layer of an overlayfs root, runs one command
# as root inside, powers off and exits with that command's status
# (124 = timeout, 125 = guest died: panic/oops/init failure).
#
#   ci/linux/run.sh                   # default: ci/linux/guest-kernel-tests.sh (node --test dist/test/kernel/)
#   ci/linux/run.sh 'any command'     # runs with the same cwd and absolute paths as on the host
#
# env: CACHE=~/.cache/iked-kernel-vm  OUT=$CACHE/out  MEM=1536  SMP=2  TIMEOUT=1200
#      KPKG=linux-image-6.1.0-xx-amd64 (pin; default: what linux-image-amd64 depends on)
#      APPEND_EXTRA (kernel args; default cryptomgr.notests=1)  DEBUG=1  USE_KVM=1 (opt in to KVM)
set -euo pipefail

HERE=$(cd "$(dirname "$0")" && pwd)
CACHE=${CACHE:-${XDG_CACHE_HOME:-$HOME/.cache}/iked-kernel-vm}
OUT=${OUT:-$CACHE/out}
MEM=${MEM:-1536}
SMP=${SMP:-2}
TIMEOUT=${TIMEOUT:-1200}
CPU=${CPU:-max}
APPEND_EXTRA=${APPEND_EXTRA:-cryptomgr.notests=1}
KROOT=$CACHE/kernel
BBROOT=$CACHE/busybox
[ $# -eq 0 ] && set -- "$HERE/guest-kernel-tests.sh"
GUEST_CMD="$*"
CWD=$(pwd)
say() { echo "[ci/linux] $*" >&2; }
ms() { date +%s%3N; }
T0=$(ms)
case "$CWD$OUT" in *' '*) say "paths with spaces are not supported (cwd=$CWD, OUT=$OUT)"; exit 2;; esac
[ ${#GUEST_CMD} -gt 1200 ] && { say "command too long for the kernel command line; put it in a script"; exit 2; }

# 1. qemu
export DEBIAN_FRONTEND=noninteractive
command -v qemu-system-x86_64 >/dev/null || { say "installing qemu-system-x86"; apt-get install -y --no-install-recommends qemu-system-x86 >/dev/null; }

# 2. kernel and busybox, unpacked (nothing touches /boot or /lib/modules of the host)
if [ ! -e "$KROOT/.ok" ] || [ ! -e "$BBROOT/.ok" ]; then
    apt-cache show linux-image-amd64 >/dev/null 2>&1 || apt-get update >/dev/null
    KPKG=${KPKG:-$(apt-cache depends linux-image-amd64 | awk '/Depends: linux-image-[0-9]/ {print $2; exit}')}
    say "fetching $KPKG + busybox-static with apt-get download"
    mkdir -p "$CACHE/debs"
    (cd "$CACHE/debs" && apt-get -q -o APT::Sandbox::User=root download "$KPKG" busybox-static >/dev/null)
    rm -rf "$KROOT" "$BBROOT"
    dpkg -x "$(ls "$CACHE"/debs/"$KPKG"_*.deb | head -1)" "$KROOT"
    dpkg -x "$(ls "$CACHE"/debs/busybox-static_*.deb | head -1)" "$BBROOT"
    # the package's postinst would run depmod; busybox's depmod writes modules.dep
    "$BBROOT/bin/busybox" depmod -b "$KROOT" "$(ls "$KROOT/lib/modules")"
    touch "$KROOT/.ok" "$BBROOT/.ok"
fi
KV=$(ls "$KROOT/lib/modules" | head -1)
BB=$BBROOT/bin/busybox
MODDIR=$KROOT/lib/modules/$KV

# 3. initramfs: busybox + the module closure needed to mount 9p and overlay
INITRD=$CACHE/initramfs-$KV.cpio.gz
if [ ! -e "$INITRD" ] || [ "$0" -nt "$INITRD" ] || [ "$HERE/guest-init.sh" -nt "$INITRD" ]; then
    IR=$CACHE/initramfs
    rm -rf "$IR"; mkdir -p "$IR"/{bin,dev,proc,sys,mnt,newroot} "$IR/lib/modules/$KV"
    cp "$BB" "$IR/bin/busybox"
    mknod -m 600 "$IR/dev/console" c 5 1
    declare -A HAVE=()
    want() {  # module path relative to $MODDIR, with its dependencies
        [ -n "${HAVE[$1]:-}" ] && return 0; HAVE[$1]=1
        for dep in $(awk -v m="$1:" '$1 == m { for (i = 2; i <= NF; i++) print $i }' "$MODDIR/modules.dep"); do want "$dep"; done
        mkdir -p "$IR/lib/modules/$KV/$(dirname "$1")"; cp "$MODDIR/$1" "$IR/lib/modules/$KV/$1"
    }
    for m in virtio_pci 9pnet_virtio 9p overlay; do
        want "$(grep -oE "^[^:]*/$m\.ko[^:]*" "$MODDIR/modules.dep" | head -1)"
    done
    "$BB" depmod -b "$IR" "$KV"
    cp "$HERE/guest-init.sh" "$IR/init"; chmod 755 "$IR/init"
    (cd "$IR" && find . | "$BB" cpio -o -H newc -R 0:0 2>/dev/null | gzip -1 > "$INITRD.tmp") && mv "$INITRD.tmp" "$INITRD"
fi

# 4. boot; the command and paths go to init through the kernel command line
mkdir -p "$OUT"; rm -f "$OUT/rc" "$OUT/console.log"
APPEND="console=ttyS0 panic=-1 oops=panic quiet loglevel=3 mitigations=off tsc=reliable no_timer_check"
APPEND="$APPEND random.trust_cpu=on $APPEND_EXTRA iked_cmd=$(printf '%s' "$GUEST_CMD" | base64 -w0) iked_out=$OUT iked_cwd=$CWD"
# TCG unless KVM is asked for: a writable /dev/kvm proves nothing (nested KVM on a PVM/cloud guest
# can abort at once in kvm_buf_set_msrs or hang the guest after "Probing EDD"), and a CI run must not
# depend on it. USE_KVM=1 opts in (CPU=host); NO_KVM is kept for old callers and means the default.
ACCEL=tcg
if [ "${USE_KVM:-0}" = 1 ] && [ -z "${NO_KVM:-}" ]; then
    [ -w /dev/kvm ] || { say "USE_KVM=1 but /dev/kvm is not writable"; exit 2; }
    ACCEL=kvm; CPU=host
fi
[ -n "${DEBUG:-}" ] && APPEND=${APPEND/quiet loglevel=3/loglevel=7}
say "booting $KV ($ACCEL, $SMP cpus, $MEM MB); setup $(( $(ms) - T0 )) ms; running: $GUEST_CMD"
T1=$(ms)
set +e
timeout --foreground -k 10 "$TIMEOUT" qemu-system-x86_64 \
    -machine pc,accel=$ACCEL -cpu "$CPU" -smp "$SMP" -m "$MEM" \
    -nodefaults -no-user-config -nographic -serial stdio -monitor none -no-reboot \
    -kernel "$KROOT/boot/vmlinuz-$KV" -initrd "$INITRD" -append "$APPEND" \
    -virtfs local,path=/,mount_tag=hostroot,security_model=none,readonly=on,multidevs=remap \
    -virtfs local,path="$MODDIR",mount_tag=kmods,security_model=none,readonly=on \
    -virtfs local,path="$OUT",mount_tag=out,security_model=none \
    </dev/null 2>&1 | tee "$OUT/console.log"
QRC=${PIPESTATUS[0]}
set -e
RC=$(cat "$OUT/rc" 2>/dev/null || echo none)
say "qemu exit $QRC, guest rc $RC, VM time $(( $(ms) - T1 )) ms, total $(( $(ms) - T0 )) ms"
case "$RC" in
    [0-9]*) exit "$RC" ;;
    *) if [ "$QRC" = 124 ]; then say "TIMEOUT after ${TIMEOUT}s"; exit 124; fi
       say "the guest died without a result (see $OUT/console.log)"; exit 125 ;;
esac
