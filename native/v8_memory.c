/*
 * lowMemoryNotification(): V8's Isolate::LowMemoryNotification() for the calling
 * thread's isolate: full collections that reduce the heap's footprint (compacting,
 * the young generation shrunk, free pages released), as V8 does under memory
 * pressure. Node has no JavaScript or N-API call for it; gc() (--expose-gc) is a
 * plain Mark-Compact that keeps the committed heap.
 * The two V8 functions are looked up in the running node at load time (dlsym), not
 * linked: no C++ and no V8 headers in the build, and an addon loaded into a node
 * without them (or with another V8 ABI) still loads, only without this export.
 * Itanium C++ ABI (Linux, the BSDs, macOS): a static member function is a plain
 * function, a non-virtual member function takes `this` as its first argument.
 */
#include <dlfcn.h>
#include "addon.h"
#include "napi_util.h"

typedef void *(*isolate_get_current_fn)(void);
typedef void (*isolate_low_memory_fn)(void *isolate);

static isolate_get_current_fn get_current;
static isolate_low_memory_fn low_memory;

static napi_value js_low_memory(napi_env env, napi_callback_info info) {
  void *isolate = get_current();
  if (isolate != NULL) low_memory(isolate);
  return NULL;
}

void ik_register_v8_memory(napi_env env, napi_value exports) {
  /* v8::Isolate::GetCurrent() and v8::Isolate::LowMemoryNotification() */
  get_current = (isolate_get_current_fn)dlsym(RTLD_DEFAULT, "_ZN2v87Isolate10GetCurrentEv");
  low_memory = (isolate_low_memory_fn)dlsym(RTLD_DEFAULT, "_ZN2v87Isolate21LowMemoryNotificationEv");
  if (get_current == NULL || low_memory == NULL) return;
  nu_export(env, exports, "lowMemoryNotification", js_low_memory);
}
