/*
 * SK payload seal and open in one call (RFC 7296 3.14; AEAD per RFC 5282 / RFC 7634; AES-CTR
 * per RFC 5930): ciphers and HMAC digests are fetched once per process, the cipher and MAC
 * contexts are kept per thread (crypto_hmac.c) and re-keyed each call, so a call allocates nothing.
 */
#include "crypto_sk.h"

#include "crypto_hmac.h"

#include <openssl/crypto.h>
#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/rand.h>
#include <pthread.h>
#include <string.h>
#include <strings.h>

#define MAX_ENTRIES 16
#define SALT_LEN 4
#define EXPLICIT_IV 8

enum sk_kind { SK_CBC, SK_CTR, SK_AEAD };

struct cipher_entry {
  char name[32];
  EVP_CIPHER *cipher;
  enum sk_kind kind;
  size_t key_len;   /* keymat bytes: the cipher key, plus the salt for CTR and AEAD */
  size_t iv_len;    /* explicit IV in each message */
  size_t align;     /* padding alignment */
};

static struct cipher_entry ciphers[MAX_ENTRIES];
static int n_ciphers;
static pthread_mutex_t reg_lock = PTHREAD_MUTEX_INITIALIZER;

static __thread EVP_CIPHER_CTX *tcipher;

int sk_cipher_index(const char *name) {
  int idx = -1;
  pthread_mutex_lock(&reg_lock);
  for (int i = 0; i < n_ciphers; i++)
    if (!strcasecmp(ciphers[i].name, name)) idx = i;
  if (idx < 0 && n_ciphers < MAX_ENTRIES && strlen(name) < sizeof(ciphers[0].name)) {
    EVP_CIPHER *c = EVP_CIPHER_fetch(NULL, name, NULL);
    struct cipher_entry *e = &ciphers[n_ciphers];
    if (c) {
      int mode = EVP_CIPHER_get_mode(c);
      int aead = (EVP_CIPHER_get_flags(c) & EVP_CIPH_FLAG_AEAD_CIPHER) != 0;
      size_t key = (size_t)EVP_CIPHER_get_key_length(c);
      if (aead && EVP_CIPHER_get_iv_length(c) == SALT_LEN + EXPLICIT_IV) {
        *e = (struct cipher_entry){.cipher = c, .kind = SK_AEAD, .key_len = key + SALT_LEN, .iv_len = EXPLICIT_IV, .align = 1};
      } else if (mode == EVP_CIPH_CTR_MODE) {
        *e = (struct cipher_entry){.cipher = c, .kind = SK_CTR, .key_len = key + SALT_LEN, .iv_len = EXPLICIT_IV, .align = 1};
      } else if (mode == EVP_CIPH_CBC_MODE) {
        size_t block = (size_t)EVP_CIPHER_get_block_size(c);
        *e = (struct cipher_entry){.cipher = c, .kind = SK_CBC, .key_len = key, .iv_len = block, .align = block};
      } else {
        EVP_CIPHER_free(c);
        c = NULL;
      }
    }
    if (c) {
      strcpy(e->name, name);
      idx = n_ciphers++;
    }
  }
  pthread_mutex_unlock(&reg_lock);
  ERR_clear_error();
  return idx;
}

static EVP_CIPHER_CTX *cipher_ctx(void) {
  if (!tcipher) tcipher = EVP_CIPHER_CTX_new();
  return tcipher;
}

/* HMAC(key, aad | data) truncated to icv_len into icv */
static int mac(const struct sk_call *c, const uint8_t *data, size_t data_len, uint8_t *icv) {
  EVP_MAC_CTX *m = hmac_start(c->di, c->ikey, c->ikey_len);
  uint8_t full[EVP_MAX_MD_SIZE];
  int ok = m && EVP_MAC_update(m, c->aad, c->aad_len) && EVP_MAC_update(m, data, data_len) && hmac_finish(m, full);
  if (ok) memcpy(icv, full, c->icv_len);
  OPENSSL_cleanse(full, sizeof(full));
  return ok;
}

/* the entry for a call, its keys' lengths checked; NULL with *rc set otherwise */
static const struct cipher_entry *entry_of(const struct sk_call *c, int *rc) {
  *rc = SK_UNSUPPORTED;
  if (c->ci < 0 || c->ci >= n_ciphers) return NULL;
  const struct cipher_entry *e = &ciphers[c->ci];
  if (e->kind != SK_AEAD && (c->icv_len == 0 || c->icv_len > hmac_size(c->di))) return NULL;
  if (e->kind == SK_AEAD && (c->di >= 0 || c->icv_len == 0 || c->icv_len > 16)) return NULL;
  *rc = SK_BAD_LENGTH;
  if (c->ekey_len != e->key_len) return NULL;
  if (e->kind != SK_AEAD && !c->ikey) return NULL;
  return e;
}

/* keys the cipher context for one message: the explicit IV is iv */
static int start(EVP_CIPHER_CTX *x, const struct cipher_entry *e, const struct sk_call *c, const uint8_t *iv, int enc) {
  uint8_t nonce[16];
  const uint8_t *ivp = iv;
  if (e->kind != SK_CBC) {
    size_t key = e->key_len - SALT_LEN;
    memcpy(nonce, c->ekey + key, SALT_LEN);
    memcpy(nonce + SALT_LEN, iv, EXPLICIT_IV);
    if (e->kind == SK_CTR) memcpy(nonce + SALT_LEN + EXPLICIT_IV, "\0\0\0\1", 4);
    ivp = nonce;
  }
  int ok = EVP_CipherInit_ex2(x, e->cipher, c->ekey, ivp, enc, NULL) && EVP_CIPHER_CTX_set_padding(x, 0);
  int n;
  if (ok && e->kind == SK_AEAD && c->aad_len) ok = EVP_CipherUpdate(x, NULL, &n, c->aad, (int)c->aad_len);
  return ok;
}

int sk_seal(const struct sk_call *c, const uint8_t *plain, size_t plain_len, uint8_t *out, size_t out_len) {
  int rc;
  const struct cipher_entry *e = entry_of(c, &rc);
  if (!e) return rc;
  if (out_len < e->iv_len + plain_len + 1 + c->icv_len) return SK_BAD_LENGTH;
  size_t padded = out_len - e->iv_len - c->icv_len;
  size_t pad = padded - plain_len - 1;
  if (padded % e->align || pad >= e->align || pad > 255) return SK_BAD_LENGTH;
  EVP_CIPHER_CTX *x = cipher_ctx();
  if (!x || RAND_bytes(out, (int)e->iv_len) != 1) return SK_FAILED;
  uint8_t tail[256];
  memset(tail, 0, pad);
  tail[pad] = (uint8_t)pad;
  uint8_t *ct = out + e->iv_len;
  int n1 = 0, n2 = 0, n3 = 0;
  int ok = start(x, e, c, out, 1) && EVP_EncryptUpdate(x, ct, &n1, plain, (int)plain_len) &&
           EVP_EncryptUpdate(x, ct + n1, &n2, tail, (int)pad + 1) && EVP_EncryptFinal_ex(x, ct + n1 + n2, &n3) &&
           (size_t)(n1 + n2 + n3) == padded;
  if (ok && e->kind == SK_AEAD) ok = EVP_CIPHER_CTX_ctrl(x, EVP_CTRL_AEAD_GET_TAG, (int)c->icv_len, ct + padded) == 1;
  if (ok && e->kind != SK_AEAD) ok = mac(c, out, e->iv_len + padded, ct + padded);
  if (!ok) ERR_clear_error();
  return ok ? 0 : SK_FAILED;
}

long sk_open(const struct sk_call *c, const uint8_t *body, size_t body_len, uint8_t *out, size_t out_cap) {
  int rc;
  const struct cipher_entry *e = entry_of(c, &rc);
  if (!e) return rc;
  if (body_len < e->iv_len + c->icv_len + e->align) return SK_BAD_LENGTH;
  size_t ct_len = body_len - e->iv_len - c->icv_len;
  if (ct_len % e->align || out_cap < ct_len) return SK_BAD_LENGTH;
  const uint8_t *icv = body + e->iv_len + ct_len;
  if (e->kind != SK_AEAD) {
    uint8_t expect[EVP_MAX_MD_SIZE];
    if (!mac(c, body, e->iv_len + ct_len, expect)) return SK_FAILED;
    if (CRYPTO_memcmp(expect, icv, c->icv_len)) return SK_BAD_ICV;
  }
  EVP_CIPHER_CTX *x = cipher_ctx();
  if (!x) return SK_FAILED;
  int n1 = 0, n2 = 0;
  int ok = start(x, e, c, body, 0);
  if (ok && e->kind == SK_AEAD) ok = EVP_CIPHER_CTX_ctrl(x, EVP_CTRL_AEAD_SET_TAG, (int)c->icv_len, (void *)icv) == 1;
  ok = ok && EVP_DecryptUpdate(x, out, &n1, body + e->iv_len, (int)ct_len);
  long res = SK_FAILED;
  if (ok) {
    if (EVP_DecryptFinal_ex(x, out + n1, &n2) != 1) res = e->kind == SK_AEAD ? SK_BAD_ICV : SK_FAILED;
    else if ((size_t)(n1 + n2) == ct_len)
      res = (long)ct_len;
  }
  if (res < 0) ERR_clear_error();
  if (res < 0) OPENSSL_cleanse(out, ct_len);
  return res;
}
