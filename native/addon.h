/* Registration functions; each OS source set (see binding.gyp) provides ik_register_os(). */
#ifndef IKED_ADDON_H
#define IKED_ADDON_H
#include <node_api.h>
void ik_register_common(napi_env env, napi_value exports);
void ik_register_natt(napi_env env, napi_value exports);
void ik_register_xfrm(napi_env env, napi_value exports);
void ik_register_pfkey(napi_env env, napi_value exports);
void ik_register_os(napi_env env, napi_value exports);
/* Linux: mallocTrim() (glibc only) */
void ik_register_malloc_trim(napi_env env, napi_value exports);
/* lowMemoryNotification() (v8_memory.c, every OS where node exports V8's functions) */
void ik_register_v8_memory(napi_env env, napi_value exports);
#endif
