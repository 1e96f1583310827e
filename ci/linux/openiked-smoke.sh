#!/bin/bash
# OpenIKED 7.2 against our iked with real ESP inside the kernel VM, the quick check: one case of
# openiked-matrix.sh (ours initiator over XFRM, OpenIKED responder over PF_KEY, PSK, ESP aes-256-cbc +
# hmac-sha2-512, ping as ESP, `ikectl reset sa` on ours makes OpenIKED drop its SAs, nothing of ours
# left after stop).  bash ci/linux/run.sh 'bash ci/linux/openiked-smoke.sh'
# OPENIKED_GROUP=sntrup761x25519 runs OpenIKED's post-quantum hybrid instead (the pq-ours-sntrup case).
case "${OPENIKED_GROUP:-ecp256}" in
  ecp256) c=psk-ours-cbc-ecp256;;
  sntrup761x25519) c=pq-ours-sntrup;;
  *) echo "RESULT skip: OPENIKED_GROUP ${OPENIKED_GROUP} has no case (ecp256, sntrup761x25519)"; exit 3;;
esac
PFX=${PFX:-oi} exec bash "$(dirname "$0")/openiked-matrix.sh" "$c"
