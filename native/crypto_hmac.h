/* HMAC on Node's OpenSSL: digests fetched once per process, one keyed context per digest and thread. */
#ifndef IKED_CRYPTO_HMAC_H
#define IKED_CRYPTO_HMAC_H

#include <openssl/evp.h>
#include <stddef.h>
#include <stdint.h>

/* a digest by OpenSSL name ("sha256"); -1 if unusable */
int hmac_digest_index(const char *name);
/* output bytes of the digest at di, 0 if di is not registered */
size_t hmac_size(int di);
/* this thread's HMAC context for di, keyed with key (NULL key: keep the key of the last init) */
EVP_MAC_CTX *hmac_start(int di, const uint8_t *key, size_t key_len);
/* the full HMAC output (hmac_size bytes) into out; the context can then be restarted with a NULL key */
int hmac_finish(EVP_MAC_CTX *m, uint8_t *out);

#endif
