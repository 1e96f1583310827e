/*
 * The parts of a PF_KEYv2 message every dialect writes the same way (RFC 2367:
 * the base header, SA types, key, lifetime and SPI-range extensions). Include it
 * after the OS's (or compat/) pfkeyv2 header, from a dialect's builder.
 */
#ifndef IKED_PFKEY_RFC2367_H
#define IKED_PFKEY_RFC2367_H

#include "pfkey_writer.h"
#include "kernel_spec.h"

#include <arpa/inet.h>

static inline struct sadb_msg *pk_hdr(struct pw *w, int type, int satype, uint32_t seq, uint32_t pid) {
  struct sadb_msg *m = pw_ext(w, sizeof *m);
  if (!m) return NULL;
  m->sadb_msg_version = PF_KEY_V2;
  m->sadb_msg_type = (uint8_t)type;
  m->sadb_msg_satype = (uint8_t)satype;
  m->sadb_msg_seq = seq;
  m->sadb_msg_pid = pid;
  return m;
}

/* The message's length in the header, in 64-bit words; 0 when it did not fit. */
static inline size_t pk_finish(struct pw *w) {
  if (w->overflow) return 0;
  ((struct sadb_msg *)w->buf)->sadb_msg_len = (uint16_t)(w->len / 8);
  return w->len;
}

static inline int pk_satype(int proto) { return proto == IK_AH ? SADB_SATYPE_AH : SADB_SATYPE_ESP; }

static inline void pk_key(struct pw *w, int exttype, const struct ik_alg *alg) {
  struct sadb_key *k = pw_ext(w, sizeof *k + alg->keylen);
  if (!k) return;
  k->sadb_key_len = (uint16_t)(PW_ALIGN8(sizeof *k + alg->keylen) / 8);
  k->sadb_key_exttype = (uint16_t)exttype;
  k->sadb_key_bits = (uint16_t)(alg->keylen * 8);
  memcpy(k + 1, alg->key, alg->keylen);
}

static inline void pk_lifetime(struct pw *w, int exttype, uint64_t bytes, uint64_t secs) {
  struct sadb_lifetime *l = pw_ext(w, sizeof *l);
  if (!l) return;
  l->sadb_lifetime_len = sizeof *l / 8;
  l->sadb_lifetime_exttype = (uint16_t)exttype;
  l->sadb_lifetime_bytes = bytes;
  l->sadb_lifetime_addtime = secs;
}

static inline void pk_spirange(struct pw *w, uint32_t min, uint32_t max) {
  struct sadb_spirange *r = pw_ext(w, sizeof *r);
  if (!r) return;
  r->sadb_spirange_len = sizeof *r / 8;
  r->sadb_spirange_exttype = SADB_EXT_SPIRANGE;
  r->sadb_spirange_min = min;
  r->sadb_spirange_max = max;
}

/* The SA extension (RFC 2367 2.3.1) with only the SPI (DELETE, GET); the dialect fills the rest. */
static inline struct sadb_sa *pk_sa_ext(struct pw *w, uint32_t spi) {
  struct sadb_sa *s = pw_ext(w, sizeof *s);
  if (!s) return NULL;
  s->sadb_sa_len = sizeof *s / 8;
  s->sadb_sa_exttype = SADB_EXT_SA;
  s->sadb_sa_spi = htonl(spi);
  return s;
}

/* The SA extension of ADD/UPDATE: SPI, replay window (in the dialect's unit), mature, algorithms. */
static inline struct sadb_sa *pk_sa_mature(struct pw *w, const struct ik_sa_spec *sa, uint8_t replay) {
  struct sadb_sa *s = pk_sa_ext(w, sa->spi);
  if (!s) return NULL;
  s->sadb_sa_replay = replay;
  s->sadb_sa_state = SADB_SASTATE_MATURE;
  s->sadb_sa_auth = (uint8_t)(sa->auth.present ? sa->auth.id : 0);
  s->sadb_sa_encrypt = (uint8_t)(sa->enc.present ? sa->enc.id : 0);
  return s;
}

/* The hard and soft lifetimes that are set. */
static inline void pk_lifetimes(struct pw *w, const struct ik_sa_spec *sa) {
  if (sa->hard_b || sa->hard_s) pk_lifetime(w, SADB_EXT_LIFETIME_HARD, sa->hard_b, sa->hard_s);
  if (sa->soft_b || sa->soft_s) pk_lifetime(w, SADB_EXT_LIFETIME_SOFT, sa->soft_b, sa->soft_s);
}

/* The authentication and encryption keys of algorithms that have one. */
static inline void pk_keys(struct pw *w, const struct ik_sa_spec *sa) {
  if (sa->auth.present && sa->auth.keylen) pk_key(w, SADB_EXT_KEY_AUTH, &sa->auth);
  if (sa->enc.present && sa->enc.keylen) pk_key(w, SADB_EXT_KEY_ENCRYPT, &sa->enc);
}

/* What every dialect refuses in an SA; NULL when it is fine. */
static inline const char *pk_sa_refused(const struct ik_sa_spec *sa) {
  return sa->proto == IK_ESP && !sa->enc.present ? "an ESP SA needs a cipher" : NULL;
}

#endif
