/*
 * Linux: mallocTrim() is glibc's malloc_trim(0): the free pages inside malloc's
 * arenas (the brk heap's middle included, not only its top) go back to the kernel.
 * Returns true when memory was released. Exported only when the C library is glibc
 * (musl has no malloc_trim); src/platform/memory-release.ts uses it when present.
 */
#include "addon.h"
#include "napi_util.h"

#ifdef __GLIBC__
#include <malloc.h>

static napi_value js_malloc_trim(napi_env env, napi_callback_info info) {
  return nu_bool(env, malloc_trim(0));
}
#endif

void ik_register_malloc_trim(napi_env env, napi_value exports) {
#ifdef __GLIBC__
  nu_export(env, exports, "mallocTrim", js_malloc_trim);
#else
  (void)env;
  (void)exports;
#endif
}
