/* The kernel socket handle shared by the XFRM and PF_KEY adapters (see kernel_socket.h). */
#define _GNU_SOURCE
#include "kernel_socket.h"
#include "napi_util.h"

#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <unistd.h>

/* provided by netns_<os>.c */
int ik_enter_netns(const char *path, int *orig, int *err);
int ik_leave_netns(int orig);

static void ks_close(struct ks *h) {
  if (h->closed) return;
  h->closed = 1;
  if (h->thread_running) {
    char c = 'q';
    if (write(h->pipefd[1], &c, 1) < 0) { /* the thread also stops on a poll error */ }
    pthread_join(h->thread, NULL);
    h->thread_running = 0;
  }
  if (h->tsfn) {
    napi_release_threadsafe_function(h->tsfn, napi_tsfn_abort);
    h->tsfn = NULL;
  }
  pthread_mutex_lock(&h->lock);
  if (h->fd >= 0) close(h->fd);
  if (h->evfd >= 0) close(h->evfd);
  h->fd = h->evfd = -1;
  pthread_mutex_unlock(&h->lock);
  for (int i = 0; i < 2; i++) {
    if (h->pipefd[i] >= 0) close(h->pipefd[i]);
    h->pipefd[i] = -1;
  }
}

static void ks_finalize(napi_env env, void *data, void *hint) {
  (void)env;
  (void)hint;
  struct ks *h = data;
  ks_close(h);
  pthread_mutex_destroy(&h->lock);
  free(h);
}

struct ks *ks_get(napi_env env, napi_value v, const char *what) {
  struct ks *h = NULL;
  if (napi_get_value_external(env, v, (void **)&h) != napi_ok || !h) {
    nu_throw(env, "expected a%s %s handle", what[0] == 'X' ? "n" : "", what);
    return NULL;
  }
  if (h->closed) {
    nu_throw(env, "%s handle is closed", what);
    return NULL;
  }
  return h;
}

napi_value ks_open(napi_env env, napi_callback_info info, const char *what, int (*make)(int *err), const char *sockname,
                   const char *hint, uint32_t seq) {
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
    snprintf(op, sizeof op, "open network namespace %s", nspath);
    napi_throw(env, nu_make_errno_error(env, op, err));
    return NULL;
  }
  int fd = make(&err);
  int evfd = fd >= 0 ? make(&err) : -1;
  if (orig >= 0 && ik_leave_netns(orig) < 0) {
    if (fd >= 0) close(fd);
    if (evfd >= 0) close(evfd);
    return nu_throw(env, "cannot return to the original network namespace: %s", strerror(errno));
  }
  if (fd < 0 || evfd < 0) {
    if (fd >= 0) close(fd);
    char op[128];
    snprintf(op, sizeof op, "%s%s", sockname, err == EAFNOSUPPORT && hint ? hint : "");
    napi_throw(env, nu_make_errno_error(env, op, err));
    return NULL;
  }
  fcntl(fd, F_SETFD, FD_CLOEXEC);
  fcntl(evfd, F_SETFD, FD_CLOEXEC);
  struct timeval tv = {.tv_sec = 30};
  setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv);
  struct ks *h = calloc(1, sizeof *h);
  h->fd = fd;
  h->evfd = evfd;
  h->pipefd[0] = h->pipefd[1] = -1;
  h->seq = seq;
  h->what = what;
  pthread_mutex_init(&h->lock, NULL);
  napi_value ext;
  NU_CHECK(env, napi_create_external(env, h, ks_finalize, NULL, &ext));
  return ext;
}

napi_value ks_close_js(napi_env env, napi_callback_info info, const char *what) {
  size_t argc = 1;
  napi_value argv[1];
  NU_CHECK(env, napi_get_cb_info(env, info, &argc, argv, NULL, NULL));
  struct ks *h = NULL;
  if (argc < 1 || napi_get_value_external(env, argv[0], (void **)&h) != napi_ok || !h)
    return nu_throw(env, "close: expected a%s %s handle", what[0] == 'X' ? "n" : "", what);
  ks_close(h);
  return nu_undefined(env);
}

napi_value ks_start_events(napi_env env, struct ks *h, napi_value cb, const char *name, void *(*thread)(void *),
                           napi_threadsafe_function_call_js call_js) {
  if (pipe(h->pipefd) < 0) {
    napi_throw(env, nu_make_errno_error(env, "pipe", errno));
    return NULL;
  }
  fcntl(h->pipefd[0], F_SETFD, FD_CLOEXEC);
  fcntl(h->pipefd[1], F_SETFD, FD_CLOEXEC);
  napi_value jsname;
  napi_create_string_utf8(env, name, NAPI_AUTO_LENGTH, &jsname);
  NU_CHECK(env, napi_create_threadsafe_function(env, cb, NULL, jsname, 64, 1, NULL, NULL, NULL, call_js, &h->tsfn));
  napi_unref_threadsafe_function(env, h->tsfn); /* events alone do not keep the process alive */
  if (pthread_create(&h->thread, NULL, thread, h) != 0) {
    napi_release_threadsafe_function(h->tsfn, napi_tsfn_abort);
    h->tsfn = NULL;
    return nu_throw(env, "%s: cannot start the event thread", name);
  }
  h->thread_running = 1;
  return nu_undefined(env);
}

ssize_t ks_next_event(struct ks *h, uint8_t *buf, size_t size) {
  for (;;) {
    struct pollfd p[2] = {{.fd = h->evfd, .events = POLLIN}, {.fd = h->pipefd[0], .events = POLLIN}};
    if (poll(p, 2, -1) < 0) {
      if (errno == EINTR) continue;
      return -1;
    }
    if (p[1].revents) return -1;
    if (!(p[0].revents & POLLIN)) {
      if (p[0].revents & (POLLERR | POLLNVAL)) return -1;
      continue;
    }
    ssize_t n = recv(h->evfd, buf, size, MSG_DONTWAIT);
    if (n < 0) continue; /* e.g. ENOBUFS: events were lost; keep going */
    return n;
  }
}
