#!/bin/busybox sh
# /init of the iked test VM (inside the initramfs): mount the host root (9p,
# read-only) under a tmpfs overlay, then run $iked_cmd in it and power off.
/bin/busybox --install -s /bin
export PATH=/bin
mount -t proc proc /proc; mount -t sysfs sys /sys; mount -t devtmpfs dev /dev
stty -onlcr 2>/dev/null
fail() { echo "[init] FATAL: $*"; poweroff -f; }
for m in virtio_pci 9pnet_virtio 9p overlay; do modprobe $m || fail "modprobe $m"; done
O9="trans=virtio,version=9p2000.L,msize=512000"
mkdir -p /mnt/host /mnt/tmp
i=0; until mount -t 9p -o $O9,ro,cache=loose hostroot /mnt/host 2>/dev/null; do
    i=$((i+1)); [ $i -gt 20 ] && fail "cannot mount the host root (9p tag hostroot)"; sleep 0.2; done
mount -t tmpfs -o mode=0755 tmp /mnt/tmp && mkdir /mnt/tmp/up /mnt/tmp/work
mount -t overlay -o lowerdir=/mnt/host,upperdir=/mnt/tmp/up,workdir=/mnt/tmp/work root /newroot || fail "overlay root"
R=/newroot
mount -t proc proc $R/proc; mount -t sysfs sys $R/sys; mount -t devtmpfs dev $R/dev
mkdir -p $R/dev/pts $R/dev/shm; mount -t devpts devpts $R/dev/pts; mount -t tmpfs shm $R/dev/shm
mount -t tmpfs -o mode=0755 run $R/run          # fresh /run: no host netns files
# a fresh /tmp, unless the repository itself lives under /tmp (CI clones may): then keep the
# host's /tmp, which the overlay makes writable anyway
case "$iked_cwd" in /tmp|/tmp/*) ;; *) mount -t tmpfs -o mode=1777 tmp $R/tmp ;; esac
KV=$(uname -r)
mkdir -p $R/lib/modules/$KV && mount -t 9p -o $O9,ro,cache=loose kmods $R/lib/modules/$KV || fail "modules share"
mkdir -p "$R$iked_out" && mount -t 9p -o $O9 out "$R$iked_out" || fail "out share"
# busybox modprobe first in PATH and as the kernel's modprobe (request_module auto-loading)
K=$R/run/iked-vm; mkdir -p $K/bin $K/kmod; cp /bin/busybox $K/bin/
ln -s busybox $K/bin/sh; ln -s busybox $K/bin/poweroff
for a in modprobe insmod rmmod lsmod modinfo depmod; do ln -s ../bin/busybox $K/kmod/$a; done
echo /run/iked-vm/kmod/modprobe > /proc/sys/kernel/modprobe
echo "$iked_cmd" | base64 -d > $K/cmd
cat > $K/stage2 <<'EOF'
#!/run/iked-vm/bin/sh
export PATH=/run/iked-vm/kmod:/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin:/run/iked-vm/bin
export HOME=/root TERM=dumb LANG=C.UTF-8 IKED_KERNEL_VM=1
echo "[vm] root ready after $(cut -d' ' -f1 /proc/uptime)s"
cd "$iked_cwd" 2>/dev/null || cd /
/bin/sh /run/iked-vm/cmd </dev/null
rc=$?
echo $rc > "$iked_out/rc"
echo "IKED_VM_RC=$rc"
sync
poweroff -f
EOF
chmod 755 $K/stage2
exec switch_root $R /run/iked-vm/stage2
