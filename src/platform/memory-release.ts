/**
 * Giving memory back to the kernel, through the kernel addon:
 *   lowMemory  V8's LowMemoryNotification (native/v8_memory.c, every OS): full
 *              collections that compact the heap, shrink the young generation and
 *              release free pages
 *   mallocTrim glibc's malloc_trim(0) (native/malloc_trim_linux.c, Linux with glibc
 *              only): the free pages inside malloc's arenas
 * Each is null where the addon does not export it (or is not built). Load before a
 * chroot: the addon's file is out of reach after it.
 */
import { loadKernelAddon, type KernelAddon } from './native-binding';

export interface MemoryRelease {
  lowMemory: (() => void) | null;
  mallocTrim: (() => boolean) | null;
}

export function loadMemoryRelease(load: () => KernelAddon = loadKernelAddon, env: NodeJS.ProcessEnv = process.env): MemoryRelease {
  // IKED_MEMORY_RELEASE=off: keep V8's heap and malloc's pages as they are (for comparisons)
  if (env.IKED_MEMORY_RELEASE === 'off') return { lowMemory: null, mallocTrim: null };
  let addon: KernelAddon;
  try {
    addon = load();
  } catch {
    return { lowMemory: null, mallocTrim: null };
  }
  const low = addon.lowMemoryNotification;
  const trim = addon.mallocTrim;
  return {
    lowMemory: typeof low === 'function' ? () => low.call(addon) : null,
    mallocTrim: typeof trim === 'function' ? () => trim.call(addon) : null,
  };
}
