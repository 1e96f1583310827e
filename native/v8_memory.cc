/*
 * lowMemoryNotification(): V8's Isolate::LowMemoryNotification() for the calling
 * thread's isolate: full collections that reduce the heap's footprint (compacting,
 * the young generation shrunk, free pages released), as V8 does under memory
 * pressure. Node has no JavaScript API for it; gc() (--expose-gc) is a plain
 * Mark-Compact that keeps the committed heap. Uses V8's C++ API (node's headers):
 * the addon is built for the node that runs it (npm install), as it is anyway.
 */
#include <node_api.h>
#include <v8.h>

static napi_value js_low_memory(napi_env env, napi_callback_info info) {
  v8::Isolate *isolate = v8::Isolate::GetCurrent();
  if (isolate != nullptr) isolate->LowMemoryNotification();
  return nullptr;
}

extern "C" void ik_register_v8_memory(napi_env env, napi_value exports) {
  napi_value fn;
  if (napi_create_function(env, "lowMemoryNotification", NAPI_AUTO_LENGTH, js_low_memory, nullptr, &fn) == napi_ok)
    napi_set_named_property(env, exports, "lowMemoryNotification", fn);
}
