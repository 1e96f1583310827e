/**
 * Forks a privsep child (ca, engine, control) with: fd 3 node IPC (socket
 * hand-over), fd 4 the framed channel to the parent, and extra fds given by
 * the caller (socketpair ends linking children directly).
 */
import * as path from 'node:path';
import { fork, ChildProcess, StdioOptions } from 'node:child_process';
import type { Socket } from 'node:net';
import { FrameChannel } from './frame-channel';
import type { ChildArgs, Role } from './child-runtime';

export interface Child {
  role: Role;
  proc: ChildProcess;
  channel: FrameChannel;
}

const ENTRY: Record<Role, string> = { ca: 'ca-main', engine: 'engine-main', control: 'control-main' };

/**
 * V8 options per child, for idle memory: the control process only relays ikectl's few
 * requests (no JIT needed, a 1 MB young generation); the ca keeps its JIT (it verifies and
 * signs per SA) with a small young generation. The engine keeps V8's defaults (its hot path).
 */
const V8_OPTIONS: Record<Role, string[]> = { control: ['--jitless', '--max-semi-space-size=1'], ca: ['--max-semi-space-size=1'], engine: [] };

/**
 * glibc malloc settings per child. The engine's threads (V8's collector and compiler
 * threads, libuv's pool) share malloc's main arena (MALLOC_ARENA_MAX=1): each thread's own
 * arena kept freed memory at its top that malloc_trim does not return (the soak's smaps,
 * with the idle release: "arenas" 3.4–5.4 MB over a full soak, moving between checkpoints), while the main arena's free pages go back at the engine's idle trim
 * (idle-collector.ts): RSS 65.6–67.7 MB without it, 61.1–62.5 MB with it (200,000-handshake
 * soaks, bench/RESULTS.md).
 * Cost: none measurable: 14 alternating pairs of `IKED_INPROC_RELEASE=1 node
 * dist/bench/inproc-run.js psk-ecp256 20000` with and without it, mean 0.607 against
 * 0.606 ms CPU per SA (pairs −18 … +18 % apart on the shared machine, mean of the
 * pairwise differences +1.0 %); small blocks come from each thread's tcache without the
 * arena lock. Other C libraries ignore the variable.
 */
const MALLOC_ENV: Record<Role, Record<string, string>> = { control: {}, ca: {}, engine: { MALLOC_ARENA_MAX: '1' } };

/** The child's entry module next to this one (.js compiled, .ts under tsx). */
export function entryPoint(role: Role): string {
  return path.join(__dirname, ENTRY[role] + path.extname(__filename));
}

export interface SpawnOptions {
  args: ChildArgs;
  maxFrame: number;
  /** fd 5, 6...: 'pipe' for a new socketpair, or a socket to share */
  extra: Array<'pipe' | Socket>;
  env?: NodeJS.ProcessEnv;
  onFatal(reason: string): void;
  onClose(): void;
}

export function spawnChild(o: SpawnOptions): Child {
  const stdio: StdioOptions = ['ignore', 'inherit', 'inherit', 'ipc', 'pipe', ...o.extra];
  const execArgv = [...process.execArgv, ...V8_OPTIONS[o.args.role]];
  const proc = fork(entryPoint(o.args.role), [JSON.stringify(o.args)], { stdio, env: { ...(o.env ?? process.env), ...MALLOC_ENV[o.args.role] }, serialization: 'json', execArgv });
  const sock = proc.stdio[4] as Socket | null;
  if (!sock) throw new Error(`${o.args.role}: no channel to the child process`);
  const channel = new FrameChannel(sock, { name: `${o.args.role}->parent`, maxFrame: o.maxFrame, onFatal: o.onFatal, onClose: o.onClose });
  return { role: o.args.role, proc, channel };
}
