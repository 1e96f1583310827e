/* Small N-API helpers shared by every addon. Portable POSIX C. */
#include "napi_util.h"

#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

void nu_zero(void *p, size_t n) {
  volatile uint8_t *v = (volatile uint8_t *)p;
  while (n--) *v++ = 0;
}

const char *nu_errno_name(int err) {
  switch (err) {
#define E(x) case x: return #x;
    E(EPERM) E(ENOENT) E(ESRCH) E(EINTR) E(EIO) E(ENXIO) E(E2BIG) E(EBADF) E(EAGAIN) E(ENOMEM)
    E(EACCES) E(EFAULT) E(EBUSY) E(EEXIST) E(ENODEV) E(ENOTDIR) E(EINVAL) E(ENFILE) E(EMFILE)
    E(ENOSPC) E(ERANGE) E(ENOSYS) E(ENOBUFS) E(EPROTONOSUPPORT) E(EAFNOSUPPORT) E(EOPNOTSUPP)
    E(EADDRNOTAVAIL) E(ENOTSOCK) E(EMSGSIZE) E(EPROTOTYPE) E(ENOPROTOOPT) E(ESOCKTNOSUPPORT)
    E(ETIMEDOUT) E(ECONNREFUSED) E(ENETUNREACH) E(EHOSTUNREACH) E(ENOTCONN) E(EPFNOSUPPORT)
#undef E
    default: return "E?";
  }
}

void nu_errno_msg(char *out, size_t n, const char *op, int err) {
  snprintf(out, n, "%s: %s (%s)", op, strerror(err), nu_errno_name(err));
}

napi_value nu_make_error(napi_env env, const char *msg) {
  napi_value m, e;
  napi_create_string_utf8(env, msg, NAPI_AUTO_LENGTH, &m);
  napi_create_error(env, NULL, m, &e);
  return e;
}

napi_value nu_make_errno_error(napi_env env, const char *op, int err) {
  char buf[512];
  nu_errno_msg(buf, sizeof buf, op, err);
  napi_value e = nu_make_error(env, buf);
  nu_set(env, e, "code", nu_str(env, nu_errno_name(err)));
  napi_value n;
  napi_create_int32(env, err, &n);
  nu_set(env, e, "errno", n);
  return e;
}

napi_value nu_throw(napi_env env, const char *fmt, ...) {
  char buf[512];
  va_list ap;
  va_start(ap, fmt);
  vsnprintf(buf, sizeof buf, fmt, ap);
  va_end(ap);
  bool pending = false;
  napi_is_exception_pending(env, &pending);
  if (!pending) napi_throw_error(env, NULL, buf);
  return NULL;
}

void nu_rethrow(napi_env env, const char *what) {
  const napi_extended_error_info *info = NULL;
  napi_get_last_error_info(env, &info);
  bool pending = false;
  napi_is_exception_pending(env, &pending);
  if (!pending)
    nu_throw(env, "N-API call failed: %s (%s)", what, info && info->error_message ? info->error_message : "?");
}

int nu_get_prop(napi_env env, napi_value obj, const char *key, napi_value *out) {
  napi_valuetype t;
  if (napi_typeof(env, obj, &t) != napi_ok || t != napi_object) {
    nu_throw(env, "expected an object when reading '%s'", key);
    return -1;
  }
  if (napi_get_named_property(env, obj, key, out) != napi_ok) {
    nu_throw(env, "cannot read property '%s'", key);
    return -1;
  }
  napi_typeof(env, *out, &t);
  return (t == napi_undefined || t == napi_null) ? 0 : 1;
}

#define MISSING(key) (nu_throw(env, "missing required property '%s'", key), -1)

int nu_get_u32(napi_env env, napi_value obj, const char *key, uint32_t *out, int required) {
  napi_value v;
  int r = nu_get_prop(env, obj, key, &v);
  if (r <= 0) return r < 0 ? r : (required ? MISSING(key) : 0);
  double d;
  if (napi_get_value_double(env, v, &d) != napi_ok || d < 0 || d > 4294967295.0 || d != (double)(uint32_t)d) {
    nu_throw(env, "property '%s' must be an integer in 0..2^32-1", key);
    return -1;
  }
  *out = (uint32_t)d;
  return 1;
}

int nu_get_u64(napi_env env, napi_value obj, const char *key, uint64_t *out, int required) {
  napi_value v;
  int r = nu_get_prop(env, obj, key, &v);
  if (r <= 0) return r < 0 ? r : (required ? MISSING(key) : 0);
  double d;
  if (napi_get_value_double(env, v, &d) != napi_ok || d < 0 || d > 9007199254740991.0) {
    nu_throw(env, "property '%s' must be a non-negative safe integer", key);
    return -1;
  }
  *out = (uint64_t)d;
  return 1;
}

int nu_get_bool(napi_env env, napi_value obj, const char *key, int *out, int required) {
  napi_value v;
  int r = nu_get_prop(env, obj, key, &v);
  if (r <= 0) return r < 0 ? r : (required ? MISSING(key) : 0);
  bool b;
  if (napi_get_value_bool(env, v, &b) != napi_ok) {
    nu_throw(env, "property '%s' must be a boolean", key);
    return -1;
  }
  *out = b ? 1 : 0;
  return 1;
}

int nu_get_str(napi_env env, napi_value obj, const char *key, char *buf, size_t len, int required) {
  napi_value v;
  int r = nu_get_prop(env, obj, key, &v);
  if (r <= 0) return r < 0 ? r : (required ? MISSING(key) : 0);
  size_t n;
  if (napi_get_value_string_utf8(env, v, NULL, 0, &n) != napi_ok) {
    nu_throw(env, "property '%s' must be a string", key);
    return -1;
  }
  if (n + 1 > len) {
    nu_throw(env, "property '%s' is too long (%zu bytes, max %zu)", key, n, len - 1);
    return -1;
  }
  napi_get_value_string_utf8(env, v, buf, len, &n);
  return 1;
}

int nu_get_buf(napi_env env, napi_value obj, const char *key, uint8_t *buf, size_t cap, size_t *len, int required) {
  napi_value v;
  int r = nu_get_prop(env, obj, key, &v);
  if (r <= 0) return r < 0 ? r : (required ? MISSING(key) : 0);
  bool isbuf = false;
  napi_is_buffer(env, v, &isbuf);
  if (!isbuf) {
    nu_throw(env, "property '%s' must be a Buffer", key);
    return -1;
  }
  void *data;
  size_t n;
  napi_get_buffer_info(env, v, &data, &n);
  if (n > cap) {
    nu_throw(env, "property '%s' is too long (%zu bytes, max %zu)", key, n, cap);
    return -1;
  }
  memcpy(buf, data, n);
  *len = n;
  return 1;
}

napi_value nu_u32(napi_env env, uint32_t v) {
  napi_value r;
  napi_create_uint32(env, v, &r);
  return r;
}
napi_value nu_f64(napi_env env, double v) {
  napi_value r;
  napi_create_double(env, v, &r);
  return r;
}
napi_value nu_str(napi_env env, const char *s) {
  napi_value r;
  napi_create_string_utf8(env, s, NAPI_AUTO_LENGTH, &r);
  return r;
}
napi_value nu_bool(napi_env env, int v) {
  napi_value r;
  napi_get_boolean(env, v != 0, &r);
  return r;
}
void nu_set(napi_env env, napi_value obj, const char *key, napi_value v) {
  napi_set_named_property(env, obj, key, v);
}
napi_value nu_undefined(napi_env env) {
  napi_value r;
  napi_get_undefined(env, &r);
  return r;
}
napi_value nu_buffer_copy(napi_env env, const void *data, size_t len) {
  napi_value r;
  void *out;
  napi_create_buffer_copy(env, len, data, &out, &r);
  return r;
}
void nu_export(napi_env env, napi_value exports, const char *name, napi_callback cb) {
  napi_value fn;
  napi_create_function(env, name, NAPI_AUTO_LENGTH, cb, NULL, &fn);
  napi_set_named_property(env, exports, name, fn);
}

/* The (fd, family?) arguments of a socket-option call: family 4 or 6 (default 4); NULL family: fd only. */
int nu_socket_args(napi_env env, napi_callback_info info, int32_t *fd, int32_t *family) {
  size_t argc = 2;
  napi_value argv[2];
  if (napi_get_cb_info(env, info, &argc, argv, NULL, NULL) != napi_ok || argc < 1 ||
      napi_get_value_int32(env, argv[0], fd) != napi_ok || *fd < 0) {
    nu_throw(env, "expected a socket file descriptor (number)");
    return -1;
  }
  if (family) {
    *family = 4;
    if (argc >= 2) napi_get_value_int32(env, argv[1], family);
    if (*family != 4 && *family != 6) {
      nu_throw(env, "family must be 4 or 6");
      return -1;
    }
  }
  return 0;
}
