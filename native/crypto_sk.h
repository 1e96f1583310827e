/* The body of an IKEv2 Encrypted (SK) payload, IV | ciphertext | ICV, sealed or opened in one call. */
#ifndef IKED_CRYPTO_SK_H
#define IKED_CRYPTO_SK_H

#include <stddef.h>
#include <stdint.h>

#define SK_BAD_ICV (-1)     /* ICV or AEAD tag mismatch */
#define SK_BAD_LENGTH (-3)  /* a key or buffer of the wrong length */
#define SK_UNSUPPORTED (-4) /* unknown cipher or digest index */
#define SK_FAILED (-5)      /* OpenSSL failed */

/* a cipher by OpenSSL name ("aes-128-gcm", "aes-256-cbc", "chacha20-poly1305", ...); -1 if unusable */
int sk_cipher_index(const char *name);

/* The layout of a call: cipher ci, HMAC digest di (-1 for AEAD) truncated to icv_len, or the AEAD tag length. */
struct sk_call {
  int ci, di;
  size_t icv_len;
  const uint8_t *ekey, *ikey;
  size_t ekey_len, ikey_len;
  const uint8_t *aad;
  size_t aad_len;
};

/* out (exactly IV + padded plaintext + ICV bytes) = random IV | E(plain | pad | pad length) | ICV */
int sk_seal(const struct sk_call *c, const uint8_t *plain, size_t plain_len, uint8_t *out, size_t out_len);
/* checks the ICV first, decrypts into out (at least the ciphertext's length); returns the decrypted length
   (inner payloads | padding | pad length: the caller strips the padding) */
long sk_open(const struct sk_call *c, const uint8_t *body, size_t body_len, uint8_t *out, size_t out_cap);

#endif
