/*
 * PF_KEYv2 socket transport (N-API), shared by every PF_KEY dialect:
 *   pfkeyOpen(netnsPath?) -> handle        socket(PF_KEY, SOCK_RAW, PF_KEY_V2) (+ one for events)
 *   pfkeyRequest(h, kind, spec) -> Promise<Buffer>   builds with this OS's dialect, sends it on the
 *       libuv thread pool and resolves with the kernel's answer (same seq and pid);
 *       sadb_msg_errno != 0 rejects with e.g. "SADB_ADD: Invalid argument (EINVAL)"
 *   pfkeySubscribe(h, cb(Buffer))          SADB_REGISTER (ESP, AH), then kernel-originated
 *       SADB_ACQUIRE / SADB_EXPIRE messages are passed to cb (parsed in TypeScript)
 *   pfkeyBuild(kind, spec, seq, pid) -> Buffer       the builder alone (tests)
 *   pfkeyClose(h)
 */
#define _GNU_SOURCE
#include "kernel_socket.h"
#include "napi_util.h"
#include "pfkey_build_napi.h"
#include "pfkey_msg.h"

#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <pthread.h>
#include <sched.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <unistd.h>

#define IK_PF_KEY_V2 2 /* RFC 2367 */
#define PFK_BUF 65536

/* provided by register_<os>.c */
extern const struct pfk_ops *const ik_os_pfkey_ops;

static int pfkey_socket(int *err) {
  int fd = socket(PF_KEY, SOCK_RAW, IK_PF_KEY_V2);
  if (fd < 0) *err = errno;
  return fd;
}

static napi_value p_open(napi_env env, napi_callback_info info) {
  return ks_open(env, info, "PF_KEY", pfkey_socket, "socket(PF_KEY, SOCK_RAW, PF_KEY_V2)", " [is af_key loaded?]",
                 (uint32_t)getpid() << 8);
}

static napi_value p_close(napi_env env, napi_callback_info info) { return ks_close_js(env, info, "PF_KEY"); }

static const char *sadb_name(int type) {
  static const char *names[] = {"SADB_RESERVED", "SADB_GETSPI", "SADB_UPDATE", "SADB_ADD",   "SADB_DELETE",
                                "SADB_GET",      "SADB_ACQUIRE", "SADB_REGISTER", "SADB_EXPIRE", "SADB_FLUSH",
                                "SADB_DUMP"};
  return type >= 0 && type <= 10 ? names[type] : NULL;
}

struct preq {
  napi_async_work work;
  napi_deferred deferred;
  napi_ref href;
  struct ks *h;
  uint8_t msg[2048];
  size_t len;
  char op[64];
  int err;
  uint8_t *reply;
  size_t reply_len;
};

static void preq_execute(napi_env env, void *data) {
  (void)env;
  struct preq *r = data;
  struct ks *h = r->h;
  pthread_mutex_lock(&h->lock);
  uint32_t seq = ((uint32_t *)r->msg)[2], pid = ((uint32_t *)r->msg)[3];
  uint8_t type = r->msg[1];
  if (h->fd < 0) {
    r->err = EBADF;
    goto out;
  }
  ssize_t n = send(h->fd, r->msg, r->len, 0);
  nu_zero(r->msg, sizeof r->msg);
  if (n < 0) {
    r->err = errno;
    goto out;
  }
  r->reply = malloc(PFK_BUF);
  for (;;) {
    n = recv(h->fd, r->reply, PFK_BUF, 0);
    if (n < 0) {
      if (errno == EINTR) continue;
      r->err = errno == EAGAIN ? ETIMEDOUT : errno;
      goto out;
    }
    if (n < 16) continue;
    uint32_t rseq, rpid;
    memcpy(&rseq, r->reply + 8, 4);
    memcpy(&rpid, r->reply + 12, 4);
    if (rseq != seq || rpid != pid || r->reply[1] != type) continue;
    r->err = r->reply[2];
    r->reply_len = (size_t)n;
    goto out;
  }
out:
  pthread_mutex_unlock(&h->lock);
}

static void preq_complete(napi_env env, napi_status status, void *data) {
  struct preq *r = data;
  if (status != napi_ok && !r->err) r->err = ECANCELED;
  if (r->err) napi_reject_deferred(env, r->deferred, nu_make_errno_error(env, r->op, r->err));
  else napi_resolve_deferred(env, r->deferred, nu_buffer_copy(env, r->reply, r->reply_len));
  if (r->reply) nu_zero(r->reply, PFK_BUF), free(r->reply);
  napi_delete_reference(env, r->href);
  napi_delete_async_work(env, r->work);
  free(r);
}

/* pfkeyRequest(h, kind, spec): Promise<Buffer> */
static napi_value p_request(napi_env env, napi_callback_info info) {
  size_t argc = 3;
  napi_value argv[3], promise, name;
  NU_CHECK(env, napi_get_cb_info(env, info, &argc, argv, NULL, NULL));
  if (argc < 3) return nu_throw(env, "pfkeyRequest(handle, kind, spec)");
  struct ks *h = ks_get(env, argv[0], "PF_KEY");
  if (!h) return NULL;
  char kind[16];
  size_t n;
  if (napi_get_value_string_utf8(env, argv[1], kind, sizeof kind, &n) != napi_ok)
    return nu_throw(env, "pfkeyRequest: kind must be a string");
  struct preq *r = calloc(1, sizeof *r);
  r->len = pfk_build(env, ik_os_pfkey_ops, kind, argv[2], ++h->seq, (uint32_t)getpid(), r->msg, sizeof r->msg);
  if (!r->len) return free(r), NULL;
  const char *tn = sadb_name(r->msg[1]);
  if (tn) snprintf(r->op, sizeof r->op, "%s", tn);
  else snprintf(r->op, sizeof r->op, "PF_KEY %s (type %u)", kind, r->msg[1]);
  r->h = h;
  napi_create_reference(env, argv[0], 1, &r->href);
  napi_create_promise(env, &r->deferred, &promise);
  napi_create_string_utf8(env, "pfkeyRequest", NAPI_AUTO_LENGTH, &name);
  napi_create_async_work(env, NULL, name, preq_execute, preq_complete, r, &r->work);
  napi_queue_async_work(env, r->work);
  return promise;
}

struct pev {
  size_t len;
  uint8_t data[];
};

static void ev_call_js(napi_env env, napi_value cb, void *context, void *data) {
  (void)context;
  struct pev *e = data;
  if (env && cb) {
    napi_value b = nu_buffer_copy(env, e->data, e->len), global;
    napi_get_global(env, &global);
    napi_call_function(env, global, cb, 1, &b, NULL);
  }
  free(e);
}

static void *event_thread(void *arg) {
  struct ks *h = arg;
  uint8_t *buf = malloc(PFK_BUF);
  ssize_t n;
  while ((n = ks_next_event(h, buf, PFK_BUF)) >= 0) {
    if (n < 16) continue;
    uint32_t pid;
    memcpy(&pid, buf + 12, 4);
    /* kernel-originated SADB_ACQUIRE (6) and SADB_EXPIRE (8) */
    if (pid != 0 || (buf[1] != 6 && buf[1] != 8)) continue;
    struct pev *e = malloc(sizeof *e + (size_t)n);
    e->len = (size_t)n;
    memcpy(e->data, buf, (size_t)n);
    if (napi_call_threadsafe_function(h->tsfn, e, napi_tsfn_blocking) != napi_ok) free(e);
  }
  free(buf);
  return NULL;
}

static napi_value p_subscribe(napi_env env, napi_callback_info info) {
  size_t argc = 2;
  napi_value argv[2], proto_obj;
  NU_CHECK(env, napi_get_cb_info(env, info, &argc, argv, NULL, NULL));
  if (argc < 2) return nu_throw(env, "pfkeySubscribe(handle, callback)");
  struct ks *h = ks_get(env, argv[0], "PF_KEY");
  if (!h) return NULL;
  if (h->thread_running) return nu_throw(env, "pfkeySubscribe: already subscribed");
  static const char *protos[] = {"esp", "ah"};
  for (int i = 0; i < 2; i++) {
    uint8_t msg[64];
    napi_create_object(env, &proto_obj);
    nu_set(env, proto_obj, "protocol", nu_str(env, protos[i]));
    size_t len = pfk_build(env, ik_os_pfkey_ops, "register", proto_obj, ++h->seq, (uint32_t)getpid(), msg, sizeof msg);
    if (!len) return NULL;
    if (send(h->evfd, msg, len, 0) < 0) {
      napi_throw(env, nu_make_errno_error(env, "SADB_REGISTER", errno));
      return NULL;
    }
  }
  return ks_start_events(env, h, argv[1], "pfkeyEvents", event_thread, ev_call_js);
}

static napi_value p_build(napi_env env, napi_callback_info info) { return pfk_build_js(env, info, ik_os_pfkey_ops); }

void ik_register_pfkey(napi_env env, napi_value exports) {
  nu_export(env, exports, "pfkeyOpen", p_open);
  nu_export(env, exports, "pfkeyClose", p_close);
  nu_export(env, exports, "pfkeyRequest", p_request);
  nu_export(env, exports, "pfkeySubscribe", p_subscribe);
  nu_export(env, exports, "pfkeyBuild", p_build);
  nu_set(env, exports, "pfkeyDialect", nu_str(env, ik_os_pfkey_ops->name));
}
