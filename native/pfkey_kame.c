/*
 * KAME-dialect PF_KEYv2 builders (RFC 2367 + KAME SPD extensions):
 * FreeBSD, NetBSD, macOS, and Linux af_key (the fallback on Linux).
 * SAs: SADB_GETSPI/ADD/UPDATE/DELETE/GET with sadb_x_sa2 (mode, reqid) and
 * NAT-T extensions; policies: SADB_X_SPDADD/SPDDELETE with sadb_x_policy +
 * sadb_x_ipsecrequest. The OS headers come from compat/pfkey_kame_os.h.
 */
#include "compat/pfkey_kame_os.h"
#include "pfkey_msg.h"
#include "pfkey_rfc2367.h"

#include <arpa/inet.h>
#include <netinet/in.h>

static void address(struct pw *w, int exttype, const struct ik_addr *a, int ulproto, int plen, uint16_t port) {
  size_t sl = pw_sockaddr_len(a);
  struct sadb_address *x = pw_ext(w, sizeof *x + sl);
  if (!x) return;
  x->sadb_address_len = (uint16_t)(PW_ALIGN8(sizeof *x + sl) / 8);
  x->sadb_address_exttype = (uint16_t)exttype;
  x->sadb_address_proto = (uint8_t)ulproto;
  x->sadb_address_prefixlen = (uint8_t)plen;
  pw_sockaddr((uint8_t *)(x + 1), a, port, IKC_SOCKADDR_HAS_LEN, IKC_AF_INET, IKC_AF_INET6);
}

static void sa2(struct pw *w, int tunnel, uint32_t reqid) {
  struct sadb_x_sa2 *x = pw_ext(w, sizeof *x);
  if (!x) return;
  x->sadb_x_sa2_len = sizeof *x / 8;
  x->sadb_x_sa2_exttype = SADB_X_EXT_SA2;
  x->sadb_x_sa2_mode = tunnel ? IPSEC_MODE_TUNNEL : IPSEC_MODE_TRANSPORT;
  x->sadb_x_sa2_reqid = reqid;
}

static size_t k_getspi(uint8_t *buf, size_t cap, const struct ik_sa_spec *sa, uint32_t min, uint32_t max,
                       uint32_t seq, uint32_t pid, const char **err) {
  struct pw w = {buf, cap, 0, 0};
  *err = NULL;
  pk_hdr(&w, SADB_GETSPI, pk_satype(sa->proto), seq, pid);
  sa2(&w, sa->tunnel, sa->reqid);
  address(&w, SADB_EXT_ADDRESS_SRC, &sa->src, IPSEC_ULPROTO_ANY, sa->src.family == AF_INET6 ? 128 : 32, 0);
  address(&w, SADB_EXT_ADDRESS_DST, &sa->dst, IPSEC_ULPROTO_ANY, sa->dst.family == AF_INET6 ? 128 : 32, 0);
  pk_spirange(&w, min, max);
  return pk_finish(&w);
}

static size_t k_sa(uint8_t *buf, size_t cap, const struct ik_sa_spec *sa, int update, uint32_t seq, uint32_t pid,
                   const char **err) {
  struct pw w = {buf, cap, 0, 0};
  *err = NULL;
  if (sa->aead.present) {
    *err = "AEAD algorithms are not supported by this PF_KEY implementation";
    return 0;
  }
  if (sa->esn) {
    *err = "extended sequence numbers (ESN) are not supported by KAME PF_KEY";
    return 0;
  }
  if ((*err = pk_sa_refused(sa)) != NULL) return 0;
  pk_hdr(&w, update ? SADB_UPDATE : SADB_ADD, pk_satype(sa->proto), seq, pid);
  uint32_t r = (sa->replay + IKC_REPLAY_UNIT - 1) / IKC_REPLAY_UNIT; /* RFC 2367 counts the window in bytes */
  pk_sa_mature(&w, sa, (uint8_t)(r > 255 ? 255 : r));
  sa2(&w, sa->tunnel, sa->reqid);
  pk_lifetimes(&w, sa);
  address(&w, SADB_EXT_ADDRESS_SRC, &sa->src, IPSEC_ULPROTO_ANY, sa->src.family == AF_INET6 ? 128 : 32, 0);
  address(&w, SADB_EXT_ADDRESS_DST, &sa->dst, IPSEC_ULPROTO_ANY, sa->dst.family == AF_INET6 ? 128 : 32, 0);
  pk_keys(&w, sa);
  if (sa->encap) {
    struct sadb_x_nat_t_type *t = pw_ext(&w, sizeof *t);
    if (t) {
      t->sadb_x_nat_t_type_len = sizeof *t / 8;
      t->sadb_x_nat_t_type_exttype = SADB_X_EXT_NAT_T_TYPE;
      t->sadb_x_nat_t_type_type = UDP_ENCAP_ESPINUDP;
    }
    int types[2] = {SADB_X_EXT_NAT_T_SPORT, SADB_X_EXT_NAT_T_DPORT};
    uint16_t ports[2] = {sa->sport, sa->dport};
    for (int i = 0; i < 2; i++) {
      struct sadb_x_nat_t_port *p = pw_ext(&w, sizeof *p);
      if (!p) break;
      p->sadb_x_nat_t_port_len = sizeof *p / 8;
      p->sadb_x_nat_t_port_exttype = (uint16_t)types[i];
      p->sadb_x_nat_t_port_port = htons(ports[i]);
    }
  }
  return pk_finish(&w);
}

static size_t k_said(uint8_t *buf, size_t cap, int type, const struct ik_sa_spec *sa, uint32_t seq, uint32_t pid,
                     const char **err) {
  struct pw w = {buf, cap, 0, 0};
  *err = NULL;
  pk_hdr(&w, type, pk_satype(sa->proto), seq, pid);
  pk_sa_ext(&w, sa->spi);
  /* the kernel looks SAs up by (dst, spi, proto); src only has to be of the same family */
  struct ik_addr any = sa->src;
  if (!any.family) {
    memset(&any, 0, sizeof any);
    any.family = sa->dst.family;
  }
  address(&w, SADB_EXT_ADDRESS_SRC, &any, IPSEC_ULPROTO_ANY, any.family == AF_INET6 ? 128 : 32, 0);
  address(&w, SADB_EXT_ADDRESS_DST, &sa->dst, IPSEC_ULPROTO_ANY, sa->dst.family == AF_INET6 ? 128 : 32, 0);
  return pk_finish(&w);
}

static size_t k_flow(uint8_t *buf, size_t cap, const struct ik_flow_spec *f, int action, uint32_t seq, uint32_t pid,
                     const char **err) {
  struct pw w = {buf, cap, 0, 0};
  int del = action == PFK_FLOW_DELETE;
  *err = NULL;
  int dir = f->dir == IK_DIR_IN ? IPSEC_DIR_INBOUND : f->dir == IK_DIR_OUT ? IPSEC_DIR_OUTBOUND : IKC_DIR_FWD;
  if (!dir) {
    *err = "forward ('fwd') policies do not exist in KAME PF_KEY; use 'in'";
    return 0;
  }
  int ulproto = f->proto ? f->proto : IPSEC_ULPROTO_ANY;
  /* SPDUPDATE replaces the request (template) of the policy with the same selector and direction */
  pk_hdr(&w, del ? SADB_X_SPDDELETE : action == PFK_FLOW_UPDATE ? SADB_X_SPDUPDATE : SADB_X_SPDADD, SADB_SATYPE_UNSPEC,
         seq, pid);
  address(&w, SADB_EXT_ADDRESS_SRC, &f->src, ulproto, f->src.plen, f->sport);
  address(&w, SADB_EXT_ADDRESS_DST, &f->dst, ulproto, f->dst.plen, f->dport);
  size_t reqlen = sizeof(struct sadb_x_ipsecrequest);
  if (f->tunnel) reqlen += pw_sockaddr_len(&f->tsrc) + pw_sockaddr_len(&f->tdst);
  reqlen = PW_ALIGN8(reqlen);
  struct sadb_x_policy *p = pw_ext(&w, sizeof *p + (del ? 0 : reqlen));
  if (!p) return 0;
  p->sadb_x_policy_len = (uint16_t)((sizeof *p + (del ? 0 : reqlen)) / 8);
  p->sadb_x_policy_exttype = SADB_X_EXT_POLICY;
  p->sadb_x_policy_type = IPSEC_POLICY_IPSEC;
  p->sadb_x_policy_dir = (uint8_t)dir;
  IKC_SET_POLICY_PRIORITY(p, f->priority);
  if (!del) {
    struct sadb_x_ipsecrequest *r = (struct sadb_x_ipsecrequest *)(p + 1);
    r->sadb_x_ipsecrequest_len = (uint16_t)reqlen;
    r->sadb_x_ipsecrequest_proto = (uint16_t)(f->sa_proto == IK_AH ? IPPROTO_AH : IPPROTO_ESP);
    r->sadb_x_ipsecrequest_mode = f->tunnel ? IPSEC_MODE_TUNNEL : IPSEC_MODE_TRANSPORT;
    r->sadb_x_ipsecrequest_level = f->reqid ? IPSEC_LEVEL_UNIQUE : IPSEC_LEVEL_REQUIRE;
    r->sadb_x_ipsecrequest_reqid = (uint16_t)f->reqid;
    if (f->reqid > 0x3fff) {
      *err = "KAME PF_KEY reqids are limited to 16383 (IPSEC_MANUAL_REQID_MAX)";
      return 0;
    }
    if (f->tunnel) {
      uint8_t *a = (uint8_t *)(r + 1);
      pw_sockaddr(a, &f->tsrc, 0, IKC_SOCKADDR_HAS_LEN, IKC_AF_INET, IKC_AF_INET6);
      pw_sockaddr(a + pw_sockaddr_len(&f->tsrc), &f->tdst, 0, IKC_SOCKADDR_HAS_LEN, IKC_AF_INET, IKC_AF_INET6);
    }
  }
  return pk_finish(&w);
}

static size_t k_reg(uint8_t *buf, size_t cap, int proto, uint32_t seq, uint32_t pid, const char **err) {
  struct pw w = {buf, cap, 0, 0};
  *err = NULL;
  pk_hdr(&w, SADB_REGISTER, pk_satype(proto), seq, pid);
  return pk_finish(&w);
}

const struct pfk_ops pfk_kame_ops = {"kame", k_getspi, k_sa, k_said, k_flow, k_reg};
