/*
 * XFRM netlink message builders (Linux <linux/xfrm.h> layouts).
 * Algorithms: AEAD via XFRMA_ALG_AEAD, ciphers via XFRMA_ALG_CRYPT, integrity via
 * XFRMA_ALG_AUTH_TRUNC (explicit truncation, RFC 4868 for SHA-2), ESN and large
 * replay windows via XFRMA_REPLAY_ESN_VAL, NAT-T via XFRMA_ENCAP.
 */
#include "xfrm_msg.h"

#include <arpa/inet.h>
#include <linux/netlink.h>
#include <linux/udp.h>
#include <linux/xfrm.h>
#include <netinet/in.h>
#include <string.h>
#include <sys/socket.h>

#ifndef UDP_ENCAP_ESPINUDP
#define UDP_ENCAP_ESPINUDP 2
#endif

struct nb {
  uint8_t *buf;
  size_t cap, len;
  int overflow;
};

static void *nb_put(struct nb *b, size_t n) {
  size_t aligned = NLMSG_ALIGN(n);
  if (b->len + aligned > b->cap) {
    b->overflow = 1;
    return NULL;
  }
  void *p = b->buf + b->len;
  memset(p, 0, aligned);
  b->len += aligned;
  return p;
}

static struct nlmsghdr *nb_hdr(struct nb *b, int type, int flags, uint32_t seq) {
  struct nlmsghdr *h = nb_put(b, sizeof *h);
  if (!h) return NULL;
  h->nlmsg_type = (uint16_t)type;
  h->nlmsg_flags = (uint16_t)(NLM_F_REQUEST | flags);
  h->nlmsg_seq = seq;
  h->nlmsg_pid = 0;
  return h;
}

static void *nb_attr(struct nb *b, int type, size_t len) {
  struct nlattr *a = nb_put(b, NLA_HDRLEN + len);
  if (!a) return NULL;
  a->nla_type = (uint16_t)type;
  a->nla_len = (uint16_t)(NLA_HDRLEN + len);
  return (uint8_t *)a + NLA_HDRLEN;
}

static size_t nb_finish(struct nb *b) {
  if (b->overflow) return 0;
  ((struct nlmsghdr *)b->buf)->nlmsg_len = (uint32_t)b->len;
  return b->len;
}

static void put_addr(xfrm_address_t *x, const struct ik_addr *a) {
  memset(x, 0, sizeof *x);
  memcpy(x, a->a, a->family == AF_INET ? 4 : 16);
}

static void put_sel(struct xfrm_selector *s, const struct ik_addr *src, const struct ik_addr *dst, int proto,
                    uint16_t sport, uint16_t dport) {
  memset(s, 0, sizeof *s);
  put_addr(&s->saddr, src);
  put_addr(&s->daddr, dst);
  s->family = (uint16_t)src->family;
  s->prefixlen_s = (uint8_t)src->plen;
  s->prefixlen_d = (uint8_t)dst->plen;
  s->proto = (uint8_t)proto;
  if (sport) {
    s->sport = htons(sport);
    s->sport_mask = 0xffff;
  }
  if (dport) {
    s->dport = htons(dport);
    s->dport_mask = 0xffff;
  }
}

static uint64_t lim(uint64_t v) { return v ? v : XFRM_INF; }

size_t xfrm_build_sa(uint8_t *buf, size_t cap, const struct ik_sa_spec *sa, int update, uint32_t seq,
                     const char **err) {
  struct nb b = {buf, cap, 0, 0};
  *err = NULL;
  if (!nb_hdr(&b, update ? XFRM_MSG_UPDSA : XFRM_MSG_NEWSA, 0, seq)) return 0;
  struct xfrm_usersa_info *p = nb_put(&b, sizeof *p);
  if (!p) return 0;
  if (sa->has_sel) put_sel(&p->sel, &sa->sel_src, &sa->sel_dst, sa->sel_proto, 0, 0);
  put_addr(&p->id.daddr, &sa->dst);
  p->id.spi = htonl(sa->spi);
  p->id.proto = (uint8_t)sa->proto;
  put_addr(&p->saddr, &sa->src);
  p->lft.soft_byte_limit = lim(sa->soft_b);
  p->lft.hard_byte_limit = lim(sa->hard_b);
  p->lft.soft_packet_limit = XFRM_INF;
  p->lft.hard_packet_limit = XFRM_INF;
  p->lft.soft_add_expires_seconds = sa->soft_s;
  p->lft.hard_add_expires_seconds = sa->hard_s;
  p->seq = 0;
  p->reqid = sa->reqid;
  p->family = (uint16_t)sa->dst.family;
  p->mode = sa->tunnel ? XFRM_MODE_TUNNEL : XFRM_MODE_TRANSPORT;
  int big_replay = sa->esn || sa->replay > 32;
  p->replay_window = big_replay ? 0 : (uint8_t)sa->replay;
  if (sa->esn) p->flags |= XFRM_STATE_ESN;

  if (sa->aead.present) {
    if (sa->enc.present || sa->auth.present) {
      *err = "an AEAD SA cannot also have a separate cipher or integrity algorithm";
      return 0;
    }
    struct xfrm_algo_aead *a = nb_attr(&b, XFRMA_ALG_AEAD, sizeof *a + sa->aead.keylen);
    if (!a) return 0;
    memcpy(a->alg_name, sa->aead.name, sizeof a->alg_name - 1); /* both 64 bytes, NUL-terminated */
    a->alg_key_len = sa->aead.keybits;
    a->alg_icv_len = sa->aead.bits;
    memcpy(a->alg_key, sa->aead.key, sa->aead.keylen);
  }
  if (sa->enc.present) {
    struct xfrm_algo *a = nb_attr(&b, XFRMA_ALG_CRYPT, sizeof *a + sa->enc.keylen);
    if (!a) return 0;
    memcpy(a->alg_name, sa->enc.name, sizeof a->alg_name - 1); /* both 64 bytes, NUL-terminated */
    a->alg_key_len = sa->enc.keybits;
    memcpy(a->alg_key, sa->enc.key, sa->enc.keylen);
  }
  if (sa->auth.present) {
    struct xfrm_algo_auth *a = nb_attr(&b, XFRMA_ALG_AUTH_TRUNC, sizeof *a + sa->auth.keylen);
    if (!a) return 0;
    memcpy(a->alg_name, sa->auth.name, sizeof a->alg_name - 1); /* both 64 bytes, NUL-terminated */
    a->alg_key_len = sa->auth.keybits;
    a->alg_trunc_len = sa->auth.bits;
    memcpy(a->alg_key, sa->auth.key, sa->auth.keylen);
  }
  if (sa->proto == IK_ESP && !sa->aead.present && !sa->enc.present) {
    *err = "an ESP SA needs a cipher or an AEAD algorithm";
    return 0;
  }
  if (sa->proto == IK_AH && !sa->auth.present) {
    *err = "an AH SA needs an integrity algorithm";
    return 0;
  }
  if (big_replay) {
    /* the kernel refuses ESN with a zero window (even for outbound SAs): use 32 then */
    uint32_t win = sa->replay ? sa->replay : 32;
    uint32_t bmp_len = (win + 31) / 32;
    if (bmp_len == 0) bmp_len = 1;
    if (bmp_len * 4 > XFRMA_REPLAY_ESN_MAX) {
      *err = "replay window too large for XFRM";
      return 0;
    }
    struct xfrm_replay_state_esn *r = nb_attr(&b, XFRMA_REPLAY_ESN_VAL, sizeof *r + bmp_len * 4);
    if (!r) return 0;
    r->bmp_len = bmp_len;
    r->replay_window = win;
  }
  if (sa->encap) {
    struct xfrm_encap_tmpl *e = nb_attr(&b, XFRMA_ENCAP, sizeof *e);
    if (!e) return 0;
    e->encap_type = UDP_ENCAP_ESPINUDP;
    e->encap_sport = htons(sa->sport);
    e->encap_dport = htons(sa->dport);
  }
  return nb_finish(&b);
}

size_t xfrm_build_allocspi(uint8_t *buf, size_t cap, int proto, const struct ik_addr *src,
                           const struct ik_addr *dst, uint32_t reqid, uint32_t min, uint32_t max, uint32_t seq) {
  struct nb b = {buf, cap, 0, 0};
  if (!nb_hdr(&b, XFRM_MSG_ALLOCSPI, 0, seq)) return 0;
  struct xfrm_userspi_info *p = nb_put(&b, sizeof *p);
  if (!p) return 0;
  put_addr(&p->info.id.daddr, dst);
  p->info.id.proto = (uint8_t)proto;
  put_addr(&p->info.saddr, src);
  p->info.family = (uint16_t)dst->family;
  p->info.reqid = reqid;
  p->info.lft.soft_byte_limit = XFRM_INF;
  p->info.lft.hard_byte_limit = XFRM_INF;
  p->info.lft.soft_packet_limit = XFRM_INF;
  p->info.lft.hard_packet_limit = XFRM_INF;
  p->min = min;
  p->max = max;
  return nb_finish(&b);
}

size_t xfrm_build_said(uint8_t *buf, size_t cap, int type, int proto, const struct ik_addr *dst, uint32_t spi,
                       uint32_t seq) {
  struct nb b = {buf, cap, 0, 0};
  if (!nb_hdr(&b, type, 0, seq)) return 0;
  struct xfrm_usersa_id *p = nb_put(&b, sizeof *p);
  if (!p) return 0;
  put_addr(&p->daddr, dst);
  p->spi = htonl(spi);
  p->family = (uint16_t)dst->family;
  p->proto = (uint8_t)proto;
  return nb_finish(&b);
}

static uint8_t xdir(int d) {
  return d == IK_DIR_IN ? XFRM_POLICY_IN : d == IK_DIR_OUT ? XFRM_POLICY_OUT : XFRM_POLICY_FWD;
}

size_t xfrm_build_policy(uint8_t *buf, size_t cap, int op, const struct ik_flow_spec *f, uint32_t seq) {
  struct nb b = {buf, cap, 0, 0};
  if (!nb_hdr(&b, op, 0, seq)) return 0;
  if (op == XFRM_MSG_DELPOLICY) {
    struct xfrm_userpolicy_id *p = nb_put(&b, sizeof *p);
    if (!p) return 0;
    put_sel(&p->sel, &f->src, &f->dst, f->proto, f->sport, f->dport);
    p->dir = xdir(f->dir);
    return nb_finish(&b);
  }
  struct xfrm_userpolicy_info *p = nb_put(&b, sizeof *p);
  if (!p) return 0;
  put_sel(&p->sel, &f->src, &f->dst, f->proto, f->sport, f->dport);
  p->lft.soft_byte_limit = XFRM_INF;
  p->lft.hard_byte_limit = XFRM_INF;
  p->lft.soft_packet_limit = XFRM_INF;
  p->lft.hard_packet_limit = XFRM_INF;
  p->priority = f->priority;
  p->dir = xdir(f->dir);
  p->action = XFRM_POLICY_ALLOW;
  p->share = XFRM_SHARE_ANY;
  struct xfrm_user_tmpl *t = nb_attr(&b, XFRMA_TMPL, sizeof *t);
  if (!t) return 0;
  put_addr(&t->id.daddr, &f->tdst);
  t->id.proto = (uint8_t)f->sa_proto;
  t->family = (uint16_t)f->tdst.family;
  put_addr(&t->saddr, &f->tsrc);
  t->reqid = f->reqid;
  t->mode = f->tunnel ? XFRM_MODE_TUNNEL : XFRM_MODE_TRANSPORT;
  t->share = XFRM_SHARE_ANY;
  t->aalgos = ~0u;
  t->ealgos = ~0u;
  t->calgos = ~0u;
  return nb_finish(&b);
}

/*
 * ESP probe: a transport SA 127.0.0.1 -> 127.0.0.1 with the null cipher and a
 * reserved-range SPI (never on the wire). NEWSA fails with EPROTONOSUPPORT when
 * the kernel has no ESP; the caller deletes it right away otherwise.
 */
size_t xfrm_build_probe_sa(uint8_t *buf, size_t cap, uint32_t spi, int del, uint32_t seq) {
  struct ik_sa_spec sa;
  memset(&sa, 0, sizeof sa);
  sa.proto = IK_ESP;
  ik_parse_addr("127.0.0.1", &sa.src);
  ik_parse_addr("127.0.0.1", &sa.dst);
  sa.spi = spi;
  if (del) return xfrm_build_said(buf, cap, XFRM_MSG_DELSA, IK_ESP, &sa.dst, spi, seq);
  sa.enc.present = 1;
  strcpy(sa.enc.name, "ecb(cipher_null)");
  const char *err;
  return xfrm_build_sa(buf, cap, &sa, 0, seq, &err);
}
