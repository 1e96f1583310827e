/*
 * iked_pfkey_compat.node (built on Linux only): the OpenBSD and KAME (FreeBSD
 * layout) PF_KEY builders compiled against compat/ headers, so that they are
 * compiled and unit-tested here: pfkeyBuildOpenbsd(kind, spec, seq, pid),
 * pfkeyBuildKame(kind, spec, seq, pid).
 */
#include "napi_util.h"
#include "pfkey_build_napi.h"

static napi_value b_openbsd(napi_env env, napi_callback_info info) { return pfk_build_js(env, info, &pfk_openbsd_ops); }
static napi_value b_kame(napi_env env, napi_callback_info info) { return pfk_build_js(env, info, &pfk_kame_ops); }

static napi_value init(napi_env env, napi_value exports) {
  nu_export(env, exports, "pfkeyBuildOpenbsd", b_openbsd);
  nu_export(env, exports, "pfkeyBuildKame", b_kame);
  return exports;
}

NAPI_MODULE(NODE_GYP_MODULE_NAME, init)
