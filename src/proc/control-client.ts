/**
 * ikectl's end of the control socket: one request, one response; or a
 * monitor stream of events.
 */
import * as net from 'node:net';
import { MonitorEvent } from './control-api';
import {
  ControlRequest,
  ControlResponse,
  encodeFrame,
  FrameDecoder,
  FrameError,
  MAX_RESPONSE_FRAME,
  validateResponse,
} from './control-protocol';

export const DEFAULT_CONTROL_TIMEOUT_MS = 10_000;

const STRERROR: Record<string, string> = {
  ENOENT: 'No such file or directory',
  ECONNREFUSED: 'Connection refused',
  EACCES: 'Permission denied',
  ENOTSOCK: 'Socket operation on non-socket',
  ENOTDIR: 'Not a directory',
  ECONNRESET: 'Connection reset by peer',
  EPIPE: 'Broken pipe',
};

/** An error talking to the control socket, worded like err(3): "connect: PATH: reason". */
export class ControlError extends Error {}

function connectError(path: string, e: NodeJS.ErrnoException): ControlError {
  const reason = (e.code && STRERROR[e.code]) || e.message;
  return new ControlError(`connect: ${path}: ${reason}`);
}

function connect(path: string): Promise<net.Socket> {
  return new Promise((resolve, reject) => {
    const s = net.createConnection(path);
    const onError = (e: NodeJS.ErrnoException): void => {
      s.destroy();
      reject(connectError(path, e));
    };
    s.once('error', onError);
    s.once('connect', () => {
      s.off('error', onError);
      resolve(s);
    });
  });
}

/** Send one request and wait for its single response. */
export async function controlRequest(
  path: string,
  req: ControlRequest,
  timeoutMs: number = DEFAULT_CONTROL_TIMEOUT_MS,
): Promise<ControlResponse> {
  const frame = encodeFrame(req);
  const sock = await connect(path);
  return new Promise<ControlResponse>((resolve, reject) => {
    const decoder = new FrameDecoder(MAX_RESPONSE_FRAME);
    let settled = false;
    const finish = (err: Error | null, resp?: ControlResponse): void => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      sock.destroy();
      if (err) reject(err);
      else resolve(resp as ControlResponse);
    };
    const timer = setTimeout(
      () => finish(new ControlError(`${path}: no reply from iked within ${timeoutMs} ms`)),
      timeoutMs,
    );
    sock.on('data', (chunk: Buffer) => {
      try {
        const frames = decoder.push(chunk);
        if (frames.length === 0) return;
        const f = frames[0];
        if (!f.ok) return finish(new ControlError(`${path}: ${f.error}`));
        const r = validateResponse(f.value);
        if ('error' in r && !('ok' in r)) return finish(new ControlError(`${path}: ${r.error}`));
        finish(null, r as ControlResponse);
      } catch (e) {
        finish(new ControlError(`${path}: ${e instanceof FrameError ? e.message : String(e)}`));
      }
    });
    sock.on('error', (e: NodeJS.ErrnoException) => finish(new ControlError(`${path}: ${(e.code && STRERROR[e.code]) || e.message}`)));
    sock.on('close', () => finish(new ControlError(`${path}: connection closed by iked without a reply`)));
    sock.write(frame);
  });
}

export interface MonitorHandle {
  /** Stop monitoring and close the connection. */
  close(): void;
  /** Settles when the stream ends: resolves on close() or when iked closes, rejects on errors. */
  done: Promise<void>;
}

/** Start a `monitor` stream; onEvent is called for every event the daemon publishes. */
export async function controlMonitor(
  path: string,
  onEvent: (e: MonitorEvent) => void,
  timeoutMs: number = DEFAULT_CONTROL_TIMEOUT_MS,
): Promise<MonitorHandle> {
  const sock = await connect(path);
  const decoder = new FrameDecoder(MAX_RESPONSE_FRAME);
  let started = false;
  let closing = false;

  let startResolve!: () => void;
  let startReject!: (e: Error) => void;
  const startP = new Promise<void>((res, rej) => {
    startResolve = res;
    startReject = rej;
  });
  let doneResolve!: () => void;
  let doneReject!: (e: Error) => void;
  const done = new Promise<void>((res, rej) => {
    doneResolve = res;
    doneReject = rej;
  });
  done.catch(() => undefined);

  const fail = (e: Error): void => {
    sock.destroy();
    if (!started) startReject(e);
    doneReject(e);
  };
  const timer = setTimeout(() => {
    if (!started) fail(new ControlError(`${path}: no reply from iked within ${timeoutMs} ms`));
  }, timeoutMs);

  sock.on('data', (chunk: Buffer) => {
    let frames;
    try {
      frames = decoder.push(chunk);
    } catch (e) {
      return fail(new ControlError(`${path}: ${e instanceof Error ? e.message : String(e)}`));
    }
    for (const f of frames) {
      if (!f.ok) return fail(new ControlError(`${path}: ${f.error}`));
      const r = validateResponse(f.value);
      if (!('ok' in r)) return fail(new ControlError(`${path}: ${r.error}`));
      if (!r.ok) return fail(new ControlError(r.error));
      if (r.cmd === 'monitor') {
        started = true;
        clearTimeout(timer);
        startResolve();
      } else if (r.cmd === 'event') {
        onEvent(r.event);
      }
    }
  });
  sock.on('error', (e: NodeJS.ErrnoException) => {
    if (!closing) fail(new ControlError(`${path}: ${(e.code && STRERROR[e.code]) || e.message}`));
  });
  sock.on('close', () => {
    clearTimeout(timer);
    if (!started) startReject(new ControlError(`${path}: connection closed by iked without a reply`));
    doneResolve();
  });

  sock.write(encodeFrame({ cmd: 'monitor' } satisfies ControlRequest));
  await startP;
  return {
    close: () => {
      closing = true;
      sock.destroy();
    },
    done,
  };
}
