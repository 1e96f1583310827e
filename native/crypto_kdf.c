/*
 * The HMAC PRFs of IKEv2 in one call each. prf+ keys the HMAC context once and restarts it
 * from the kept key for every block (EVP_MAC_init with a NULL key), so a 7-key IKE SA
 * derivation costs the hash blocks and no allocation.
 */
#include "crypto_kdf.h"

#include <openssl/crypto.h>
#include <string.h>

#include "crypto_hmac.h"

int kdf_prf(int di, const uint8_t *key, size_t key_len, const struct kdf_part *parts, int n, uint8_t *out) {
  EVP_MAC_CTX *m = hmac_start(di, key, key_len);
  if (!m) return 0;
  for (int i = 0; i < n; i++)
    if (parts[i].n && !EVP_MAC_update(m, parts[i].p, parts[i].n)) return 0;
  return hmac_finish(m, out);
}

int kdf_prf_plus(int di, const uint8_t *key, size_t key_len, const uint8_t *seed, size_t seed_len, uint8_t *out, size_t out_len) {
  size_t hl = hmac_size(di);
  if (!hl || out_len > 255 * hl) return 0;
  uint8_t t[EVP_MAX_MD_SIZE];
  size_t done = 0;
  int ok = 1;
  for (uint8_t i = 1; ok && done < out_len; i++) {
    EVP_MAC_CTX *m = hmac_start(di, i == 1 ? key : NULL, i == 1 ? key_len : 0);
    ok = m && (i == 1 || EVP_MAC_update(m, t, hl)) && EVP_MAC_update(m, seed, seed_len) && EVP_MAC_update(m, &i, 1) &&
         hmac_finish(m, t);
    if (ok) {
      size_t take = out_len - done < hl ? out_len - done : hl;
      memcpy(out + done, t, take);
      done += take;
    }
  }
  OPENSSL_cleanse(t, sizeof(t));
  return ok;
}

int kdf_skeyseed_plus(int di, const uint8_t *salt, size_t salt_len, const uint8_t *ikm, size_t ikm_len, const uint8_t *seed,
                      size_t seed_len, uint8_t *out, size_t out_len) {
  uint8_t skeyseed[EVP_MAX_MD_SIZE];
  struct kdf_part part = {ikm, ikm_len};
  int ok = kdf_prf(di, salt, salt_len, &part, 1, skeyseed) &&
           kdf_prf_plus(di, skeyseed, hmac_size(di), seed, seed_len, out, out_len);
  OPENSSL_cleanse(skeyseed, sizeof(skeyseed));
  return ok;
}
