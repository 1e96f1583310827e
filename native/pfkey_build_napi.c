/* JS binding of the PF_KEY builders (shared by the OS addon and the compat test addon). */
#include "pfkey_build_napi.h"
#include "napi_util.h"

#include <string.h>

/* {protocol, dst, src?, spi?, mode?, reqid?} for getspi / delete / get / register */
static int read_said(napi_env env, napi_value obj, struct ik_sa_spec *sa, int need_src, int need_spi) {
  memset(sa, 0, sizeof *sa);
  char mode[16] = "";
  if (ik_read_proto(env, obj, "protocol", &sa->proto) < 0) return -1;
  if (ik_read_addr(env, obj, "dst", &sa->dst, 1) < 0) return -1;
  if (ik_read_addr(env, obj, "src", &sa->src, need_src) < 0) return -1;
  if (sa->src.family && sa->src.family != sa->dst.family) {
    nu_throw(env, "src and dst must be of the same address family");
    return -1;
  }
  if (nu_get_u32(env, obj, "spi", &sa->spi, need_spi) < 0) return -1;
  if (nu_get_u32(env, obj, "reqid", &sa->reqid, 0) < 0) return -1;
  if (nu_get_str(env, obj, "mode", mode, sizeof mode, 0) < 0) return -1;
  sa->tunnel = strcmp(mode, "transport") != 0;
  return 0;
}

size_t pfk_build(napi_env env, const struct pfk_ops *ops, const char *kind, napi_value spec, uint32_t seq,
                 uint32_t pid, uint8_t *buf, size_t cap) {
  const char *err = NULL;
  size_t len = 0;
  if (!strcmp(kind, "getspi")) {
    struct ik_sa_spec sa;
    uint32_t min = 0x100, max = 0xffffffff;
    if (read_said(env, spec, &sa, 1, 0) < 0 || nu_get_u32(env, spec, "min", &min, 0) < 0 ||
        nu_get_u32(env, spec, "max", &max, 0) < 0)
      return 0;
    len = ops->getspi(buf, cap, &sa, min, max, seq, pid, &err);
  } else if (!strcmp(kind, "add") || !strcmp(kind, "update")) {
    struct ik_sa_spec sa;
    if (ik_read_sa_spec(env, spec, &sa) < 0) return 0;
    len = ops->sa(buf, cap, &sa, kind[0] == 'u', seq, pid, &err);
    nu_zero(&sa, sizeof sa);
  } else if (!strcmp(kind, "delete") || !strcmp(kind, "get")) {
    struct ik_sa_spec sa;
    if (read_said(env, spec, &sa, 0, 1) < 0) return 0;
    len = ops->said(buf, cap, kind[0] == 'd' ? 4 /* SADB_DELETE */ : 5 /* SADB_GET */, &sa, seq, pid, &err);
  } else if (!strcmp(kind, "spdadd") || !strcmp(kind, "spddelete") || !strcmp(kind, "spdupdate")) {
    struct ik_flow_spec f;
    if (ik_read_flow_spec(env, spec, &f) < 0) return 0;
    int action = kind[3] == 'd' ? PFK_FLOW_DELETE : kind[3] == 'u' ? PFK_FLOW_UPDATE : PFK_FLOW_ADD;
    len = ops->flow(buf, cap, &f, action, seq, pid, &err);
  } else if (!strcmp(kind, "register")) {
    int proto;
    if (ik_read_proto(env, spec, "protocol", &proto) < 0) return 0;
    len = ops->reg(buf, cap, proto, seq, pid, &err);
  } else {
    nu_throw(env, "PF_KEY build: unknown message kind '%s'", kind);
    return 0;
  }
  if (!len) nu_throw(env, "PF_KEY (%s) %s: %s", ops->name, kind, err ? err : "message too large");
  return len;
}

napi_value pfk_build_js(napi_env env, napi_callback_info info, const struct pfk_ops *ops) {
  size_t argc = 4;
  napi_value argv[4];
  NU_CHECK(env, napi_get_cb_info(env, info, &argc, argv, NULL, NULL));
  if (argc < 2) return nu_throw(env, "pfkeyBuild(kind, spec, seq?, pid?)");
  char kind[16];
  size_t n;
  if (napi_get_value_string_utf8(env, argv[0], kind, sizeof kind, &n) != napi_ok)
    return nu_throw(env, "pfkeyBuild: kind must be a string");
  uint32_t seq = 0, pid = 0;
  if (argc >= 3) napi_get_value_uint32(env, argv[2], &seq);
  if (argc >= 4) napi_get_value_uint32(env, argv[3], &pid);
  uint8_t buf[2048];
  size_t len = pfk_build(env, ops, kind, argv[1], seq, pid, buf, sizeof buf);
  if (!len) return NULL;
  napi_value out = nu_buffer_copy(env, buf, len);
  nu_zero(buf, sizeof buf);
  return out;
}
