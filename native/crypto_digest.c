/*
 * Plain digests (NAT detection's SHA-1, RFC 7296 2.23) in one call: each EVP_MD is fetched
 * once per process and the thread's EVP_MD_CTX is re-initialised per call, so a call does
 * no provider lookup and no allocation.
 */
#include "crypto_digest.h"

#include <openssl/err.h>
#include <openssl/evp.h>
#include <pthread.h>
#include <string.h>
#include <strings.h>

#define MAX_DIGESTS 8

struct digest_entry {
  char name[32];
  EVP_MD *md;
  size_t size;
};

static struct digest_entry digests[MAX_DIGESTS];
static int n_digests;
static pthread_mutex_t reg_lock = PTHREAD_MUTEX_INITIALIZER;
static __thread EVP_MD_CTX *tctx;

int digest_index(const char *name) {
  int idx = -1;
  pthread_mutex_lock(&reg_lock);
  for (int i = 0; i < n_digests; i++)
    if (!strcasecmp(digests[i].name, name)) idx = i;
  if (idx < 0 && n_digests < MAX_DIGESTS && strlen(name) < sizeof(digests[0].name)) {
    EVP_MD *md = EVP_MD_fetch(NULL, name, NULL);
    if (md) {
      strcpy(digests[n_digests].name, name);
      digests[n_digests].md = md;
      digests[n_digests].size = (size_t)EVP_MD_get_size(md);
      idx = n_digests++;
    }
  }
  pthread_mutex_unlock(&reg_lock);
  ERR_clear_error();
  return idx;
}

size_t digest_size(int di) { return di >= 0 && di < n_digests ? digests[di].size : 0; }

int digest_parts(int di, const struct kdf_part *parts, int n, uint8_t *out) {
  if (!digest_size(di)) return 0;
  if (!tctx) tctx = EVP_MD_CTX_new();
  int ok = tctx && EVP_DigestInit_ex2(tctx, digests[di].md, NULL);
  for (int i = 0; ok && i < n; i++)
    if (parts[i].n) ok = EVP_DigestUpdate(tctx, parts[i].p, parts[i].n);
  ok = ok && EVP_DigestFinal_ex(tctx, out, NULL);
  if (!ok) ERR_clear_error();
  return ok;
}
