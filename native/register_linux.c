/* Linux: XFRM netlink (primary) and PF_KEY af_key (KAME dialect, fallback). */
#include "addon.h"
#include "napi_util.h"
#include "pfkey_msg.h"

const struct pfk_ops *const ik_os_pfkey_ops = &pfk_kame_ops;

void ik_register_os(napi_env env, napi_value exports) {
  ik_register_xfrm(env, exports);
  ik_register_pfkey(env, exports);
  ik_register_malloc_trim(env, exports);
  nu_set(env, exports, "adapters", nu_str(env, "xfrm,pfkey-linux"));
}
