/* OpenBSD: PFKEYv2 with flows (SADB_X_ADDFLOW/DELFLOW). */
#include "addon.h"
#include "napi_util.h"
#include "pfkey_msg.h"

const struct pfk_ops *const ik_os_pfkey_ops = &pfk_openbsd_ops;

void ik_register_os(napi_env env, napi_value exports) {
  ik_register_pfkey(env, exports);
  nu_set(env, exports, "adapters", nu_str(env, "pfkey-openbsd"));
}
