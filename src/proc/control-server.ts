/**
 * The daemon's end of the control socket: a UNIX stream socket (mode 0660)
 * answering ikectl requests from a DaemonControl.
 */
import * as fs from 'node:fs';
import * as net from 'node:net';
import { DaemonControl } from './control-api';
import {
  ControlRequest,
  ControlResponse,
  encodeFrame,
  encodeResponseFrame,
  FrameDecoder,
  FrameError,
  validateRequest,
} from './control-protocol';
import type { Logger } from '../log/logger';

export const CONTROL_SOCKET_MODE = 0o660;
/** A non-monitor connection that sends nothing for this long is dropped. */
export const CONTROL_IDLE_MS = 30_000;
export const CONTROL_MAX_CLIENTS = 64;

function errMessage(e: unknown): string {
  return e instanceof Error ? e.message : String(e);
}

/** Is a daemon answering on this socket path? */
function probeSocket(path: string): Promise<'alive' | 'stale'> {
  return new Promise((resolve, reject) => {
    const s = net.createConnection(path);
    s.once('connect', () => {
      s.destroy();
      resolve('alive');
    });
    s.once('error', (e: NodeJS.ErrnoException) => {
      s.destroy();
      if (e.code === 'ECONNREFUSED' || e.code === 'ENOENT') resolve('stale');
      else reject(new Error(`control socket ${path}: ${e.message}`));
    });
  });
}

async function clearOldSocket(path: string, log: Logger): Promise<void> {
  let st: fs.Stats;
  try {
    st = fs.lstatSync(path);
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === 'ENOENT') return;
    throw new Error(`control socket ${path}: ${errMessage(e)}`);
  }
  if (!st.isSocket()) throw new Error(`control socket ${path} exists and is not a socket`);
  if ((await probeSocket(path)) === 'alive') throw new Error(`control socket ${path} is in use`);
  log.debug(`control: removing stale socket ${path}`);
  fs.unlinkSync(path);
}

async function dispatch(ctl: DaemonControl, req: ControlRequest): Promise<ControlResponse> {
  switch (req.cmd) {
    case 'show-sa':
      return { ok: true, cmd: req.cmd, sas: await ctl.showSa() };
    case 'show-flows':
      return { ok: true, cmd: req.cmd, flows: await ctl.showFlows() };
    case 'show-stats':
      return { ok: true, cmd: req.cmd, stats: await ctl.showStats() };
    case 'show-certstore':
      return { ok: true, cmd: req.cmd, certs: await ctl.showCertstore() };
    case 'show-ca':
      return { ok: true, cmd: req.cmd, lines: await ctl.showCa(req.name) };
    case 'reload': {
      const r = await ctl.reload(req.file);
      return { ok: true, cmd: req.cmd, reloaded: r.ok, errors: r.errors };
    }
    case 'reset':
      return { ok: true, cmd: req.cmd, message: await ctl.reset(req.what, req.arg) };
    case 'couple':
    case 'decouple':
      await ctl.setCoupled(req.cmd === 'couple');
      return { ok: true, cmd: req.cmd };
    case 'active':
    case 'passive':
      ctl.setMode(req.cmd);
      return { ok: true, cmd: req.cmd };
    case 'log':
      ctl.setLogVerbose(req.verbose);
      return { ok: true, cmd: req.cmd };
    case 'monitor':
      return { ok: true, cmd: 'monitor', started: true };
  }
}

export interface ControlServer {
  close(): Promise<void>;
}

export async function startControlServer(path: string, ctl: DaemonControl, log: Logger): Promise<ControlServer> {
  await clearOldSocket(path, log);

  const conns = new Set<net.Socket>();

  const send = (sock: net.Socket, msg: ControlResponse): void => {
    if (sock.destroyed) return;
    let frame: Buffer;
    try {
      frame = encodeResponseFrame(msg);
    } catch (e) {
      frame = encodeFrame({ ok: false, error: errMessage(e) });
    }
    sock.write(frame);
  };

  const handle = (sock: net.Socket): void => {
    if (conns.size >= CONTROL_MAX_CLIENTS) {
      send(sock, { ok: false, error: 'too many control connections' });
      sock.end();
      return;
    }
    conns.add(sock);
    const decoder = new FrameDecoder();
    let busy = false;
    let unsubscribe: (() => void) | null = null;
    sock.setTimeout(CONTROL_IDLE_MS);
    sock.on('timeout', () => {
      if (!unsubscribe) sock.destroy();
    });
    sock.on('error', (e) => log.debug(`control: connection error: ${e.message}`));
    sock.on('close', () => {
      conns.delete(sock);
      if (unsubscribe) unsubscribe();
      unsubscribe = null;
    });

    const serve = async (req: ControlRequest): Promise<void> => {
      busy = true;
      let resp: ControlResponse;
      try {
        resp = await dispatch(ctl, req);
      } catch (e) {
        resp = { ok: false, error: errMessage(e) };
      }
      send(sock, resp);
      if (req.cmd === 'monitor' && resp.ok) {
        sock.setTimeout(0);
        unsubscribe = ctl.subscribe((event) => send(sock, { ok: true, cmd: 'event', event }));
        return;
      }
      busy = false;
      sock.end();
    };

    sock.on('data', (chunk: Buffer) => {
      let frames;
      try {
        frames = decoder.push(chunk);
      } catch (e) {
        const msg = e instanceof FrameError ? e.message : 'control protocol error';
        log.debug(`control: dropping connection: ${msg}`);
        send(sock, { ok: false, error: msg });
        sock.end();
        sock.pause();
        return;
      }
      for (const f of frames) {
        if (busy || unsubscribe) {
          send(sock, { ok: false, error: 'one request per connection' });
          continue;
        }
        if (!f.ok) {
          send(sock, { ok: false, error: f.error });
          continue;
        }
        const req = validateRequest(f.value);
        if ('error' in req) {
          send(sock, { ok: false, error: req.error });
          continue;
        }
        log.debug(`control: request ${req.cmd}`);
        void serve(req);
      }
    });
  };

  const server = net.createServer(handle);
  await new Promise<void>((resolve, reject) => {
    // the socket is created with the umask; restrict it before it is visible
    let oldMask: number | null = null;
    try {
      oldMask = process.umask(0o117);
    } catch {
      oldMask = null; // worker threads cannot change the umask
    }
    const restore = (): void => {
      if (oldMask !== null) process.umask(oldMask);
      oldMask = null;
    };
    const onError = (e: Error): void => {
      restore();
      reject(e);
    };
    server.once('error', onError);
    server.listen(path, () => {
      restore();
      server.off('error', onError);
      resolve();
    });
  }).catch((e: NodeJS.ErrnoException) => {
    throw new Error(`control socket ${path}: ${e.message}`);
  });
  fs.chmodSync(path, CONTROL_SOCKET_MODE);
  server.on('error', (e) => log.error(`control: ${e.message}`));
  log.debug(`control: listening on ${path}`);

  let closed = false;
  return {
    close: async () => {
      if (closed) return;
      closed = true;
      for (const c of conns) c.destroy();
      await new Promise<void>((resolve) => server.close(() => resolve()));
      try {
        fs.unlinkSync(path);
      } catch {
        // already gone
      }
    },
  };
}
