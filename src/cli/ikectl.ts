#!/usr/bin/env node
/**
 * ikectl(8): control iked through its control socket, and run a small CA
 * for it (`ikectl ca ...`).
 */
import { IKECTL_USAGE, parseIkectlArgs } from './ikectl-options';
import { IKED_VERSION } from './version';
import { CaError, CaIo, runCaCommand } from './ikectl-ca';
import { createPasswordReader } from './password-prompt';
import { formatCertstore, formatFlows, formatMonitorEvent, formatSas, formatStats } from './ikectl-format';
import { ControlError, controlMonitor, controlRequest } from '../proc/control-client';
import { ControlRequest, ControlResponse } from '../proc/control-protocol';

export interface IkectlIo {
  stdout: { write(s: string): unknown };
  stderr: { write(s: string): unknown };
  env: NodeJS.ProcessEnv;
  cwd: string;
  readPassword?: (prompt: string) => Promise<string | null>;
  /** aborting ends `monitor` (the CLI wires SIGINT to it) */
  signal?: AbortSignal;
  timeoutMs?: number;
}

function errText(e: unknown): string {
  return e instanceof Error ? e.message : String(e);
}

/** JSON payload of a response for --json: the data without the envelope. */
function jsonPayload(r: ControlResponse): unknown {
  if (!r.ok) return { error: r.error };
  switch (r.cmd) {
    case 'show-sa':
      return r.sas;
    case 'show-flows':
      return r.flows;
    case 'show-stats':
      return r.stats;
    case 'show-certstore':
      return r.certs;
    case 'show-ca':
      return r.lines;
    default:
      return r;
  }
}

function humanText(req: ControlRequest, r: ControlResponse): string {
  if (!r.ok) return '';
  switch (r.cmd) {
    case 'show-sa':
      return formatSas(r.sas);
    case 'show-flows':
      return formatFlows(r.flows);
    case 'show-stats':
      return formatStats(r.stats);
    case 'show-certstore':
      return formatCertstore(r.certs);
    case 'show-ca':
      return r.lines.map((l) => l + '\n').join('');
    case 'reload':
      return req.cmd === 'reload' && req.file ? `configuration ${req.file} loaded\n` : 'configuration reloaded\n';
    case 'reset':
      return r.message ? r.message.replace(/\n?$/, '\n') : '';
    case 'couple':
      return 'coupled\n';
    case 'decouple':
      return 'decoupled\n';
    case 'active':
    case 'passive':
      return `mode set to ${r.cmd}\n`;
    case 'log':
      return req.cmd === 'log' ? `logging ${req.verbose ? 'verbose' : 'brief'}\n` : '';
    default:
      return '';
  }
}

export async function ikectlMain(argv: string[], io: IkectlIo): Promise<number> {
  const o = parseIkectlArgs(argv, io.env);
  if ('error' in o) {
    io.stderr.write(`ikectl: ${o.error}\n${IKECTL_USAGE}\n`);
    return 1;
  }
  if (o.showVersion || !o.command) {
    io.stdout.write(`ikectl ${IKED_VERSION}\n`);
    return 0;
  }
  const cmd = o.command;
  const pw: { reader: ReturnType<typeof createPasswordReader> | null } = { reader: null };
  const caIo = (): CaIo => ({
    root: o.root,
    cwd: io.cwd,
    env: io.env,
    out: (l) => void io.stdout.write(l + '\n'),
    readPassword:
      io.readPassword ??
      ((prompt) => {
        pw.reader ??= createPasswordReader();
        return pw.reader.read(prompt);
      }),
  });

  try {
    if (cmd.kind === 'ca') {
      await runCaCommand(cmd.cmd, caIo());
      return 0;
    }

    if (cmd.req.cmd === 'monitor') {
      const handle = await controlMonitor(
        o.socketPath,
        (e) => void io.stdout.write(o.json ? JSON.stringify(e) + '\n' : formatMonitorEvent(e)),
        io.timeoutMs,
      );
      const onAbort = (): void => handle.close();
      if (io.signal) {
        if (io.signal.aborted) handle.close();
        else io.signal.addEventListener('abort', onAbort, { once: true });
      }
      try {
        await handle.done;
      } finally {
        io.signal?.removeEventListener('abort', onAbort);
      }
      return 0;
    }

    let resp: ControlResponse;
    try {
      resp = await controlRequest(o.socketPath, cmd.req, io.timeoutMs);
    } catch (e) {
      // like OpenBSD, `show ca` can be answered from the CA directory alone
      if (cmd.localCa && e instanceof ControlError && /^connect: /.test(e.message)) {
        await runCaCommand(cmd.localCa, caIo());
        return 0;
      }
      throw e;
    }
    if (!resp.ok) {
      io.stderr.write(`ikectl: ${resp.error}\n`);
      return 1;
    }
    if (resp.cmd === 'reload' && !resp.reloaded) {
      if (o.json) io.stdout.write(JSON.stringify(jsonPayload(resp), null, 2) + '\n');
      io.stderr.write(`ikectl: ${cmd.req.cmd === 'reload' && cmd.req.file ? cmd.req.file : 'configuration'}: reload failed\n`);
      for (const err of resp.errors) io.stderr.write(`${err}\n`);
      return 1;
    }
    if (o.json) io.stdout.write(JSON.stringify(jsonPayload(resp), null, 2) + '\n');
    else if (!o.quiet || cmd.req.cmd.startsWith('show-')) io.stdout.write(humanText(cmd.req, resp));
    return 0;
  } catch (e) {
    if (e instanceof CaError || e instanceof ControlError) {
      io.stderr.write(`ikectl: ${e.message}\n`);
      return 1;
    }
    io.stderr.write(`ikectl: ${errText(e)}\n`);
    return 1;
  } finally {
    pw.reader?.close();
  }
}

if (require.main === module) {
  const ac = new AbortController();
  process.on('SIGINT', () => ac.abort());
  process.on('SIGTERM', () => ac.abort());
  ikectlMain(process.argv.slice(2), {
    stdout: process.stdout,
    stderr: process.stderr,
    env: process.env,
    cwd: process.cwd(),
    signal: ac.signal,
  }).then(
    (code) => {
      // exit once stdout and stderr are flushed: process.exit() right after a large write
      // to a pipe cuts the output short (`ikectl show sa --json | ...` with thousands of SAs)
      process.stdout.write('', () => process.stderr.write('', () => process.exit(code)));
    },
    (e: unknown) => {
      process.stderr.write(`ikectl: ${errText(e)}\n`);
      process.exit(1);
    },
  );
}
