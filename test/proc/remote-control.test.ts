/**
 * The control process's RemoteControl over a real UNIX socket pair: views are asked
 * of the engine when ikectl asks (nothing is pushed), and the engine is told when
 * monitors come and go so it sends events only while someone listens.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as net from 'node:net';
import * as os from 'node:os';
import * as path from 'node:path';
import { FrameChannel } from '../../src/proc/privsep/frame-channel';
import { RemoteControl } from '../../src/proc/privsep/remote-control';
import { M, empty, monitorOnCheck } from '../../src/proc/privsep/messages';
import type { MonitorEvent } from '../../src/proc/control-api';
import { SAMPLE_FLOWS, SAMPLE_SA } from './control-fake-daemon';

async function socketPair(): Promise<[net.Socket, net.Socket]> {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'remote-control-'));
  const p = path.join(dir, 's');
  const server = net.createServer();
  await new Promise<void>((r) => server.listen(p, r));
  const accepted = new Promise<net.Socket>((r) => server.once('connection', r));
  const client = net.createConnection(p);
  await new Promise<void>((r) => client.once('connect', () => r()));
  const other = await accepted;
  server.close();
  fs.rmSync(dir, { recursive: true, force: true });
  return [client, other];
}

test('remote control: views on demand from the engine, monitor on/off, events relayed', async () => {
  const [x, y] = await socketPair();
  const [px, py] = await socketPair();
  const fatal: string[] = [];
  const onFatal = (r: string) => fatal.push(r);
  const engineEnd = new FrameChannel(x, { name: 'engine', onFatal });
  const controlEnd = new FrameChannel(y, { name: 'control', onFatal });
  const parentEnd = new FrameChannel(px, { name: 'parent', onFatal });
  const controlParent = new FrameChannel(py, { name: 'control-parent', onFatal });
  const asked: string[] = [];
  const monitorState: boolean[] = [];
  engineEnd.handle(M.ctlShowSa, empty, () => (asked.push('sa'), [SAMPLE_SA]));
  engineEnd.handle(M.ctlShowFlows, empty, () => (asked.push('flows'), SAMPLE_FLOWS));
  engineEnd.handle(M.ctlShowStats, empty, () => (asked.push('stats'), { ikesa_established: 7 }));
  engineEnd.handle(M.ctlMonitor, monitorOnCheck, (r) => (monitorState.push(r.on), null));
  const errors: string[] = [];
  const ctl = new RemoteControl(controlEnd, controlParent, (m) => errors.push(m));
  try {
    assert.deepEqual(asked, [], 'nothing asked before ikectl asks');
    assert.deepEqual(await ctl.showSa(), [SAMPLE_SA]);
    assert.deepEqual(await ctl.showFlows(), SAMPLE_FLOWS);
    assert.deepEqual(await ctl.showStats(), { ikesa_established: 7 });
    assert.deepEqual(asked, ['sa', 'flows', 'stats']);

    const got: MonitorEvent[] = [];
    const off1 = ctl.subscribe((e) => got.push(e));
    const off2 = ctl.subscribe((e) => got.push(e));
    const ev: MonitorEvent = { time: 1, kind: 'established', message: 'x' };
    engineEnd.notify(M.ctlEvent, ev);
    const until = async (f: () => boolean) => {
      const end = Date.now() + 3000;
      while (!f() && Date.now() < end) await new Promise((r) => setTimeout(r, 5));
    };
    await until(() => got.length === 2 && monitorState.length === 1);
    assert.deepEqual(got, [ev, ev]);
    off1();
    off2();
    await until(() => monitorState.length === 2);
    assert.deepEqual(monitorState, [true, false], 'on with the first monitor, off after the last');

    // the engine failing a view is an error for that ikectl request only
    engineEnd.handle(M.ctlShowSa, empty, () => {
      throw new Error('engine: not initialised yet');
    });
    await assert.rejects(ctl.showSa(), /not initialised yet/);
    assert.deepEqual(fatal, []);
    assert.deepEqual(errors, []);
  } finally {
    for (const c of [engineEnd, controlEnd, parentEnd, controlParent]) c.close();
  }
});
