/*
 * OS-neutral description of an SA and a flow, as handed over from the
 * TypeScript platform layer (algorithm names/ids already resolved there).
 */
#ifndef IKED_KERNEL_SPEC_H
#define IKED_KERNEL_SPEC_H

#include <node_api.h>
#include <stdint.h>
#include <stddef.h>

#define IK_MAX_KEY 128
#define IK_ALG_NAME 64

struct ik_addr {
  int family;          /* AF_INET / AF_INET6 of this OS, 0 = unset */
  uint8_t a[16];       /* network order */
  int plen;            /* prefix length (CIDR), full length for plain addresses */
};

enum ik_proto { IK_ESP = 50, IK_AH = 51 };

struct ik_alg {
  int present;
  char name[IK_ALG_NAME];   /* XFRM crypto name, e.g. "rfc4106(gcm(aes))" */
  uint32_t id;              /* PF_KEY SADB_* id */
  uint8_t key[IK_MAX_KEY];
  size_t keylen;            /* bytes, incl. salt */
  uint32_t keybits;         /* bits as the kernel wants them (incl. salt for XFRM) */
  uint32_t bits;            /* ICV bits (AEAD) or truncation bits (auth) */
};

struct ik_sa_spec {
  int proto;                /* IK_ESP / IK_AH */
  int tunnel;               /* 1 tunnel, 0 transport */
  struct ik_addr src, dst;
  uint32_t spi;             /* host order */
  uint32_t reqid;
  struct ik_alg aead, enc, auth;
  int esn;
  uint32_t replay;
  uint64_t soft_s, hard_s, soft_b, hard_b;   /* 0 = unlimited */
  int encap;
  uint16_t sport, dport;
  int has_sel;
  struct ik_addr sel_src, sel_dst;
  int sel_proto;
};

enum ik_dir { IK_DIR_IN = 0, IK_DIR_OUT = 1, IK_DIR_FWD = 2 };

struct ik_flow_spec {
  int dir;
  struct ik_addr src, dst;   /* selectors (CIDR) */
  int proto;
  uint16_t sport, dport;
  struct ik_addr tsrc, tdst; /* tunnel endpoints / SA addresses */
  int sa_proto;              /* IK_ESP / IK_AH */
  int tunnel;
  uint32_t reqid;
  uint32_t priority;
};

/* "192.0.2.1", "2001:db8::1", "10.0.0.0/8"; plain addresses get a full prefix */
int ik_parse_addr(const char *text, struct ik_addr *out);
void ik_format_addr(int family, const void *a, char *out, size_t n);

/* read from JS; return 0 on success, -1 with a JS exception pending */
int ik_read_sa_spec(napi_env env, napi_value obj, struct ik_sa_spec *sa);
int ik_read_flow_spec(napi_env env, napi_value obj, struct ik_flow_spec *f);
int ik_read_proto(napi_env env, napi_value obj, const char *key, int *proto);
int ik_read_addr(napi_env env, napi_value obj, const char *key, struct ik_addr *a, int required);

#endif
