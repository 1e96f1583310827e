/* iked_kernel.node: one addon per OS; the common part plus the OS adapter. */
#include "addon.h"
#include "napi_util.h"

static napi_value init(napi_env env, napi_value exports) {
  ik_register_common(env, exports);
  ik_register_natt(env, exports);
  ik_register_os(env, exports);
  ik_register_v8_memory(env, exports);
  return exports;
}

NAPI_MODULE(NODE_GYP_MODULE_NAME, init)
