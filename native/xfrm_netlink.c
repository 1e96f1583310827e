/*
 * Linux XFRM netlink adapter (N-API).
 *
 * Requests (ALLOCSPI, NEWSA/UPDSA, DELSA, GETSA, NEWPOLICY/UPDPOLICY/DELPOLICY)
 * run on the libuv thread pool (napi async work), one at a time per handle,
 * so the event loop never blocks (crypto module auto-loading in the kernel can
 * take seconds). Kernel events (ACQUIRE, EXPIRE, MIGRATE multicast groups) are
 * read by a dedicated thread and delivered through a thread-safe function.
 */
#define _GNU_SOURCE
#include "kernel_socket.h"
#include "kernel_spec.h"
#include "napi_util.h"
#include "xfrm_msg.h"

#include <errno.h>
#include <fcntl.h>
#include <linux/netlink.h>
#include <linux/xfrm.h>
#include <poll.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <time.h>
#include <unistd.h>
#include <arpa/inet.h>

#define MSGBUF 4096
#define RCVBUF 65536

/* ------------------------------------------------------------------ handle */

static int nl_socket(int *err) {
  int fd = socket(AF_NETLINK, SOCK_RAW | SOCK_CLOEXEC, NETLINK_XFRM);
  if (fd < 0) {
    *err = errno;
    return -1;
  }
  struct sockaddr_nl sa = {.nl_family = AF_NETLINK};
  if (bind(fd, (struct sockaddr *)&sa, sizeof sa) < 0) {
    *err = errno;
    close(fd);
    return -1;
  }
  return fd;
}

/* xfrmOpen(netnsPath?: string): handle */
static napi_value x_open(napi_env env, napi_callback_info info) {
  srand((unsigned)time(NULL) ^ (unsigned)getpid());
  return ks_open(env, info, "XFRM", nl_socket, "socket(AF_NETLINK, NETLINK_XFRM)", NULL, (uint32_t)rand());
}

static napi_value x_close(napi_env env, napi_callback_info info) { return ks_close_js(env, info, "XFRM"); }

/* ------------------------------------------------------------------ requests */

enum { REQ_ACK, REQ_ALLOCSPI, REQ_GETSA };

struct xreq {
  napi_async_work work;
  napi_deferred deferred;
  napi_ref href;
  struct ks *h;
  int kind;
  char op[48];
  uint8_t msg[MSGBUF];
  size_t len;
  int err;
  uint32_t spi;
  uint64_t bytes, packets, use_time;
};

static void req_execute(napi_env env, void *data) {
  (void)env;
  struct xreq *r = data;
  struct ks *h = r->h;
  pthread_mutex_lock(&h->lock);
  if (h->fd < 0) {
    r->err = EBADF;
    goto out;
  }
  struct nlmsghdr *req = (struct nlmsghdr *)r->msg;
  uint32_t seq = ++h->seq;
  req->nlmsg_seq = seq;
  if (r->kind == REQ_ACK) req->nlmsg_flags |= NLM_F_ACK;
  struct sockaddr_nl kernel = {.nl_family = AF_NETLINK};
  ssize_t n = sendto(h->fd, r->msg, r->len, 0, (struct sockaddr *)&kernel, sizeof kernel);
  nu_zero(r->msg, sizeof r->msg); /* keys */
  if (n < 0) {
    r->err = errno;
    goto out;
  }
  static __thread uint8_t rbuf[RCVBUF];
  for (;;) {
    n = recv(h->fd, rbuf, sizeof rbuf, 0);
    if (n < 0) {
      if (errno == EINTR) continue;
      r->err = errno == EAGAIN ? ETIMEDOUT : errno;
      goto out;
    }
    for (struct nlmsghdr *m = (struct nlmsghdr *)rbuf; NLMSG_OK(m, (size_t)n); m = NLMSG_NEXT(m, n)) {
      if (m->nlmsg_seq != seq) continue; /* stale answer of an earlier, timed-out request */
      if (m->nlmsg_type == NLMSG_ERROR) {
        struct nlmsgerr *e = NLMSG_DATA(m);
        r->err = -e->error;
        goto out;
      }
      if (m->nlmsg_type == XFRM_MSG_NEWSA && (r->kind == REQ_ALLOCSPI || r->kind == REQ_GETSA)) {
        struct xfrm_usersa_info *p = NLMSG_DATA(m);
        r->spi = ntohl(p->id.spi);
        r->bytes = p->curlft.bytes;
        r->packets = p->curlft.packets;
        r->use_time = p->curlft.use_time;
        r->err = 0;
        goto out;
      }
    }
  }
out:
  pthread_mutex_unlock(&h->lock);
}

static void req_complete(napi_env env, napi_status status, void *data) {
  struct xreq *r = data;
  if (status != napi_ok && !r->err) r->err = ECANCELED;
  if (r->err) {
    napi_reject_deferred(env, r->deferred, nu_make_errno_error(env, r->op, r->err));
  } else if (r->kind == REQ_ALLOCSPI) {
    napi_resolve_deferred(env, r->deferred, nu_u32(env, r->spi));
  } else if (r->kind == REQ_GETSA) {
    napi_value o;
    napi_create_object(env, &o);
    nu_set(env, o, "bytes", nu_f64(env, (double)r->bytes));
    nu_set(env, o, "packets", nu_f64(env, (double)r->packets));
    nu_set(env, o, "lastUse", nu_f64(env, (double)r->use_time));
    napi_resolve_deferred(env, r->deferred, o);
  } else {
    napi_resolve_deferred(env, r->deferred, nu_undefined(env));
  }
  napi_delete_reference(env, r->href);
  napi_delete_async_work(env, r->work);
  nu_zero(r, sizeof *r);
  free(r);
}

static napi_value start_req(napi_env env, napi_value hval, struct ks *h, struct xreq *r) {
  napi_value promise, name;
  r->h = h;
  napi_create_reference(env, hval, 1, &r->href);
  napi_create_promise(env, &r->deferred, &promise);
  napi_create_string_utf8(env, r->op, NAPI_AUTO_LENGTH, &name);
  napi_create_async_work(env, NULL, name, req_execute, req_complete, r, &r->work);
  napi_queue_async_work(env, r->work);
  return promise;
}

/* args: (handle, obj) */
static int get2(napi_env env, napi_callback_info info, napi_value *argv, struct ks **h) {
  size_t argc = 2;
  if (napi_get_cb_info(env, info, &argc, argv, NULL, NULL) != napi_ok || argc < 2) {
    nu_throw(env, "expected (handle, spec)");
    return -1;
  }
  *h = ks_get(env, argv[0], "XFRM");
  return *h ? 0 : -1;
}

/* xfrmAddSa(h, spec, update: boolean): Promise<void> */
static napi_value x_add_sa(napi_env env, napi_callback_info info) {
  size_t argc = 3;
  napi_value argv[3];
  NU_CHECK(env, napi_get_cb_info(env, info, &argc, argv, NULL, NULL));
  if (argc < 3) return nu_throw(env, "xfrmAddSa(handle, spec, update)");
  struct ks *h = ks_get(env, argv[0], "XFRM");
  if (!h) return NULL;
  bool update = false;
  napi_get_value_bool(env, argv[2], &update);
  struct ik_sa_spec *sa = calloc(1, sizeof *sa);
  if (ik_read_sa_spec(env, argv[1], sa) < 0) {
    nu_zero(sa, sizeof *sa);
    free(sa);
    return NULL;
  }
  struct xreq *r = calloc(1, sizeof *r);
  const char *err = NULL;
  r->len = xfrm_build_sa(r->msg, sizeof r->msg, sa, update, 0, &err);
  nu_zero(sa, sizeof *sa);
  free(sa);
  if (!r->len) {
    free(r);
    return nu_throw(env, "XFRM SA: %s", err ? err : "message too large");
  }
  r->kind = REQ_ACK;
  snprintf(r->op, sizeof r->op, update ? "XFRM_MSG_UPDSA" : "XFRM_MSG_NEWSA");
  return start_req(env, argv[0], h, r);
}

/* xfrmAllocSpi(h, {protocol, src, dst, reqid?, min?, max?}): Promise<number> */
static napi_value x_alloc_spi(napi_env env, napi_callback_info info) {
  napi_value argv[2];
  struct ks *h;
  if (get2(env, info, argv, &h) < 0) return NULL;
  int proto;
  struct ik_addr src, dst;
  uint32_t reqid = 0, min = 0x100, max = 0xffffffff;
  if (ik_read_proto(env, argv[1], "protocol", &proto) < 0) return NULL;
  if (ik_read_addr(env, argv[1], "src", &src, 1) < 0 || ik_read_addr(env, argv[1], "dst", &dst, 1) < 0) return NULL;
  if (nu_get_u32(env, argv[1], "reqid", &reqid, 0) < 0 || nu_get_u32(env, argv[1], "min", &min, 0) < 0 ||
      nu_get_u32(env, argv[1], "max", &max, 0) < 0)
    return NULL;
  struct xreq *r = calloc(1, sizeof *r);
  r->len = xfrm_build_allocspi(r->msg, sizeof r->msg, proto, &src, &dst, reqid, min, max, 0);
  r->kind = REQ_ALLOCSPI;
  snprintf(r->op, sizeof r->op, "XFRM_MSG_ALLOCSPI");
  return start_req(env, argv[0], h, r);
}

/* xfrmDeleteSa / xfrmGetSa (h, {protocol, dst, spi}) */
static napi_value said_req(napi_env env, napi_callback_info info, int get) {
  napi_value argv[2];
  struct ks *h;
  if (get2(env, info, argv, &h) < 0) return NULL;
  int proto;
  struct ik_addr dst;
  uint32_t spi;
  if (ik_read_proto(env, argv[1], "protocol", &proto) < 0 || ik_read_addr(env, argv[1], "dst", &dst, 1) < 0 ||
      nu_get_u32(env, argv[1], "spi", &spi, 1) < 0)
    return NULL;
  struct xreq *r = calloc(1, sizeof *r);
  r->len = xfrm_build_said(r->msg, sizeof r->msg, get ? XFRM_MSG_GETSA : XFRM_MSG_DELSA, proto, &dst, spi, 0);
  r->kind = get ? REQ_GETSA : REQ_ACK;
  snprintf(r->op, sizeof r->op, get ? "XFRM_MSG_GETSA" : "XFRM_MSG_DELSA");
  return start_req(env, argv[0], h, r);
}
static napi_value x_delete_sa(napi_env env, napi_callback_info info) { return said_req(env, info, 0); }
static napi_value x_get_sa(napi_env env, napi_callback_info info) { return said_req(env, info, 1); }

static int op_from_string(napi_env env, napi_value v, int *op) {
  char s[16];
  size_t n;
  if (napi_get_value_string_utf8(env, v, s, sizeof s, &n) != napi_ok) {
    nu_throw(env, "policy op must be 'add', 'update' or 'delete'");
    return -1;
  }
  if (!strcmp(s, "add")) *op = XFRM_MSG_NEWPOLICY;
  else if (!strcmp(s, "update")) *op = XFRM_MSG_UPDPOLICY;
  else if (!strcmp(s, "delete")) *op = XFRM_MSG_DELPOLICY;
  else {
    nu_throw(env, "policy op must be 'add', 'update' or 'delete', not '%s'", s);
    return -1;
  }
  return 0;
}

/* xfrmPolicy(h, flow, op: 'add'|'update'|'delete'): Promise<void> */
static napi_value x_policy(napi_env env, napi_callback_info info) {
  size_t argc = 3;
  napi_value argv[3];
  NU_CHECK(env, napi_get_cb_info(env, info, &argc, argv, NULL, NULL));
  if (argc < 3) return nu_throw(env, "xfrmPolicy(handle, flow, op)");
  struct ks *h = ks_get(env, argv[0], "XFRM");
  if (!h) return NULL;
  int op;
  struct ik_flow_spec f;
  if (op_from_string(env, argv[2], &op) < 0 || ik_read_flow_spec(env, argv[1], &f) < 0) return NULL;
  struct xreq *r = calloc(1, sizeof *r);
  r->len = xfrm_build_policy(r->msg, sizeof r->msg, op, &f, 0);
  r->kind = REQ_ACK;
  snprintf(r->op, sizeof r->op, op == XFRM_MSG_NEWPOLICY   ? "XFRM_MSG_NEWPOLICY"
                                : op == XFRM_MSG_UPDPOLICY ? "XFRM_MSG_UPDPOLICY"
                                                           : "XFRM_MSG_DELPOLICY");
  return start_req(env, argv[0], h, r);
}

/* xfrmProbeEsp(h): Promise<void>; rejects with EPROTONOSUPPORT when the kernel has no ESP */
struct probe {
  napi_async_work work;
  napi_deferred deferred;
  napi_ref href;
  struct ks *h;
  int err;
  char op[32];
};

static int simple_req(struct ks *h, uint8_t *msg, size_t len) {
  struct nlmsghdr *req = (struct nlmsghdr *)msg;
  req->nlmsg_seq = ++h->seq;
  req->nlmsg_flags |= NLM_F_ACK;
  struct sockaddr_nl kernel = {.nl_family = AF_NETLINK};
  if (sendto(h->fd, msg, len, 0, (struct sockaddr *)&kernel, sizeof kernel) < 0) return errno;
  uint8_t rbuf[8192];
  for (;;) {
    ssize_t n = recv(h->fd, rbuf, sizeof rbuf, 0);
    if (n < 0) {
      if (errno == EINTR) continue;
      return errno == EAGAIN ? ETIMEDOUT : errno;
    }
    for (struct nlmsghdr *m = (struct nlmsghdr *)rbuf; NLMSG_OK(m, (size_t)n); m = NLMSG_NEXT(m, n))
      if (m->nlmsg_seq == req->nlmsg_seq && m->nlmsg_type == NLMSG_ERROR)
        return -((struct nlmsgerr *)NLMSG_DATA(m))->error;
  }
}

static void probe_execute(napi_env env, void *data) {
  (void)env;
  struct probe *p = data;
  uint8_t msg[1024];
  uint32_t spi = 0xfd; /* reserved range: never used on the wire */
  pthread_mutex_lock(&p->h->lock);
  size_t len = xfrm_build_probe_sa(msg, sizeof msg, spi, 0, 0);
  p->err = simple_req(p->h, msg, len);
  snprintf(p->op, sizeof p->op, "XFRM_MSG_NEWSA");
  if (p->err == EEXIST) p->err = 0; /* another prober got there first: ESP exists */
  else if (p->err == 0) {
    len = xfrm_build_probe_sa(msg, sizeof msg, spi, 1, 0);
    p->err = simple_req(p->h, msg, len);
    snprintf(p->op, sizeof p->op, "XFRM_MSG_DELSA");
  }
  pthread_mutex_unlock(&p->h->lock);
}

static void probe_complete(napi_env env, napi_status status, void *data) {
  struct probe *p = data;
  if (status != napi_ok && !p->err) p->err = ECANCELED;
  if (p->err) napi_reject_deferred(env, p->deferred, nu_make_errno_error(env, p->op, p->err));
  else napi_resolve_deferred(env, p->deferred, nu_undefined(env));
  napi_delete_reference(env, p->href);
  napi_delete_async_work(env, p->work);
  free(p);
}

static napi_value x_probe_esp(napi_env env, napi_callback_info info) {
  size_t argc = 1;
  napi_value argv[1], promise, name;
  NU_CHECK(env, napi_get_cb_info(env, info, &argc, argv, NULL, NULL));
  if (argc < 1) return nu_throw(env, "xfrmProbeEsp(handle)");
  struct ks *h = ks_get(env, argv[0], "XFRM");
  if (!h) return NULL;
  struct probe *p = calloc(1, sizeof *p);
  p->h = h;
  napi_create_reference(env, argv[0], 1, &p->href);
  napi_create_promise(env, &p->deferred, &promise);
  napi_create_string_utf8(env, "xfrmProbeEsp", NAPI_AUTO_LENGTH, &name);
  napi_create_async_work(env, NULL, name, probe_execute, probe_complete, p, &p->work);
  napi_queue_async_work(env, p->work);
  return promise;
}

/* ------------------------------------------------------------------ events */

struct xev {
  int type; /* XFRM_MSG_ACQUIRE / EXPIRE / MIGRATE */
  int family;
  uint8_t src[16], dst[16];
  uint32_t spi;
  int proto;
  int hard;
  int sel_family, sel_plen_s, sel_plen_d, sel_proto;
  uint8_t sel_src[16], sel_dst[16];
  int has_reqid;
  uint32_t reqid;
  int dir;
  uint32_t policy_index;
};

static void addr_str(int family, const uint8_t *a, char *out, size_t n) { ik_format_addr(family, a, out, n); }

static void ev_call_js(napi_env env, napi_value cb, void *context, void *data) {
  (void)context;
  struct xev *e = data;
  if (env && cb) {
    napi_value o, sel;
    char a[64], b[64], s[80];
    napi_create_object(env, &o);
    if (e->type == XFRM_MSG_EXPIRE) {
      nu_set(env, o, "type", nu_str(env, "expire"));
      nu_set(env, o, "hard", nu_bool(env, e->hard));
      nu_set(env, o, "spi", nu_u32(env, e->spi));
      addr_str(e->family, e->dst, a, sizeof a);
      nu_set(env, o, "dst", nu_str(env, a));
      addr_str(e->family, e->src, a, sizeof a);
      nu_set(env, o, "src", nu_str(env, a));
      nu_set(env, o, "protocol", nu_str(env, e->proto == IK_AH ? "ah" : "esp"));
    } else {
      nu_set(env, o, "type", nu_str(env, e->type == XFRM_MSG_ACQUIRE ? "acquire" : "migrate"));
      if (e->type == XFRM_MSG_ACQUIRE) {
        addr_str(e->family, e->src, a, sizeof a);
        nu_set(env, o, "src", nu_str(env, a));
        addr_str(e->family, e->dst, a, sizeof a);
        nu_set(env, o, "dst", nu_str(env, a));
        nu_set(env, o, "protocol", nu_str(env, e->proto == IK_AH ? "ah" : "esp"));
      }
      napi_create_object(env, &sel);
      addr_str(e->sel_family, e->sel_src, b, sizeof b);
      snprintf(s, sizeof s, "%s/%d", b, e->sel_plen_s);
      nu_set(env, sel, "src", nu_str(env, s));
      addr_str(e->sel_family, e->sel_dst, b, sizeof b);
      snprintf(s, sizeof s, "%s/%d", b, e->sel_plen_d);
      nu_set(env, sel, "dst", nu_str(env, s));
      nu_set(env, sel, "proto", nu_u32(env, (uint32_t)e->sel_proto));
      nu_set(env, o, "selector", sel);
      if (e->has_reqid) nu_set(env, o, "reqid", nu_u32(env, e->reqid));
      nu_set(env, o, "dir", nu_str(env, e->dir == XFRM_POLICY_IN ? "in" : e->dir == XFRM_POLICY_OUT ? "out" : "fwd"));
      nu_set(env, o, "policyIndex", nu_u32(env, e->policy_index));
    }
    napi_value global;
    napi_get_global(env, &global);
    napi_call_function(env, global, cb, 1, &o, NULL);
  }
  free(e);
}

static void copy_sel(struct xev *e, const struct xfrm_selector *s) {
  e->sel_family = s->family;
  e->sel_plen_s = s->prefixlen_s;
  e->sel_plen_d = s->prefixlen_d;
  e->sel_proto = s->proto;
  memcpy(e->sel_src, &s->saddr, 16);
  memcpy(e->sel_dst, &s->daddr, 16);
}

static struct xev *decode_event(struct nlmsghdr *m) {
  struct xev *e = calloc(1, sizeof *e);
  e->type = m->nlmsg_type;
  if (m->nlmsg_type == XFRM_MSG_EXPIRE && m->nlmsg_len >= NLMSG_LENGTH(sizeof(struct xfrm_user_expire))) {
    struct xfrm_user_expire *x = NLMSG_DATA(m);
    e->family = x->state.family;
    memcpy(e->dst, &x->state.id.daddr, 16);
    memcpy(e->src, &x->state.saddr, 16);
    e->spi = ntohl(x->state.id.spi);
    e->proto = x->state.id.proto;
    e->hard = x->hard;
    return e;
  }
  if (m->nlmsg_type == XFRM_MSG_ACQUIRE && m->nlmsg_len >= NLMSG_LENGTH(sizeof(struct xfrm_user_acquire))) {
    struct xfrm_user_acquire *x = NLMSG_DATA(m);
    e->family = x->policy.sel.family ? x->policy.sel.family : x->sel.family;
    memcpy(e->dst, &x->id.daddr, 16);
    memcpy(e->src, &x->saddr, 16);
    e->proto = x->id.proto;
    copy_sel(e, &x->sel);
    e->dir = x->policy.dir;
    e->policy_index = x->policy.index;
    /* attributes: XFRMA_TMPL carries the reqid */
    int alen = (int)m->nlmsg_len - (int)NLMSG_LENGTH(sizeof *x);
    struct nlattr *a = (struct nlattr *)((uint8_t *)x + NLMSG_ALIGN(sizeof *x));
    while (alen >= (int)NLA_HDRLEN && a->nla_len >= NLA_HDRLEN && a->nla_len <= alen) {
      if ((a->nla_type & NLA_TYPE_MASK) == XFRMA_TMPL && a->nla_len >= NLA_HDRLEN + sizeof(struct xfrm_user_tmpl)) {
        struct xfrm_user_tmpl *t = (struct xfrm_user_tmpl *)((uint8_t *)a + NLA_HDRLEN);
        e->has_reqid = 1;
        e->reqid = t->reqid;
        e->family = t->family;
        break;
      }
      alen -= NLA_ALIGN(a->nla_len);
      a = (struct nlattr *)((uint8_t *)a + NLA_ALIGN(a->nla_len));
    }
    return e;
  }
  if (m->nlmsg_type == XFRM_MSG_MIGRATE && m->nlmsg_len >= NLMSG_LENGTH(sizeof(struct xfrm_userpolicy_id))) {
    struct xfrm_userpolicy_id *x = NLMSG_DATA(m);
    copy_sel(e, &x->sel);
    e->dir = x->dir;
    e->policy_index = x->index;
    return e;
  }
  free(e);
  return NULL;
}

static void *event_thread(void *arg) {
  struct ks *h = arg;
  uint8_t *buf = malloc(RCVBUF);
  ssize_t n;
  while ((n = ks_next_event(h, buf, RCVBUF)) >= 0) {
    for (struct nlmsghdr *m = (struct nlmsghdr *)buf; NLMSG_OK(m, (size_t)n); m = NLMSG_NEXT(m, n)) {
      struct xev *e = decode_event(m);
      if (e && napi_call_threadsafe_function(h->tsfn, e, napi_tsfn_blocking) != napi_ok) free(e);
    }
  }
  free(buf);
  return NULL;
}

/* xfrmSubscribe(h, cb): void -- ACQUIRE, EXPIRE and MIGRATE events */
static napi_value x_subscribe(napi_env env, napi_callback_info info) {
  size_t argc = 2;
  napi_value argv[2];
  NU_CHECK(env, napi_get_cb_info(env, info, &argc, argv, NULL, NULL));
  if (argc < 2) return nu_throw(env, "xfrmSubscribe(handle, callback)");
  struct ks *h = ks_get(env, argv[0], "XFRM");
  if (!h) return NULL;
  if (h->thread_running) return nu_throw(env, "xfrmSubscribe: already subscribed");
  static const int groups[] = {XFRMNLGRP_ACQUIRE, XFRMNLGRP_EXPIRE, XFRMNLGRP_MIGRATE};
  for (size_t i = 0; i < sizeof groups / sizeof groups[0]; i++) {
    if (setsockopt(h->evfd, SOL_NETLINK, NETLINK_ADD_MEMBERSHIP, &groups[i], sizeof groups[i]) < 0) {
      napi_throw(env, nu_make_errno_error(env, "NETLINK_ADD_MEMBERSHIP (XFRMNLGRP_ACQUIRE/EXPIRE/MIGRATE)", errno));
      return NULL;
    }
  }
  int rcv = 1 << 20;
  setsockopt(h->evfd, SOL_SOCKET, SO_RCVBUF, &rcv, sizeof rcv);
  return ks_start_events(env, h, argv[1], "xfrmEvents", event_thread, ev_call_js);
}

/* ------------------------------------------------------------------ pure builders (tests) */

/* xfrmBuild(kind, spec, seq): Buffer -- kind: newsa|updsa|allocspi|delsa|getsa|newpolicy|updpolicy|delpolicy */
static napi_value x_build(napi_env env, napi_callback_info info) {
  size_t argc = 3;
  napi_value argv[3];
  NU_CHECK(env, napi_get_cb_info(env, info, &argc, argv, NULL, NULL));
  if (argc < 3) return nu_throw(env, "xfrmBuild(kind, spec, seq)");
  char kind[16];
  size_t n;
  if (napi_get_value_string_utf8(env, argv[0], kind, sizeof kind, &n) != napi_ok)
    return nu_throw(env, "xfrmBuild: kind must be a string");
  uint32_t seq = 0;
  napi_get_value_uint32(env, argv[2], &seq);
  uint8_t buf[MSGBUF];
  size_t len = 0;
  if (!strcmp(kind, "newsa") || !strcmp(kind, "updsa")) {
    struct ik_sa_spec sa;
    if (ik_read_sa_spec(env, argv[1], &sa) < 0) return NULL;
    const char *err = NULL;
    len = xfrm_build_sa(buf, sizeof buf, &sa, kind[0] == 'u', seq, &err);
    nu_zero(&sa, sizeof sa);
    if (!len) return nu_throw(env, "XFRM SA: %s", err ? err : "message too large");
  } else if (!strcmp(kind, "allocspi")) {
    int proto;
    struct ik_addr src, dst;
    uint32_t reqid = 0, min = 0x100, max = 0xffffffff;
    if (ik_read_proto(env, argv[1], "protocol", &proto) < 0 || ik_read_addr(env, argv[1], "src", &src, 1) < 0 ||
        ik_read_addr(env, argv[1], "dst", &dst, 1) < 0 || nu_get_u32(env, argv[1], "reqid", &reqid, 0) < 0 ||
        nu_get_u32(env, argv[1], "min", &min, 0) < 0 || nu_get_u32(env, argv[1], "max", &max, 0) < 0)
      return NULL;
    len = xfrm_build_allocspi(buf, sizeof buf, proto, &src, &dst, reqid, min, max, seq);
  } else if (!strcmp(kind, "delsa") || !strcmp(kind, "getsa")) {
    int proto;
    struct ik_addr dst;
    uint32_t spi;
    if (ik_read_proto(env, argv[1], "protocol", &proto) < 0 || ik_read_addr(env, argv[1], "dst", &dst, 1) < 0 ||
        nu_get_u32(env, argv[1], "spi", &spi, 1) < 0)
      return NULL;
    len = xfrm_build_said(buf, sizeof buf, kind[0] == 'd' ? XFRM_MSG_DELSA : XFRM_MSG_GETSA, proto, &dst, spi, seq);
  } else if (!strcmp(kind, "newpolicy") || !strcmp(kind, "updpolicy") || !strcmp(kind, "delpolicy")) {
    struct ik_flow_spec f;
    if (ik_read_flow_spec(env, argv[1], &f) < 0) return NULL;
    int op = kind[0] == 'n' ? XFRM_MSG_NEWPOLICY : kind[0] == 'u' ? XFRM_MSG_UPDPOLICY : XFRM_MSG_DELPOLICY;
    len = xfrm_build_policy(buf, sizeof buf, op, &f, seq);
  } else {
    return nu_throw(env, "xfrmBuild: unknown kind '%s'", kind);
  }
  if (!len) return nu_throw(env, "xfrmBuild: message too large");
  napi_value out = nu_buffer_copy(env, buf, len);
  nu_zero(buf, sizeof buf);
  return out;
}

void ik_register_xfrm(napi_env env, napi_value exports) {
  nu_export(env, exports, "xfrmOpen", x_open);
  nu_export(env, exports, "xfrmClose", x_close);
  nu_export(env, exports, "xfrmProbeEsp", x_probe_esp);
  nu_export(env, exports, "xfrmAllocSpi", x_alloc_spi);
  nu_export(env, exports, "xfrmAddSa", x_add_sa);
  nu_export(env, exports, "xfrmDeleteSa", x_delete_sa);
  nu_export(env, exports, "xfrmGetSa", x_get_sa);
  nu_export(env, exports, "xfrmPolicy", x_policy);
  nu_export(env, exports, "xfrmSubscribe", x_subscribe);
  nu_export(env, exports, "xfrmBuild", x_build);
}
