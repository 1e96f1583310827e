#!/bin/bash
# Runs INSIDE the VM (ci/linux/run.sh): loads the IPsec modules, then the
# kernel-backed tests of the compiled tree (all of dist/test/kernel/, or the
# files given as arguments), one test file at a time. Without arguments it then
# runs the interop scripts against OpenIKED and libreswan with real ESP (the CI
# subsets; IKED_VM_INTEROP=0 skips them; a peer not unpacked is a skip, exit 3).
set -u
cd "$(dirname "$0")/../.."
# one busybox modprobe call (each call re-parses modules.dep, slow under TCG)
modprobe -a xfrm_algo xfrm_user esp4 af_key veth gcm ghash-generic ctr seqiv echainiv authenc \
    chacha_generic poly1305_generic chacha20poly1305 crypto_null || echo "[guest] some modules failed to load"
modprobe -a aesni-intel ghash-clmulni-intel chacha-x86_64 poly1305-x86_64 2>/dev/null
[ -d dist/test/kernel ] || { echo "[guest] dist/test/kernel missing: run 'npx tsc -p .' on the host first"; exit 3; }
[ -e build/Release/iked_kernel.node ] || { echo "[guest] native addon missing: run 'npm install' on the host first"; exit 3; }
# the files given; or every kernel test (adapters, then the daemon end to end), then the interop scripts
[ $# -gt 0 ] && exec node --test --test-concurrency=1 "$@"
node --test --test-concurrency=1 dist/test/kernel/
rc=$?
[ "${IKED_VM_INTEROP:-1}" = 1 ] || exit $rc
for s in "openiked-matrix.sh --ci" "libreswan-matrix.sh --ci"; do
  echo "[guest] ci/linux/$s"
  bash ci/linux/$s; r=$?
  case $r in 0|3) ;; *) echo "[guest] ci/linux/$s failed ($r)"; rc=1;; esac
done
exit $rc
