/* Plain digests on Node's OpenSSL: fetched once per process, one context per thread, reused. */
#ifndef IKED_CRYPTO_DIGEST_H
#define IKED_CRYPTO_DIGEST_H

#include <stddef.h>
#include <stdint.h>

#include "crypto_kdf.h"

/* a digest by OpenSSL name ("sha1"); -1 if unusable */
int digest_index(const char *name);
/* output bytes of the digest at di, 0 if di is not registered */
size_t digest_size(int di);
/* out (digest_size bytes) = H(parts[0] | ... | parts[n-1]); 1 on success */
int digest_parts(int di, const struct kdf_part *parts, int n, uint8_t *out);

#endif
