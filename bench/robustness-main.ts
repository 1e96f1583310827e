/**
 * `npm run bench -- flood | auth-flood | soak [options]` (bench.ts hands these
 * over): runs the mode, prints its results and appends them to bench/RESULTS.md.
 */
import { join } from 'node:path';
import { interopAvailable } from '../test/interop/lib/netns';
import { systemBusy } from './proc-stats';
import type { RobustnessMode } from './bench-options';
import { parseRobustnessArgs } from './robustness-options';
import { CLIENT_CPU, log, pinSelf } from './robustness-rig';
import { appendResults, fmt, runHeader } from './robustness-report';
import { floodMarkdown, runFloodMode } from './flood-run';
import { authFloodMarkdown, runAuthFloodMode } from './auth-flood-run';
import { runSoakMode, soakMarkdown } from './soak-run';

const TITLES: Record<RobustnessMode, string> = {
  flood: 'Spoofed IKE_SA_INIT flood',
  'auth-flood': 'IKE_AUTH flood after a valid IKE_SA_INIT',
  soak: 'Soak: handshakes with deletes against one daemon',
};

async function body(mode: RobustnessMode, argv: string[], repoRoot: string): Promise<string[]> {
  const o = parseRobustnessArgs(mode, argv);
  if (mode === 'flood') return floodMarkdown(o, await runFloodMode(o, repoRoot));
  if (mode === 'auth-flood') return authFloodMarkdown(o, await runAuthFloodMode(o, repoRoot));
  return soakMarkdown(o, await runSoakMode(o, repoRoot));
}

/** Exit status: 0 when the mode ran (whatever it measured), 2 when it cannot run here. */
export async function runRobustness(mode: RobustnessMode, argv: string[], repoRoot: string): Promise<number> {
  const why = interopAvailable();
  if (why) {
    log(`cannot run the ${mode} bench: ${why}`);
    return 2;
  }
  // the orchestrator, the attackers and the legitimate peers stay off the responder's CPU
  pinSelf(CLIENT_CPU);
  const busy = await systemBusy(2000);
  log(`machine busy before the run: ${fmt(busy * 100)} %`);
  const lines = await body(mode, argv, repoRoot);
  const all = [...runHeader(`${TITLES[mode]} (\`npm run bench -- ${[mode, ...argv].join(' ')}\`)`, `npm run bench -- ${[mode, ...argv].join(' ')}`, busy), '', ...lines];
  console.log(all.join('\n'));
  const path = join(repoRoot, 'bench', 'RESULTS.md');
  appendResults(path, all);
  log(`appended to ${path}`);
  return 0;
}
