/* Key exchange steps on Node's OpenSSL: ECP (RFC 5903), X25519/X448 (RFC 8031), MODP (RFC 3526). */
#ifndef IKED_CRYPTO_KX_H
#define IKED_CRYPTO_KX_H

#include <stddef.h>
#include <stdint.h>

/* results of the derive steps; < KX_BAD_PEER_LEN is an OpenSSL failure */
#define KX_OK 0
#define KX_BAD_PEER (-1)     /* not on the curve, outside 1 < y < p-1, low order */
#define KX_DEGENERATE (-2)   /* all-zero shared secret */
#define KX_BAD_LENGTH (-3)   /* a buffer of the wrong length */
#define KX_UNSUPPORTED (-4)  /* unknown group index */
#define KX_FAILED (-5)       /* OpenSSL failed (the error queue says why) */

/* index of a prime curve by OpenSSL short name ("prime256v1"), -1 if unknown */
int kx_ecp_index(const char *name);
/* field bytes of the curve at idx */
size_t kx_ecp_field(int idx);
/* public x | y from priv (field bytes, big-endian); fresh: priv is first filled with a random scalar */
int kx_ecp_public(int idx, uint8_t *priv, size_t priv_len, int fresh, uint8_t *pub, size_t pub_len);
/* x of priv * peer; peer is x | y and must be on the curve */
int kx_ecp_secret(int idx, const uint8_t *priv, size_t priv_len, const uint8_t *peer, size_t peer_len,
                  uint8_t *secret, size_t secret_len);

/* X25519 (len 32) or X448 (len 56) */
int kx_ecx_public(size_t len, uint8_t *priv, size_t priv_len, int fresh, uint8_t *pub, size_t pub_len);
int kx_ecx_secret(size_t len, const uint8_t *priv, size_t priv_len, const uint8_t *peer, size_t peer_len,
                  uint8_t *secret, size_t secret_len);

/* MODP group by prime length in bytes (96, 128, 192, 256, 384, 512, 768, 1024); -1 if unknown */
int kx_modp_index(size_t prime_len);
/* bytes of the private exponent we draw for the group (twice its security strength) */
size_t kx_modp_exp_len(int idx);
int kx_modp_public(int idx, uint8_t *priv, size_t priv_len, int fresh, uint8_t *pub, size_t pub_len);
int kx_modp_secret(int idx, const uint8_t *priv, size_t priv_len, const uint8_t *peer, size_t peer_len,
                   uint8_t *secret, size_t secret_len);

/* built once per process, before any of the above */
int kx_init(void);

#endif
