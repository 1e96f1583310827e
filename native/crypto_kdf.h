/* The HMAC PRFs of IKEv2 in one call each: prf, prf+ (RFC 7296 2.13) and SKEYSEED then prf+ (2.14). */
#ifndef IKED_CRYPTO_KDF_H
#define IKED_CRYPTO_KDF_H

#include <stddef.h>
#include <stdint.h>

#define KDF_MAX_PARTS 4

struct kdf_part {
  const uint8_t *p;
  size_t n;
};

/* out (hmac_size(di) bytes) = HMAC(key, parts[0] | ... | parts[n-1]); 1 on success */
int kdf_prf(int di, const uint8_t *key, size_t key_len, const struct kdf_part *parts, int n, uint8_t *out);
/* out = the first out_len bytes of prf+(key, seed): T1 = prf(K, S | 1), Tn = prf(K, Tn-1 | S | n) */
int kdf_prf_plus(int di, const uint8_t *key, size_t key_len, const uint8_t *seed, size_t seed_len, uint8_t *out, size_t out_len);
/* out = prf+(prf(salt, ikm), seed): SKEYSEED stays here and is wiped */
int kdf_skeyseed_plus(int di, const uint8_t *salt, size_t salt_len, const uint8_t *ikm, size_t ikm_len, const uint8_t *seed,
                      size_t seed_len, uint8_t *out, size_t out_len);

#endif
