/*
 * Key exchange steps on the libcrypto Node itself links: our fresh key is never
 * re-checked (we made it), the peer's value is checked as RFC 7296 2.12 and the
 * group's RFC require: an ECP point must lie on the curve (EC_POINT_oct2point),
 * a MODP value must satisfy 1 < y < p-1, X25519/X448 must not give an all-zero
 * secret. Scalar multiplication and exponentiation are OpenSSL's constant-time ones.
 */
#include "crypto_kx.h"

#include <openssl/bn.h>
#include <openssl/crypto.h>
#include <openssl/ec.h>
#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/obj_mac.h>
#include <openssl/objects.h>
#include <openssl/rand.h>
#include <pthread.h>
#include <string.h>

struct ecp_curve {
  int nid;
  size_t field;
  EC_GROUP *group;
};

static struct ecp_curve ecp[] = {
    {NID_X9_62_prime256v1, 32, NULL}, {NID_secp384r1, 48, NULL},       {NID_secp521r1, 66, NULL},
    {NID_X9_62_prime192v1, 24, NULL}, {NID_secp224r1, 28, NULL},       {NID_brainpoolP224r1, 28, NULL},
    {NID_brainpoolP256r1, 32, NULL},  {NID_brainpoolP384r1, 48, NULL}, {NID_brainpoolP512r1, 64, NULL},
};
#define N_ECP (sizeof(ecp) / sizeof(ecp[0]))

struct modp_group {
  size_t len;       /* prime bytes */
  int exp_bits;     /* private exponent bits: OpenSSL's key length for its named MODP groups */
  BIGNUM *(*prime)(BIGNUM *);
  BIGNUM *p, *p_minus_1, *g, *exp_bound;
  BN_MONT_CTX *mont;
};

static struct modp_group modp[] = {
    {96, 160, BN_get_rfc2409_prime_768, NULL, NULL, NULL, NULL, NULL},
    {128, 160, BN_get_rfc2409_prime_1024, NULL, NULL, NULL, NULL, NULL},
    {192, 200, BN_get_rfc3526_prime_1536, NULL, NULL, NULL, NULL, NULL},
    {256, 225, BN_get_rfc3526_prime_2048, NULL, NULL, NULL, NULL, NULL},
    {384, 275, BN_get_rfc3526_prime_3072, NULL, NULL, NULL, NULL, NULL},
    {512, 325, BN_get_rfc3526_prime_4096, NULL, NULL, NULL, NULL, NULL},
    {768, 375, BN_get_rfc3526_prime_6144, NULL, NULL, NULL, NULL, NULL},
    {1024, 400, BN_get_rfc3526_prime_8192, NULL, NULL, NULL, NULL, NULL},
};
#define N_MODP (sizeof(modp) / sizeof(modp[0]))

static pthread_once_t once = PTHREAD_ONCE_INIT;
static int init_ok;
static __thread BN_CTX *tctx;

static void init_groups(void) {
  BN_CTX *ctx = BN_CTX_new();
  if (!ctx) return;
  for (size_t i = 0; i < N_ECP; i++) ecp[i].group = EC_GROUP_new_by_curve_name(ecp[i].nid); /* NULL: not in this build */
  ERR_clear_error();
  for (size_t i = 0; i < N_MODP; i++) {
    struct modp_group *m = &modp[i];
    m->p = m->prime(NULL);
    m->p_minus_1 = BN_dup(m->p);
    m->g = BN_new();
    m->exp_bound = BN_new();
    m->mont = BN_MONT_CTX_new();
    if (!m->p || !m->p_minus_1 || !m->g || !m->exp_bound || !m->mont || !BN_sub_word(m->p_minus_1, 1) ||
        !BN_set_word(m->g, 2) || !BN_set_bit(m->exp_bound, m->exp_bits) || !BN_MONT_CTX_set(m->mont, m->p, ctx)) {
      BN_CTX_free(ctx);
      return;
    }
  }
  BN_CTX_free(ctx);
  init_ok = 1;
}

int kx_init(void) {
  pthread_once(&once, init_groups);
  return init_ok;
}

static BN_CTX *bn_ctx(void) {
  if (!tctx) tctx = BN_CTX_new();
  return tctx;
}

/* a uniform secret in [1, bound) */
static int rand_scalar(BIGNUM *k, const BIGNUM *bound) {
  do {
    if (!BN_priv_rand_range(k, bound)) return 0;
  } while (BN_is_zero(k));
  return 1;
}

static int all_zero(const uint8_t *b, size_t n) {
  uint8_t acc = 0;
  for (size_t i = 0; i < n; i++) acc |= b[i];
  return acc == 0;
}

/* ---- ECP ---- */

int kx_ecp_index(const char *name) {
  if (!kx_init()) return -1;
  int nid = OBJ_sn2nid(name);
  if (nid == NID_undef) nid = EC_curve_nist2nid(name);
  for (size_t i = 0; i < N_ECP; i++)
    if (ecp[i].nid == nid && ecp[i].group) return (int)i;
  return -1;
}

size_t kx_ecp_field(int idx) { return idx >= 0 && (size_t)idx < N_ECP ? ecp[idx].field : 0; }

int kx_ecp_public(int idx, uint8_t *priv, size_t priv_len, int fresh, uint8_t *pub, size_t pub_len) {
  if (idx < 0 || (size_t)idx >= N_ECP || !ecp[idx].group) return KX_UNSUPPORTED;
  const struct ecp_curve *c = &ecp[idx];
  if (priv_len != c->field || pub_len != 2 * c->field) return KX_BAD_LENGTH;
  BN_CTX *ctx = bn_ctx();
  if (!ctx) return KX_FAILED;
  int rc = KX_FAILED;
  EC_POINT *pt = EC_POINT_new(c->group);
  BN_CTX_start(ctx);
  BIGNUM *k = BN_CTX_get(ctx), *x = BN_CTX_get(ctx), *y = BN_CTX_get(ctx);
  if (!pt || !y) goto out;
  BN_set_flags(k, BN_FLG_CONSTTIME);
  const BIGNUM *order = EC_GROUP_get0_order(c->group);
  if (fresh) {
    if (!rand_scalar(k, order) || BN_bn2binpad(k, priv, (int)priv_len) < 0) goto out;
  } else {
    if (!BN_bin2bn(priv, (int)priv_len, k)) goto out;
    if (BN_is_zero(k) || BN_cmp(k, order) >= 0) {
      rc = KX_BAD_LENGTH;
      goto out;
    }
  }
  if (!EC_POINT_mul(c->group, pt, k, NULL, NULL, ctx) || !EC_POINT_get_affine_coordinates(c->group, pt, x, y, ctx) ||
      BN_bn2binpad(x, pub, (int)c->field) < 0 || BN_bn2binpad(y, pub + c->field, (int)c->field) < 0)
    goto out;
  rc = KX_OK;
out:
  BN_clear(k);
  BN_CTX_end(ctx);
  EC_POINT_free(pt);
  return rc;
}

int kx_ecp_secret(int idx, const uint8_t *priv, size_t priv_len, const uint8_t *peer, size_t peer_len,
                  uint8_t *secret, size_t secret_len) {
  if (idx < 0 || (size_t)idx >= N_ECP || !ecp[idx].group) return KX_UNSUPPORTED;
  const struct ecp_curve *c = &ecp[idx];
  if (priv_len != c->field || secret_len != c->field) return KX_BAD_LENGTH;
  if (peer_len != 2 * c->field) return KX_BAD_PEER;
  BN_CTX *ctx = bn_ctx();
  if (!ctx) return KX_FAILED;
  uint8_t oct[1 + 2 * 66];
  oct[0] = 0x04; /* uncompressed: oct2point checks each coordinate < p and the point on the curve */
  memcpy(oct + 1, peer, peer_len);
  int rc = KX_FAILED;
  EC_POINT *q = EC_POINT_new(c->group), *r = EC_POINT_new(c->group);
  BN_CTX_start(ctx);
  BIGNUM *k = BN_CTX_get(ctx), *x = BN_CTX_get(ctx);
  if (!q || !r || !x) goto out;
  BN_set_flags(k, BN_FLG_CONSTTIME);
  if (!BN_bin2bn(priv, (int)priv_len, k)) goto out;
  if (!EC_POINT_oct2point(c->group, q, oct, 1 + peer_len, ctx) || EC_POINT_is_at_infinity(c->group, q)) {
    ERR_clear_error();
    rc = KX_BAD_PEER;
    goto out;
  }
  if (!EC_POINT_mul(c->group, r, NULL, q, k, ctx)) goto out;
  if (EC_POINT_is_at_infinity(c->group, r)) {
    rc = KX_DEGENERATE;
    goto out;
  }
  if (!EC_POINT_get_affine_coordinates(c->group, r, x, NULL, ctx) || BN_bn2binpad(x, secret, (int)secret_len) < 0)
    goto out;
  rc = all_zero(secret, secret_len) ? KX_DEGENERATE : KX_OK;
out:
  BN_clear(k);
  BN_clear(x);
  BN_CTX_end(ctx);
  EC_POINT_clear_free(r);
  EC_POINT_free(q);
  return rc;
}

/* ---- X25519 / X448 ---- */

static const char *ecx_name(size_t len) { return len == 32 ? "X25519" : len == 56 ? "X448" : NULL; }

int kx_ecx_public(size_t len, uint8_t *priv, size_t priv_len, int fresh, uint8_t *pub, size_t pub_len) {
  const char *name = ecx_name(len);
  if (!name) return KX_UNSUPPORTED;
  if (priv_len != len || pub_len != len) return KX_BAD_LENGTH;
  if (fresh && RAND_priv_bytes(priv, (int)len) != 1) return KX_FAILED;
  EVP_PKEY *pk = EVP_PKEY_new_raw_private_key_ex(NULL, name, NULL, priv, len);
  size_t n = pub_len;
  int ok = pk && EVP_PKEY_get_raw_public_key(pk, pub, &n) == 1 && n == len;
  EVP_PKEY_free(pk);
  return ok ? KX_OK : KX_FAILED;
}

int kx_ecx_secret(size_t len, const uint8_t *priv, size_t priv_len, const uint8_t *peer, size_t peer_len,
                  uint8_t *secret, size_t secret_len) {
  const char *name = ecx_name(len);
  if (!name) return KX_UNSUPPORTED;
  if (priv_len != len || secret_len != len) return KX_BAD_LENGTH;
  if (peer_len != len) return KX_BAD_PEER;
  int rc = KX_FAILED;
  EVP_PKEY *pk = EVP_PKEY_new_raw_private_key_ex(NULL, name, NULL, priv, len);
  EVP_PKEY *pp = EVP_PKEY_new_raw_public_key_ex(NULL, name, NULL, peer, len);
  EVP_PKEY_CTX *dc = pk ? EVP_PKEY_CTX_new_from_pkey(NULL, pk, NULL) : NULL;
  size_t n = secret_len;
  if (!pp) rc = KX_BAD_PEER;
  else if (dc && EVP_PKEY_derive_init(dc) == 1 && EVP_PKEY_derive_set_peer_ex(dc, pp, 0) == 1) {
    /* OpenSSL refuses an all-zero X25519/X448 result (a low-order peer value) */
    rc = EVP_PKEY_derive(dc, secret, &n) == 1 && n == len ? KX_OK : KX_BAD_PEER;
  }
  ERR_clear_error();
  if (rc == KX_OK && all_zero(secret, len)) rc = KX_DEGENERATE;
  EVP_PKEY_CTX_free(dc);
  EVP_PKEY_free(pp);
  EVP_PKEY_free(pk);
  return rc;
}

/* ---- MODP ---- */

int kx_modp_index(size_t prime_len) {
  if (!kx_init()) return -1;
  for (size_t i = 0; i < N_MODP; i++)
    if (modp[i].len == prime_len) return (int)i;
  return -1;
}

size_t kx_modp_exp_len(int idx) {
  return idx >= 0 && (size_t)idx < N_MODP ? (size_t)(modp[idx].exp_bits + 7) / 8 : 0;
}

static const struct modp_group *modp_at(int idx) {
  return idx >= 0 && (size_t)idx < N_MODP && init_ok ? &modp[idx] : NULL;
}

int kx_modp_public(int idx, uint8_t *priv, size_t priv_len, int fresh, uint8_t *pub, size_t pub_len) {
  const struct modp_group *m = modp_at(idx);
  if (!m) return KX_UNSUPPORTED;
  if (priv_len != kx_modp_exp_len(idx) || pub_len != m->len) return KX_BAD_LENGTH;
  BN_CTX *ctx = bn_ctx();
  if (!ctx) return KX_FAILED;
  int rc = KX_FAILED;
  BN_CTX_start(ctx);
  BIGNUM *k = BN_CTX_get(ctx), *y = BN_CTX_get(ctx);
  if (!y) goto out;
  BN_set_flags(k, BN_FLG_CONSTTIME);
  if (fresh) {
    if (!rand_scalar(k, m->exp_bound) || BN_bn2binpad(k, priv, (int)priv_len) < 0) goto out;
  } else if (!BN_bin2bn(priv, (int)priv_len, k) || BN_is_zero(k)) {
    rc = KX_BAD_LENGTH;
    goto out;
  }
  if (!BN_mod_exp_mont_consttime(y, m->g, k, m->p, ctx, m->mont) || BN_bn2binpad(y, pub, (int)m->len) < 0) goto out;
  rc = KX_OK;
out:
  BN_clear(k);
  BN_CTX_end(ctx);
  return rc;
}

int kx_modp_secret(int idx, const uint8_t *priv, size_t priv_len, const uint8_t *peer, size_t peer_len,
                   uint8_t *secret, size_t secret_len) {
  const struct modp_group *m = modp_at(idx);
  if (!m) return KX_UNSUPPORTED;
  if (priv_len != kx_modp_exp_len(idx) || secret_len != m->len) return KX_BAD_LENGTH;
  if (peer_len != m->len) return KX_BAD_PEER;
  BN_CTX *ctx = bn_ctx();
  if (!ctx) return KX_FAILED;
  int rc = KX_FAILED;
  BN_CTX_start(ctx);
  BIGNUM *k = BN_CTX_get(ctx), *y = BN_CTX_get(ctx), *z = BN_CTX_get(ctx);
  if (!z || !BN_bin2bn(peer, (int)peer_len, y) || !BN_bin2bn(priv, (int)priv_len, k)) goto out;
  BN_set_flags(k, BN_FLG_CONSTTIME);
  if (BN_cmp(y, BN_value_one()) <= 0 || BN_cmp(y, m->p_minus_1) >= 0) {
    rc = KX_BAD_PEER;
    goto out;
  }
  if (!BN_mod_exp_mont_consttime(z, y, k, m->p, ctx, m->mont) || BN_bn2binpad(z, secret, (int)secret_len) < 0) goto out;
  rc = KX_OK;
out:
  BN_clear(k);
  BN_clear(z);
  BN_CTX_end(ctx);
  return rc;
}
