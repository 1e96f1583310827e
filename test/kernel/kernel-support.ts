/** Decides whether the kernel-backed tests can run here (root + ESP), else why not. */
import { execFileSync } from 'node:child_process';
import { XfrmAdapter } from '../../src/platform/xfrm';

let cached: Promise<string | undefined> | undefined;

/** undefined = OK; otherwise the reason to skip */
export function kernelSkipReason(): Promise<string | undefined> {
  cached ??= (async () => {
    if (process.getuid?.() !== 0) return 'needs root (network namespaces, XFRM)';
    const ns = `ikprobe${process.pid}`;
    try {
      execFileSync('ip', ['netns', 'add', ns]);
    } catch (e) {
      return `cannot create a network namespace: ${(e as Error).message}`;
    }
    try {
      const x = await XfrmAdapter.open({ probeEsp: true, netns: `/run/netns/${ns}` });
      await x.close();
      return undefined;
    } catch (e) {
      return `needs a kernel with ESP (run inside ci/linux/run.sh): ${(e as Error).message}`;
    } finally {
      execFileSync('ip', ['netns', 'del', ns]);
    }
  })();
  return cached;
}
