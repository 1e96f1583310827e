/* JS binding of the PF_KEY builders: build(kind, spec, seq, pid): Buffer. */
#ifndef IKED_PFKEY_BUILD_NAPI_H
#define IKED_PFKEY_BUILD_NAPI_H
#include "pfkey_msg.h"
#include <node_api.h>

/* kind: getspi | add | update | delete | get | spdadd | spdupdate | spddelete | register */
napi_value pfk_build_js(napi_env env, napi_callback_info info, const struct pfk_ops *ops);
/* builds into buf; returns length or 0 with a JS exception pending */
size_t pfk_build(napi_env env, const struct pfk_ops *ops, const char *kind, napi_value spec, uint32_t seq,
                 uint32_t pid, uint8_t *buf, size_t cap);
#endif
