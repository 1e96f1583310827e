/*
 * The kernel socket handle shared by the XFRM (netlink) and PF_KEY adapters: a
 * request socket used by one request at a time (under `lock`, from the libuv
 * thread pool), and an event socket read by a thread of its own that hands
 * kernel messages to JavaScript through a thread-safe function.
 */
#ifndef IKED_KERNEL_SOCKET_H
#define IKED_KERNEL_SOCKET_H

#include <node_api.h>
#include <pthread.h>
#include <stdint.h>
#include <sys/types.h>

struct ks {
  int fd;   /* requests */
  int evfd; /* kernel events */
  uint32_t seq;
  pthread_mutex_t lock;
  int pipefd[2]; /* tells the event thread to stop */
  pthread_t thread;
  int thread_running;
  napi_threadsafe_function tsfn;
  int closed;
  const char *what; /* "XFRM" or "PF_KEY", for messages */
};

/*
 * xxxOpen(netnsPath?): both sockets made by `make` (inside the network
 * namespace when a path is given); the handle as a JS external. On failure a
 * JS error is thrown ("<sockname>: <errno>", with `hint` for EAFNOSUPPORT) and
 * NULL returned.
 */
napi_value ks_open(napi_env env, napi_callback_info info, const char *what, int (*make)(int *err), const char *sockname,
                   const char *hint, uint32_t seq);

/* The open handle in `v`, or NULL with a JS error thrown. */
struct ks *ks_get(napi_env env, napi_value v, const char *what);

/* xxxClose(handle): stop the event thread and close both sockets (idempotent). */
napi_value ks_close_js(napi_env env, napi_callback_info info, const char *what);

/*
 * Start the event thread `thread` (which loops on ks_next_event) delivering
 * through `call_js`; the thread-safe function does not keep the process alive.
 * Returns NULL with a JS error thrown on failure.
 */
napi_value ks_start_events(napi_env env, struct ks *h, napi_value cb, const char *name, void *(*thread)(void *),
                           napi_threadsafe_function_call_js call_js);

/* For the event thread: the next message's length in `buf`, or -1 when the handle is closing. */
ssize_t ks_next_event(struct ks *h, uint8_t *buf, size_t size);

#endif
