/*
 * OpenBSD PFKEYv2 builders: SAs with SADB_GETSPI/ADD/UPDATE/DELETE/GET
 * (tunnel mode, ESN and ESP-in-UDP as SA flags, SADB_X_EXT_UDPENCAP port),
 * flows with SADB_X_ADDFLOW/DELFLOW (SADB_X_EXT_FLOW_TYPE, SRC/DST_FLOW,
 * SRC/DST_MASK, SADB_X_EXT_PROTOCOL). Headers: compat/pfkey_openbsd_os.h.
 */
#include "compat/pfkey_openbsd_os.h"
#include "pfkey_msg.h"
#include "pfkey_rfc2367.h"

#include <arpa/inet.h>
#include <netinet/in.h>

static void address(struct pw *w, int exttype, const struct ik_addr *a, uint16_t port) {
  size_t sl = pw_sockaddr_len(a);
  struct sadb_address *x = pw_ext(w, sizeof *x + sl);
  if (!x) return;
  x->sadb_address_len = (uint16_t)(PW_ALIGN8(sizeof *x + sl) / 8);
  x->sadb_address_exttype = (uint16_t)exttype;
  pw_sockaddr((uint8_t *)(x + 1), a, port, IKC_SOCKADDR_HAS_LEN, IKC_AF_INET, IKC_AF_INET6);
}

static size_t o_getspi(uint8_t *buf, size_t cap, const struct ik_sa_spec *sa, uint32_t min, uint32_t max,
                       uint32_t seq, uint32_t pid, const char **err) {
  struct pw w = {buf, cap, 0, 0};
  *err = NULL;
  pk_hdr(&w, SADB_GETSPI, pk_satype(sa->proto), seq, pid);
  address(&w, SADB_EXT_ADDRESS_SRC, &sa->src, 0);
  address(&w, SADB_EXT_ADDRESS_DST, &sa->dst, 0);
  pk_spirange(&w, min, max);
  return pk_finish(&w);
}

/*
 * AEAD on OpenBSD: the cipher (SADB_X_EALG_AESGCM16 / CHACHA20POLY1305) carries
 * key + salt; the "auth" algorithm names the matching GMAC/Poly1305 with no key.
 * The platform layer passes both as enc/auth.
 */
static size_t o_sa(uint8_t *buf, size_t cap, const struct ik_sa_spec *sa, int update, uint32_t seq, uint32_t pid,
                   const char **err) {
  struct pw w = {buf, cap, 0, 0};
  *err = NULL;
  if (sa->aead.present) {
    *err = "OpenBSD PF_KEY takes AEAD as cipher + GMAC ids (pass enc/auth)";
    return 0;
  }
  if ((*err = pk_sa_refused(sa)) != NULL) return 0;
  pk_hdr(&w, update ? SADB_UPDATE : SADB_ADD, pk_satype(sa->proto), seq, pid);
  struct sadb_sa *s = pk_sa_mature(&w, sa, (uint8_t)(sa->replay > 64 ? 64 : sa->replay)); /* packets, max 64 */
  if (s) {
    if (sa->tunnel) s->sadb_sa_flags |= SADB_X_SAFLAGS_TUNNEL;
    if (sa->esn) s->sadb_sa_flags |= SADB_X_SAFLAGS_ESN;
    if (sa->encap) s->sadb_sa_flags |= SADB_X_SAFLAGS_UDPENCAP;
  }
  pk_lifetimes(&w, sa);
  address(&w, SADB_EXT_ADDRESS_SRC, &sa->src, 0);
  address(&w, SADB_EXT_ADDRESS_DST, &sa->dst, 0);
  pk_keys(&w, sa);
  if (sa->encap) {
    struct sadb_x_udpencap *u = pw_ext(&w, sizeof *u);
    if (u) {
      u->sadb_x_udpencap_len = sizeof *u / 8;
      u->sadb_x_udpencap_exttype = SADB_X_EXT_UDPENCAP;
      u->sadb_x_udpencap_port = htons(sa->dport);
    }
  }
  return pk_finish(&w);
}

static size_t o_said(uint8_t *buf, size_t cap, int type, const struct ik_sa_spec *sa, uint32_t seq, uint32_t pid,
                     const char **err) {
  struct pw w = {buf, cap, 0, 0};
  *err = NULL;
  pk_hdr(&w, type, pk_satype(sa->proto), seq, pid);
  pk_sa_ext(&w, sa->spi);
  if (sa->src.family) address(&w, SADB_EXT_ADDRESS_SRC, &sa->src, 0);
  address(&w, SADB_EXT_ADDRESS_DST, &sa->dst, 0);
  return pk_finish(&w);
}

static size_t o_flow(uint8_t *buf, size_t cap, const struct ik_flow_spec *f, int action, uint32_t seq, uint32_t pid,
                     const char **err) {
  struct pw w = {buf, cap, 0, 0};
  /* OpenBSD has no separate update: SADB_X_ADDFLOW on an existing flow (same selector, direction and
   * type) updates it in place, which is how OpenIKED replaces a loaded flow with a newer SA's */
  int del = action == PFK_FLOW_DELETE;
  *err = NULL;
  if (f->dir == IK_DIR_FWD) {
    *err = "forward ('fwd') flows do not exist on OpenBSD; use 'in'";
    return 0;
  }
  int out = f->dir == IK_DIR_OUT;
  pk_hdr(&w, del ? SADB_X_DELFLOW : SADB_X_ADDFLOW, pk_satype(f->sa_proto), seq, pid);
  struct sadb_protocol *ft = pw_ext(&w, sizeof *ft);
  if (ft) {
    ft->sadb_protocol_len = sizeof *ft / 8;
    ft->sadb_protocol_exttype = SADB_X_EXT_FLOW_TYPE;
    ft->sadb_protocol_proto = SADB_X_FLOW_TYPE_REQUIRE;
    ft->sadb_protocol_direction = out ? IPSP_DIRECTION_OUT : IPSP_DIRECTION_IN;
  }
  if (!del) {
    /* local and peer addresses of the SA bundle: for 'in' the tunnel runs peer -> us */
    address(&w, SADB_EXT_ADDRESS_SRC, out ? &f->tsrc : &f->tdst, 0);
    address(&w, SADB_EXT_ADDRESS_DST, out ? &f->tdst : &f->tsrc, 0);
  }
  struct ik_addr sm = pw_mask(&f->src), dm = pw_mask(&f->dst);
  address(&w, SADB_X_EXT_SRC_FLOW, &f->src, f->sport);
  address(&w, SADB_X_EXT_SRC_MASK, &sm, f->sport ? 0xffff : 0);
  address(&w, SADB_X_EXT_DST_FLOW, &f->dst, f->dport);
  address(&w, SADB_X_EXT_DST_MASK, &dm, f->dport ? 0xffff : 0);
  if (f->proto) {
    struct sadb_protocol *p = pw_ext(&w, sizeof *p);
    if (p) {
      p->sadb_protocol_len = sizeof *p / 8;
      p->sadb_protocol_exttype = SADB_X_EXT_PROTOCOL;
      p->sadb_protocol_proto = (uint8_t)f->proto;
    }
  }
  return pk_finish(&w);
}

static size_t o_reg(uint8_t *buf, size_t cap, int proto, uint32_t seq, uint32_t pid, const char **err) {
  struct pw w = {buf, cap, 0, 0};
  *err = NULL;
  pk_hdr(&w, SADB_REGISTER, pk_satype(proto), seq, pid);
  return pk_finish(&w);
}

const struct pfk_ops pfk_openbsd_ops = {"openbsd", o_getspi, o_sa, o_said, o_flow, o_reg};
