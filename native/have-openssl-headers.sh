#!/bin/sh
# Prints 1 when OpenSSL 3 headers are at hand for native/crypto_*.c (node-gyp's copy of
# Node's headers, or the system's libssl-dev), else 0: then iked_crypto.node is not
# built and iked runs its cryptography on node:crypto (src/crypto/native-crypto.ts).
# $1: node-gyp's node_root_dir
for f in "$1/include/node/openssl/evp.h" /usr/include/openssl/evp.h /usr/local/include/openssl/evp.h; do
  if [ -f "$f" ]; then echo 1; exit 0; fi
done
echo 0
