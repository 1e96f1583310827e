/*
 * iked_crypto.node: per-message cryptography on the libcrypto Node itself uses (its symbols
 * resolve against the node binary; nothing is linked here). A small fixed surface that takes
 * Buffers and writes into Buffers, returning status numbers: no objects per call.
 *   kxGroup(kind, name | primeBytes | keyBytes) -> index, -1 if unsupported; kind 0 ECP, 1 X25519/X448, 2 MODP
 *   kxPrivateLength(kind, index) -> bytes of our private value
 *   kxPublic(kind, index, priv, fresh, pub) -> status
 *   kxSecret(kind, index, priv, peer, secret) -> status
 *   kxRespond(kind, index, peer, pub, secret) -> status (a fresh private value that never leaves C)
 *   skCipher(name) / hmacDigest(name) -> index, -1 if unusable
 *   skSeal(ci, di, icvLen, encKey, integKey | null, aad, plain, out) -> status
 *   skOpen(ci, di, icvLen, encKey, integKey | null, aad, body, out) -> decrypted length or status
 *   prf(di, key, d0, d1 | null, d2 | null, d3 | null, out) -> status: out = HMAC(key, d0 | d1 | d2 | d3)
 *   prfPlus(di, key, seed, out) -> status: out = prf+(key, seed)
 *   skeyseedPlus(di, salt, ikm, seed, out) -> status: out = prf+(prf(salt, ikm), seed)
 *   digestIndex(name) -> index, -1 if unusable
 *   digest(di, d0, d1 | null, d2 | null, d3 | null, out) -> status: out = H(d0 | d1 | d2 | d3)
 */
#include <openssl/crypto.h>
#include <openssl/opensslv.h>
#include <string.h>

#include "crypto_digest.h"
#include "crypto_hmac.h"
#include "crypto_kdf.h"
#include "crypto_kx.h"
#include "crypto_sk.h"
#include "napi_util.h"

enum { KX_ECP = 0, KX_ECX = 1, KX_MODP = 2 };


struct buf {
  uint8_t *p;
  size_t n;
};

static int args(napi_env env, napi_callback_info info, size_t want, napi_value *argv) {
  size_t argc = want;
  if (napi_get_cb_info(env, info, &argc, argv, NULL, NULL) != napi_ok || argc < want) {
    nu_throw(env, "expected %zu arguments", want);
    return 0;
  }
  return 1;
}

static int int_arg(napi_env env, napi_value v, int32_t *out) {
  if (napi_get_value_int32(env, v, out) != napi_ok) {
    nu_throw(env, "expected a number");
    return 0;
  }
  return 1;
}

/* a Buffer argument; null or undefined gives an empty one when optional */
static int buf_arg(napi_env env, napi_value v, struct buf *b, int optional) {
  void *data = NULL;
  size_t n = 0;
  if (optional) {
    napi_valuetype t;
    napi_typeof(env, v, &t);
    if (t == napi_null || t == napi_undefined) {
      b->p = NULL;
      b->n = 0;
      return 1;
    }
  }
  if (napi_get_buffer_info(env, v, &data, &n) != napi_ok) {
    nu_throw(env, "expected a Buffer");
    return 0;
  }
  static uint8_t empty[1];
  b->p = data ? data : empty; /* a zero-length Buffer may have no data: never pass NULL for it */
  b->n = n;
  return 1;
}

static napi_value int_val(napi_env env, long v) {
  napi_value r;
  napi_create_int64(env, v, &r);
  return r;
}

static napi_value kx_group(napi_env env, napi_callback_info info) {
  napi_value a[2];
  int32_t kind, size = 0;
  if (!args(env, info, 2, a) || !int_arg(env, a[0], &kind)) return NULL;
  if (kind == KX_ECP) {
    char name[32];
    size_t n;
    if (napi_get_value_string_utf8(env, a[1], name, sizeof(name), &n) != napi_ok) return nu_throw(env, "expected a curve name");
    return int_val(env, kx_ecp_index(name));
  }
  if (!int_arg(env, a[1], &size)) return NULL;
  if (kind == KX_MODP) return int_val(env, kx_modp_index((size_t)size));
  if (kind == KX_ECX) return int_val(env, kx_init() && (size == 32 || size == 56) ? size : -1);
  return int_val(env, -1);
}

static size_t priv_len(int kind, int idx) {
  switch (kind) {
    case KX_ECP:
      return kx_ecp_field(idx);
    case KX_ECX:
      return (size_t)idx;
    case KX_MODP:
      return kx_modp_exp_len(idx);
  }
  return 0;
}

static napi_value kx_private_length(napi_env env, napi_callback_info info) {
  napi_value a[2];
  int32_t kind, idx;
  if (!args(env, info, 2, a) || !int_arg(env, a[0], &kind) || !int_arg(env, a[1], &idx)) return NULL;
  return int_val(env, (long)priv_len(kind, idx));
}

static int do_public(int kind, int idx, uint8_t *priv, size_t pl, int fresh, uint8_t *pub, size_t pn) {
  switch (kind) {
    case KX_ECP:
      return kx_ecp_public(idx, priv, pl, fresh, pub, pn);
    case KX_ECX:
      return kx_ecx_public((size_t)idx, priv, pl, fresh, pub, pn);
    case KX_MODP:
      return kx_modp_public(idx, priv, pl, fresh, pub, pn);
  }
  return KX_UNSUPPORTED;
}

static int do_secret(int kind, int idx, const uint8_t *priv, size_t pl, const struct buf *peer, struct buf *s) {
  switch (kind) {
    case KX_ECP:
      return kx_ecp_secret(idx, priv, pl, peer->p, peer->n, s->p, s->n);
    case KX_ECX:
      return kx_ecx_secret((size_t)idx, priv, pl, peer->p, peer->n, s->p, s->n);
    case KX_MODP:
      return kx_modp_secret(idx, priv, pl, peer->p, peer->n, s->p, s->n);
  }
  return KX_UNSUPPORTED;
}

static napi_value kx_public(napi_env env, napi_callback_info info) {
  napi_value a[5];
  int32_t kind, idx;
  bool fresh;
  struct buf priv, pub;
  if (!args(env, info, 5, a) || !int_arg(env, a[0], &kind) || !int_arg(env, a[1], &idx) || !buf_arg(env, a[2], &priv, 0) ||
      napi_get_value_bool(env, a[3], &fresh) != napi_ok || !buf_arg(env, a[4], &pub, 0))
    return NULL;
  return int_val(env, do_public(kind, idx, priv.p, priv.n, fresh, pub.p, pub.n));
}

/* (kind, index, three Buffers) */
static int kx_buffers(napi_env env, napi_callback_info info, int32_t *kind, int32_t *idx, struct buf b[3]) {
  napi_value a[5];
  return args(env, info, 5, a) && int_arg(env, a[0], kind) && int_arg(env, a[1], idx) && buf_arg(env, a[2], &b[0], 0) &&
         buf_arg(env, a[3], &b[1], 0) && buf_arg(env, a[4], &b[2], 0);
}

/* (kind, index, priv, peer, secret) */
static napi_value kx_secret(napi_env env, napi_callback_info info) {
  int32_t kind, idx;
  struct buf b[3];
  if (!kx_buffers(env, info, &kind, &idx, b)) return NULL;
  return int_val(env, do_secret(kind, idx, b[0].p, b[0].n, &b[1], &b[2]));
}

/* (kind, index, peer, pub, secret) */
static napi_value kx_respond(napi_env env, napi_callback_info info) {
  int32_t kind, idx;
  struct buf b[3];
  if (!kx_buffers(env, info, &kind, &idx, b)) return NULL;
  uint8_t priv[128];
  size_t pl = priv_len(kind, idx);
  if (!pl || pl > sizeof(priv)) return int_val(env, KX_UNSUPPORTED);
  int rc = do_public(kind, idx, priv, pl, 1, b[1].p, b[1].n);
  if (rc == KX_OK) rc = do_secret(kind, idx, priv, pl, &b[0], &b[2]);
  OPENSSL_cleanse(priv, sizeof(priv));
  return int_val(env, rc);
}

static napi_value sk_index(napi_env env, napi_callback_info info, int (*fn)(const char *)) {
  napi_value a[1];
  char name[32];
  size_t n;
  if (!args(env, info, 1, a)) return NULL;
  if (napi_get_value_string_utf8(env, a[0], name, sizeof(name), &n) != napi_ok) return nu_throw(env, "expected a name");
  return int_val(env, fn(name));
}

static napi_value sk_cipher(napi_env env, napi_callback_info info) { return sk_index(env, info, sk_cipher_index); }
static napi_value hmac_digest(napi_env env, napi_callback_info info) { return sk_index(env, info, hmac_digest_index); }
static napi_value digest_idx(napi_env env, napi_callback_info info) { return sk_index(env, info, digest_index); }

/* (ci, di, icvLen, encKey, integKey | null, aad, in, out) */
static int sk_args(napi_env env, napi_callback_info info, struct sk_call *c, struct buf *in, struct buf *out) {
  napi_value a[8];
  int32_t ci, di, icv;
  struct buf ek, ik, aad;
  if (!args(env, info, 8, a) || !int_arg(env, a[0], &ci) || !int_arg(env, a[1], &di) || !int_arg(env, a[2], &icv) ||
      !buf_arg(env, a[3], &ek, 0) || !buf_arg(env, a[4], &ik, 1) || !buf_arg(env, a[5], &aad, 0) ||
      !buf_arg(env, a[6], in, 0) || !buf_arg(env, a[7], out, 0))
    return 0;
  if (icv < 0) {
    nu_throw(env, "negative ICV length");
    return 0;
  }
  *c = (struct sk_call){.ci = ci, .di = di, .icv_len = (size_t)icv, .ekey = ek.p, .ekey_len = ek.n,
                        .ikey = ik.p, .ikey_len = ik.n, .aad = aad.p, .aad_len = aad.n};
  return 1;
}

static napi_value sk_seal_fn(napi_env env, napi_callback_info info) {
  struct sk_call c;
  struct buf in, out;
  if (!sk_args(env, info, &c, &in, &out)) return NULL;
  return int_val(env, sk_seal(&c, in.p, in.n, out.p, out.n));
}

static napi_value sk_open_fn(napi_env env, napi_callback_info info) {
  struct sk_call c;
  struct buf in, out;
  if (!sk_args(env, info, &c, &in, &out)) return NULL;
  return int_val(env, sk_open(&c, in.p, in.n, out.p, out.n));
}

static int status(int ok) { return ok ? 0 : KX_FAILED; }

/* d0 and up to three more parts (null: left out) from argv; the count, -1 on a bad argument */
static int parts_arg(napi_env env, napi_value *argv, struct kdf_part *parts) {
  int n = 0;
  for (int i = 0; i < KDF_MAX_PARTS; i++) {
    struct buf d;
    if (!buf_arg(env, argv[i], &d, i > 0)) return -1;
    if (d.p) parts[n++] = (struct kdf_part){d.p, d.n};
  }
  return n;
}

static napi_value prf_fn(napi_env env, napi_callback_info info) {
  napi_value a[7];
  int32_t di;
  struct buf key, out;
  struct kdf_part parts[KDF_MAX_PARTS];
  if (!args(env, info, 7, a) || !int_arg(env, a[0], &di) || !buf_arg(env, a[1], &key, 0) || !buf_arg(env, a[6], &out, 0)) return NULL;
  int n = parts_arg(env, a + 2, parts);
  if (n < 0) return NULL;
  if (out.n != hmac_size(di)) return int_val(env, KX_BAD_LENGTH);
  return int_val(env, status(kdf_prf(di, key.p, key.n, parts, n, out.p)));
}

static napi_value digest_fn(napi_env env, napi_callback_info info) {
  napi_value a[6];
  int32_t di;
  struct buf out;
  struct kdf_part parts[KDF_MAX_PARTS];
  if (!args(env, info, 6, a) || !int_arg(env, a[0], &di) || !buf_arg(env, a[5], &out, 0)) return NULL;
  int n = parts_arg(env, a + 1, parts);
  if (n < 0) return NULL;
  if (out.n != digest_size(di)) return int_val(env, KX_BAD_LENGTH);
  return int_val(env, status(digest_parts(di, parts, n, out.p)));
}

static napi_value prf_plus_fn(napi_env env, napi_callback_info info) {
  napi_value a[4];
  int32_t di;
  struct buf key, seed, out;
  if (!args(env, info, 4, a) || !int_arg(env, a[0], &di) || !buf_arg(env, a[1], &key, 0) || !buf_arg(env, a[2], &seed, 0) ||
      !buf_arg(env, a[3], &out, 0))
    return NULL;
  return int_val(env, status(kdf_prf_plus(di, key.p, key.n, seed.p, seed.n, out.p, out.n)));
}

static napi_value skeyseed_plus_fn(napi_env env, napi_callback_info info) {
  napi_value a[5];
  int32_t di;
  struct buf salt, ikm, seed, out;
  if (!args(env, info, 5, a) || !int_arg(env, a[0], &di) || !buf_arg(env, a[1], &salt, 0) || !buf_arg(env, a[2], &ikm, 0) ||
      !buf_arg(env, a[3], &seed, 0) || !buf_arg(env, a[4], &out, 0))
    return NULL;
  return int_val(env, status(kdf_skeyseed_plus(di, salt.p, salt.n, ikm.p, ikm.n, seed.p, seed.n, out.p, out.n)));
}

static napi_value openssl_version(napi_env env, napi_callback_info info) {
  return nu_str(env, OpenSSL_version(OPENSSL_VERSION));
}

/* usable only on the OpenSSL major version the headers describe (3.x: a stable ABI) */
static napi_value usable(napi_env env, napi_callback_info info) {
  return nu_bool(env, OPENSSL_version_major() == OPENSSL_VERSION_MAJOR && kx_init());
}

static napi_value init(napi_env env, napi_value exports) {
  nu_export(env, exports, "usable", usable);
  nu_export(env, exports, "opensslVersion", openssl_version);
  nu_export(env, exports, "kxGroup", kx_group);
  nu_export(env, exports, "kxPrivateLength", kx_private_length);
  nu_export(env, exports, "kxPublic", kx_public);
  nu_export(env, exports, "kxSecret", kx_secret);
  nu_export(env, exports, "kxRespond", kx_respond);
  nu_export(env, exports, "skCipher", sk_cipher);
  nu_export(env, exports, "hmacDigest", hmac_digest);
  nu_export(env, exports, "skSeal", sk_seal_fn);
  nu_export(env, exports, "skOpen", sk_open_fn);
  nu_export(env, exports, "prf", prf_fn);
  nu_export(env, exports, "prfPlus", prf_plus_fn);
  nu_export(env, exports, "skeyseedPlus", skeyseed_plus_fn);
  nu_export(env, exports, "digestIndex", digest_idx);
  nu_export(env, exports, "digest", digest_fn);
  return exports;
}

NAPI_MODULE(NODE_GYP_MODULE_NAME, init)
