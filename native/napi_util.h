/* Small N-API helpers shared by every addon: argument reading, errors with errno names. */
#ifndef IKED_NAPI_UTIL_H
#define IKED_NAPI_UTIL_H

#include <node_api.h>
#include <stddef.h>
#include <stdint.h>

#define NU_CHECK(env, call)                                                        \
  do {                                                                             \
    if ((call) != napi_ok) {                                                       \
      nu_rethrow(env, #call);                                                      \
      return NULL;                                                                 \
    }                                                                              \
  } while (0)

/* throw a pending N-API error as JS Error unless one is already pending */
void nu_rethrow(napi_env env, const char *what);
/* throw Error(printf-style message); always returns NULL for convenience */
napi_value nu_throw(napi_env env, const char *fmt, ...);
/* "op: strerror (ENAME)" */
void nu_errno_msg(char *out, size_t n, const char *op, int err);
const char *nu_errno_name(int err);
/* Error object with .code = "ENAME" and .errno = err */
napi_value nu_make_errno_error(napi_env env, const char *op, int err);
napi_value nu_make_error(napi_env env, const char *msg);

/* property getters: return 1 if present (not undefined/null), 0 if absent, -1 on error (JS exception set) */
/* (fd, family?) of a socket-option call; -1 with a JS exception pending on bad arguments */
int nu_socket_args(napi_env env, napi_callback_info info, int32_t *fd, int32_t *family);
int nu_get_prop(napi_env env, napi_value obj, const char *key, napi_value *out);
int nu_get_u32(napi_env env, napi_value obj, const char *key, uint32_t *out, int required);
int nu_get_u64(napi_env env, napi_value obj, const char *key, uint64_t *out, int required);
int nu_get_bool(napi_env env, napi_value obj, const char *key, int *out, int required);
int nu_get_str(napi_env env, napi_value obj, const char *key, char *buf, size_t len, int required);
/* copies at most cap bytes; error if the buffer is larger */
int nu_get_buf(napi_env env, napi_value obj, const char *key, uint8_t *buf, size_t cap, size_t *len, int required);

napi_value nu_u32(napi_env env, uint32_t v);
napi_value nu_f64(napi_env env, double v);
napi_value nu_str(napi_env env, const char *s);
napi_value nu_bool(napi_env env, int v);
void nu_set(napi_env env, napi_value obj, const char *key, napi_value v);
napi_value nu_undefined(napi_env env);
napi_value nu_buffer_copy(napi_env env, const void *data, size_t len);

/* export a function */
void nu_export(napi_env env, napi_value exports, const char *name, napi_callback cb);

/* secure zero */
void nu_zero(void *p, size_t n);

#endif
