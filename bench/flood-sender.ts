/** The orchestrator's handle on bench/flood-sender.py (the raw-socket spoofed IKE_SA_INIT flood). */
import { spawn } from 'node:child_process';
import { createInterface } from 'node:readline';
import { join } from 'node:path';

export interface FloodOutcome {
  sent: number;
  errors: number;
  seconds: number;
  rate: number;
  sources: number;
}

export interface FloodSpec {
  ns: string;
  cpu: number;
  dst: string;
  rate: number;
  seconds: number;
  srcNet: string;
  sources: number;
  templates: Buffer[];
  repoRoot: string;
}

/** Run the flood to its end; resolves with what the sender reports. */
export function runFlood(s: FloodSpec): Promise<FloodOutcome> {
  const script = join(s.repoRoot, 'bench', 'flood-sender.py');
  const args = ['netns', 'exec', s.ns, 'taskset', '-c', String(s.cpu), 'python3', script, s.dst, String(Math.round(s.rate)), String(s.seconds), s.srcNet, String(s.sources)];
  const child = spawn('ip', args, { stdio: ['pipe', 'pipe', 'pipe'] });
  let last: Record<string, number | boolean> | null = null;
  let stderr = '';
  createInterface({ input: child.stdout! }).on('line', (l) => {
    try {
      last = JSON.parse(l) as Record<string, number | boolean>;
    } catch {
      /* not ours */
    }
  });
  child.stderr!.on('data', (b: Buffer) => (stderr = (stderr + b.toString()).slice(-2000)));
  child.stdin!.end(s.templates.map((t) => t.toString('hex')).join('\n') + '\n');
  return new Promise((resolve, reject) => {
    child.on('error', reject);
    child.on('close', (code) => {
      const r = last as Record<string, number | boolean> | null;
      if (code !== 0 || !r || r.done !== true) return reject(new Error(`flood sender failed (exit ${code}): ${stderr.trim()}`));
      resolve({ sent: Number(r.sent), errors: Number(r.errors), seconds: Number(r.t), rate: Number(r.rate), sources: Number(r.sources) });
    });
  });
}
