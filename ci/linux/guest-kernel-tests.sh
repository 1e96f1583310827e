#!/bin/bash
# Runs INSIDE the VM (ci/linux/run.sh): loads the IPsec modules, then the
# kernel-backed tests of the compiled tree (all of dist/test/kernel/, or the
# files given as arguments), one test file at a time.
set -u
cd "$(dirname "$0")/../.."
# one busybox modprobe call (each call re-parses modules.dep, slow under TCG)
modprobe -a xfrm_algo xfrm_user esp4 af_key veth gcm ghash-generic ctr seqiv echainiv authenc \
    chacha_generic poly1305_generic chacha20poly1305 crypto_null || echo "[guest] some modules failed to load"
modprobe -a aesni-intel ghash-clmulni-intel chacha-x86_64 poly1305-x86_64 2>/dev/null
[ -d dist/test/kernel ] || { echo "[guest] dist/test/kernel missing: run 'npx tsc -p .' on the host first"; exit 3; }
[ -e build/Release/iked_kernel.node ] || { echo "[guest] native addon missing: run 'npm install' on the host first"; exit 3; }
# default: every kernel test (adapters, then the daemon end to end); or the files given
[ $# -gt 0 ] || set -- dist/test/kernel/
exec node --test --test-concurrency=1 "$@"
