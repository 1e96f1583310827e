/*
 * Portable helpers exported by every addon:
 *   openlog(ident, facility), syslog(priority, msg), closelog()   -- libc syslog(3)
 *   chrootAndDrop(dir, uid, gid)   -- chroot(2) + chdir("/") + setgroups + setgid + setuid
 */
#define _GNU_SOURCE
#include "napi_util.h"

#include <errno.h>
#include <grp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/types.h>
#include <syslog.h>
#include <unistd.h>

static char *g_ident; /* openlog keeps the pointer: it must stay alive */

static napi_value s_openlog(napi_env env, napi_callback_info info) {
  size_t argc = 2;
  napi_value argv[2];
  NU_CHECK(env, napi_get_cb_info(env, info, &argc, argv, NULL, NULL));
  if (argc < 2) return nu_throw(env, "openlog(ident: string, facility: number)");
  size_t n;
  if (napi_get_value_string_utf8(env, argv[0], NULL, 0, &n) != napi_ok)
    return nu_throw(env, "openlog: ident must be a string");
  char *ident = malloc(n + 1);
  napi_get_value_string_utf8(env, argv[0], ident, n + 1, &n);
  int32_t facility;
  if (napi_get_value_int32(env, argv[1], &facility) != napi_ok || facility < 0 || (facility & 7))
    return free(ident), nu_throw(env, "openlog: facility must be a syslog facility (LOG_DAEMON = 3 << 3, ...)");
  closelog();
  free(g_ident);
  g_ident = ident;
  openlog(g_ident, LOG_PID | LOG_NDELAY, facility);
  return nu_undefined(env);
}

static napi_value s_syslog(napi_env env, napi_callback_info info) {
  size_t argc = 2;
  napi_value argv[2];
  NU_CHECK(env, napi_get_cb_info(env, info, &argc, argv, NULL, NULL));
  if (argc < 2) return nu_throw(env, "syslog(priority: number, msg: string)");
  int32_t prio;
  if (napi_get_value_int32(env, argv[0], &prio) != napi_ok || prio < 0)
    return nu_throw(env, "syslog: priority must be a non-negative integer");
  size_t n;
  if (napi_get_value_string_utf8(env, argv[1], NULL, 0, &n) != napi_ok)
    return nu_throw(env, "syslog: msg must be a string");
  char *msg = malloc(n + 1);
  napi_get_value_string_utf8(env, argv[1], msg, n + 1, &n);
  syslog(prio, "%s", msg);
  free(msg);
  return nu_undefined(env);
}

static napi_value s_closelog(napi_env env, napi_callback_info info) {
  (void)info;
  closelog();
  return nu_undefined(env);
}

static napi_value s_chroot_drop(napi_env env, napi_callback_info info) {
  size_t argc = 3;
  napi_value argv[3];
  NU_CHECK(env, napi_get_cb_info(env, info, &argc, argv, NULL, NULL));
  if (argc < 3) return nu_throw(env, "chrootAndDrop(dir: string, uid: number, gid: number)");
  char dir[1024];
  size_t n;
  uint32_t uid, gid;
  if (napi_get_value_string_utf8(env, argv[0], dir, sizeof dir, &n) != napi_ok || n == 0 || n >= sizeof dir - 1)
    return nu_throw(env, "chrootAndDrop: dir must be a non-empty path");
  if (napi_get_value_uint32(env, argv[1], &uid) != napi_ok || napi_get_value_uint32(env, argv[2], &gid) != napi_ok)
    return nu_throw(env, "chrootAndDrop: uid and gid must be numbers");
  char op[1100];
  if (chroot(dir) < 0) {
    snprintf(op, sizeof op, "chroot(%s)", dir);
    napi_throw(env, nu_make_errno_error(env, op, errno));
    return NULL;
  }
  if (chdir("/") < 0) return napi_throw(env, nu_make_errno_error(env, "chdir(/)", errno)), NULL;
  gid_t g = (gid_t)gid;
  if (setgroups(1, &g) < 0) return napi_throw(env, nu_make_errno_error(env, "setgroups", errno)), NULL;
  if (setgid(g) < 0) {
    snprintf(op, sizeof op, "setgid(%u)", gid);
    return napi_throw(env, nu_make_errno_error(env, op, errno)), NULL;
  }
  if (setuid((uid_t)uid) < 0) {
    snprintf(op, sizeof op, "setuid(%u)", uid);
    return napi_throw(env, nu_make_errno_error(env, op, errno)), NULL;
  }
  /* paranoia: root must be gone for good */
  if (uid != 0 && setuid(0) == 0) return nu_throw(env, "chrootAndDrop: could regain root after setuid(%u)", uid);
  return nu_undefined(env);
}

void ik_register_common(napi_env env, napi_value exports) {
  nu_export(env, exports, "openlog", s_openlog);
  nu_export(env, exports, "syslog", s_syslog);
  nu_export(env, exports, "closelog", s_closelog);
  nu_export(env, exports, "chrootAndDrop", s_chroot_drop);
}
