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
int ik_enter_netns(const char *path, int *orig, int *err);
int ik_leave_netns(int orig);

struct ph {
  int fd, evfd;
  uint32_t seq;
  pthread_mutex_t lock;
  int pipefd[2];
  pthread_t thread;
  int thread_running;
  napi_threadsafe_function tsfn;
  int closed;
};

static void ph_close(struct ph *h) {
  if (h->closed) return;
  h->closed = 1;
  if (h->thread_running) {
    char c = 'q';
    if (write(h->pipefd[1], &c, 1) < 0) { /* ignore */ }
    pthread_join(h->thread, NULL);
    h->thread_running = 0;
  }
  if (h->tsfn) napi_release_threadsafe_function(h->tsfn, napi_tsfn_abort), h->tsfn = NULL;
  pthread_mutex_lock(&h->lock);
  if (h->fd >= 0) close(h->fd);
  if (h->evfd >= 0) close(h->evfd);
  h->fd = h->evfd = -1;
  pthread_mutex_unlock(&h->lock);
  for (int i = 0; i < 2; i++)
    if (h->pipefd[i] >= 0) close(h->pipefd[i]), h->pipefd[i] = -1;
}

static void ph_finalize(napi_env env, void *data, void *hint) {
  (void)env;
  (void)hint;
  struct ph *h = data;
  ph_close(h);
  pthread_mutex_destroy(&h->lock);
  free(h);
}

static struct ph *get_handle(napi_env env, napi_value v) {
  struct ph *h = NULL;
  if (napi_get_value_external(env, v, (void **)&h) != napi_ok || !h) return nu_throw(env, "expected a PF_KEY handle"), NULL;
  if (h->closed) return nu_throw(env, "PF_KEY handle is closed"), NULL;
  return h;
}

static napi_value p_open(napi_env env, napi_callback_info info) {
  size_t argc = 1;
  napi_value argv[1];
  NU_CHECK(env, napi_get_cb_info(env, info, &argc, argv, NULL, NULL));
  char nspath[256] = "";
  if (argc >= 1) {
    napi_valuetype t;
    napi_typeof(env, argv[0], &t);
    size_t n;
    if (t == napi_string) napi_get_value_string_utf8(env, argv[0], nspath, sizeof nspath, &n);
  }
  int orig = -1, err = 0;
  if (nspath[0] && ik_enter_netns(nspath, &orig, &err) < 0) {
    char op[320];
    snprintf(op, sizeof op, "enter network namespace %s", nspath);
    napi_throw(env, nu_make_errno_error(env, op, err));
    return NULL;
  }
  int fd = socket(PF_KEY, SOCK_RAW, IK_PF_KEY_V2);
  if (fd < 0) err = errno;
  int evfd = fd >= 0 ? socket(PF_KEY, SOCK_RAW, IK_PF_KEY_V2) : -1;
  if (fd >= 0 && evfd < 0) err = errno;
  if (orig >= 0 && ik_leave_netns(orig) < 0) {
    if (fd >= 0) close(fd);
    if (evfd >= 0) close(evfd);
    return nu_throw(env, "cannot return to the original network namespace: %s", strerror(errno));
  }
  if (fd < 0 || evfd < 0) {
    if (fd >= 0) close(fd);
    char op[64];
    snprintf(op, sizeof op, "socket(PF_KEY, SOCK_RAW, PF_KEY_V2)%s", err == EAFNOSUPPORT ? " [is af_key loaded?]" : "");
    napi_throw(env, nu_make_errno_error(env, op, err));
    return NULL;
  }
  fcntl(fd, F_SETFD, FD_CLOEXEC);
  fcntl(evfd, F_SETFD, FD_CLOEXEC);
  struct timeval tv = {.tv_sec = 30};
  setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv);
  struct ph *h = calloc(1, sizeof *h);
  h->fd = fd;
  h->evfd = evfd;
  h->pipefd[0] = h->pipefd[1] = -1;
  h->seq = (uint32_t)getpid() << 8;
  pthread_mutex_init(&h->lock, NULL);
  napi_value ext;
  NU_CHECK(env, napi_create_external(env, h, ph_finalize, NULL, &ext));
  return ext;
}

static napi_value p_close(napi_env env, napi_callback_info info) {
  size_t argc = 1;
  napi_value argv[1];
  NU_CHECK(env, napi_get_cb_info(env, info, &argc, argv, NULL, NULL));
  struct ph *h = NULL;
  if (argc < 1 || napi_get_value_external(env, argv[0], (void **)&h) != napi_ok || !h)
    return nu_throw(env, "pfkeyClose: expected a PF_KEY handle");
  ph_close(h);
  return nu_undefined(env);
}

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
  struct ph *h;
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
  struct ph *h = r->h;
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
  struct ph *h = get_handle(env, argv[0]);
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
  struct ph *h = arg;
  uint8_t *buf = malloc(PFK_BUF);
  for (;;) {
    struct pollfd p[2] = {{.fd = h->evfd, .events = POLLIN}, {.fd = h->pipefd[0], .events = POLLIN}};
    if (poll(p, 2, -1) < 0) {
      if (errno == EINTR) continue;
      break;
    }
    if (p[1].revents) break;
    if (!(p[0].revents & POLLIN)) {
      if (p[0].revents & (POLLERR | POLLNVAL)) break;
      continue;
    }
    ssize_t n = recv(h->evfd, buf, PFK_BUF, MSG_DONTWAIT);
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
  napi_value argv[2], name, proto_obj;
  NU_CHECK(env, napi_get_cb_info(env, info, &argc, argv, NULL, NULL));
  if (argc < 2) return nu_throw(env, "pfkeySubscribe(handle, callback)");
  struct ph *h = get_handle(env, argv[0]);
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
  if (pipe(h->pipefd) < 0) return napi_throw(env, nu_make_errno_error(env, "pipe", errno)), NULL;
  napi_create_string_utf8(env, "pfkeyEvents", NAPI_AUTO_LENGTH, &name);
  NU_CHECK(env, napi_create_threadsafe_function(env, argv[1], NULL, name, 64, 1, NULL, NULL, NULL, ev_call_js, &h->tsfn));
  napi_unref_threadsafe_function(env, h->tsfn);
  if (pthread_create(&h->thread, NULL, event_thread, h) != 0) {
    napi_release_threadsafe_function(h->tsfn, napi_tsfn_abort);
    h->tsfn = NULL;
    return nu_throw(env, "pfkeySubscribe: cannot start the event thread");
  }
  h->thread_running = 1;
  return nu_undefined(env);
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
