/**
 * Run an external command and collect its output. Used by every interop
 * helper (ip, swanctl, nft, tcpdump, ...). Never throws for a non-zero exit:
 * callers decide what a failure means.
 */
import { spawn } from 'node:child_process';

export interface CommandResult {
  code: number;
  stdout: string;
  stderr: string;
}

export interface RunOptions {
  /** Kill the command (SIGKILL) after this many ms; the result then has code 124. Default 30 s. */
  timeoutMs?: number;
  /** Extra environment variables (merged over process.env). */
  env?: Record<string, string>;
  /** Data written to the command's stdin. */
  input?: string | Buffer;
  cwd?: string;
}

export function runCommand(cmd: string[], opts: RunOptions = {}): Promise<CommandResult> {
  if (cmd.length === 0) throw new Error('runCommand: empty command line');
  return new Promise((resolve) => {
    const child = spawn(cmd[0], cmd.slice(1), {
      env: opts.env ? { ...process.env, ...opts.env } : process.env,
      cwd: opts.cwd,
      stdio: ['pipe', 'pipe', 'pipe'],
    });
    const out: Buffer[] = [];
    const err: Buffer[] = [];
    let timedOut = false;
    const timer = setTimeout(() => {
      timedOut = true;
      child.kill('SIGKILL');
    }, opts.timeoutMs ?? 30_000);
    child.stdout.on('data', (b: Buffer) => out.push(b));
    child.stderr.on('data', (b: Buffer) => err.push(b));
    child.on('error', (e: Error) => {
      clearTimeout(timer);
      resolve({ code: 127, stdout: '', stderr: `cannot run ${cmd[0]}: ${e.message}` });
    });
    child.on('close', (code, signal) => {
      clearTimeout(timer);
      let stderr = Buffer.concat(err).toString('utf8');
      if (timedOut) stderr += `\n[runCommand] ${cmd.join(' ')}: killed after ${opts.timeoutMs ?? 30_000} ms`;
      resolve({
        code: timedOut ? 124 : code ?? (signal ? 128 : 1),
        stdout: Buffer.concat(out).toString('utf8'),
        stderr,
      });
    });
    child.stdin.on('error', () => undefined);
    if (opts.input !== undefined) child.stdin.end(opts.input);
    else child.stdin.end();
  });
}

/** Like runCommand but rejects with a clear message on a non-zero exit. */
export async function runChecked(cmd: string[], opts: RunOptions = {}): Promise<CommandResult> {
  const r = await runCommand(cmd, opts);
  if (r.code !== 0) {
    throw new Error(`command failed (exit ${r.code}): ${cmd.join(' ')}\n${r.stderr.trim()}${r.stdout.trim() ? '\n' + r.stdout.trim() : ''}`);
  }
  return r;
}

/** Sleep helper. */
export function delay(ms: number): Promise<void> {
  return new Promise((r) => setTimeout(r, ms));
}
