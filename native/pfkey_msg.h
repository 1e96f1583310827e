/*
 * PF_KEYv2 message builders, one implementation per dialect:
 * pfkey_kame.c (KAME: FreeBSD, NetBSD, macOS and Linux af_key) and
 * pfkey_openbsd.c (OpenBSD, with SADB_X_ADDFLOW/DELFLOW flows).
 * Each returns the message length in bytes, or 0 with *err set.
 */
#ifndef IKED_PFKEY_MSG_H
#define IKED_PFKEY_MSG_H

#include "kernel_spec.h"

enum { PFK_FLOW_ADD = 0, PFK_FLOW_DELETE = 1, PFK_FLOW_UPDATE = 2 };

struct pfk_ops {
  const char *name; /* "kame" / "openbsd" */
  size_t (*getspi)(uint8_t *buf, size_t cap, const struct ik_sa_spec *sa, uint32_t min, uint32_t max, uint32_t seq,
                   uint32_t pid, const char **err);
  size_t (*sa)(uint8_t *buf, size_t cap, const struct ik_sa_spec *sa, int update, uint32_t seq, uint32_t pid,
               const char **err);
  /* type: SADB_DELETE or SADB_GET (same numbers in every dialect: 4, 5); src may be unset */
  size_t (*said)(uint8_t *buf, size_t cap, int type, const struct ik_sa_spec *sa, uint32_t seq, uint32_t pid,
                 const char **err);
  /* action: PFK_FLOW_ADD, PFK_FLOW_DELETE, or PFK_FLOW_UPDATE (replace the template of an existing policy) */
  size_t (*flow)(uint8_t *buf, size_t cap, const struct ik_flow_spec *f, int action, uint32_t seq, uint32_t pid,
                 const char **err);
  size_t (*reg)(uint8_t *buf, size_t cap, int proto, uint32_t seq, uint32_t pid, const char **err);
};

extern const struct pfk_ops pfk_kame_ops;
extern const struct pfk_ops pfk_openbsd_ops;

#endif
