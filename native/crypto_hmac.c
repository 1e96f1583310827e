/* HMAC on Node's OpenSSL: digests fetched once per process, one keyed context per digest and thread. */
#include "crypto_hmac.h"

#include <openssl/core_names.h>
#include <openssl/err.h>
#include <openssl/params.h>
#include <pthread.h>
#include <string.h>
#include <strings.h>

#define MAX_DIGESTS 16

struct digest_entry {
  char name[32];
  size_t size;
};

static struct digest_entry digests[MAX_DIGESTS];
static int n_digests;
static EVP_MAC *hmac;
static pthread_mutex_t reg_lock = PTHREAD_MUTEX_INITIALIZER;
static __thread EVP_MAC_CTX *tmac[MAX_DIGESTS];

int hmac_digest_index(const char *name) {
  int idx = -1;
  pthread_mutex_lock(&reg_lock);
  if (!hmac) hmac = EVP_MAC_fetch(NULL, "HMAC", NULL);
  for (int i = 0; i < n_digests; i++)
    if (!strcasecmp(digests[i].name, name)) idx = i;
  if (idx < 0 && hmac && n_digests < MAX_DIGESTS && strlen(name) < sizeof(digests[0].name)) {
    EVP_MD *md = EVP_MD_fetch(NULL, name, NULL);
    if (md) {
      strcpy(digests[n_digests].name, name);
      digests[n_digests].size = (size_t)EVP_MD_get_size(md);
      EVP_MD_free(md);
      idx = n_digests++;
    }
  }
  pthread_mutex_unlock(&reg_lock);
  ERR_clear_error();
  return idx;
}

size_t hmac_size(int di) { return di >= 0 && di < n_digests ? digests[di].size : 0; }

EVP_MAC_CTX *hmac_start(int di, const uint8_t *key, size_t key_len) {
  if (!hmac_size(di)) return NULL;
  EVP_MAC_CTX *m = tmac[di];
  if (!m) {
    m = EVP_MAC_CTX_new(hmac);
    OSSL_PARAM p[] = {OSSL_PARAM_construct_utf8_string(OSSL_MAC_PARAM_DIGEST, digests[di].name, 0),
                      OSSL_PARAM_construct_end()};
    if (!m || !EVP_MAC_CTX_set_params(m, p)) {
      EVP_MAC_CTX_free(m);
      ERR_clear_error();
      return NULL;
    }
    tmac[di] = m;
  }
  if (!EVP_MAC_init(m, key, key_len, NULL)) {
    ERR_clear_error();
    return NULL;
  }
  return m;
}

int hmac_finish(EVP_MAC_CTX *m, uint8_t *out) {
  size_t n = 0;
  int ok = EVP_MAC_final(m, out, &n, EVP_MAX_MD_SIZE) == 1;
  if (!ok) ERR_clear_error();
  return ok;
}
