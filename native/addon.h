/* Registration functions; each OS source set (see binding.gyp) provides ik_register_os(). */
#ifndef IKED_ADDON_H
#define IKED_ADDON_H
#include <node_api.h>
void ik_register_common(napi_env env, napi_value exports);
void ik_register_natt(napi_env env, napi_value exports);
void ik_register_xfrm(napi_env env, napi_value exports);
void ik_register_pfkey(napi_env env, napi_value exports);
void ik_register_os(napi_env env, napi_value exports);
#endif
