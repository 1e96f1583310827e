/** MOBIKE in the daemon: the address watcher and the IKE sockets following address changes. */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import dgram from 'node:dgram';
import { AddressWatcher, AddressChange } from '../../src/proc/address-watcher';
import { UdpTransport } from '../../src/proc/udp-transport';
import { createLogger } from '../../src/log/logger';

test('the address watcher reports additions and removals once', async () => {
  let list = ['192.0.2.1', '10.0.0.1'];
  const seen: AddressChange[] = [];
  const w = new AddressWatcher({ ipv6: false, list: () => list, onChange: (c) => void seen.push(c) });
  assert.equal(await w.check(), null, 'no change yet');
  list = ['10.0.0.1', '192.0.2.11'];
  const c = await w.check();
  assert.deepEqual(c, { added: ['192.0.2.11'], removed: ['192.0.2.1'], present: ['10.0.0.1', '192.0.2.11'] });
  assert.equal(await w.check(), null, 'reported once');
  assert.equal(seen.length, 1);
});

test('the transport binds a new address and closes a removed one', async (t) => {
  const lines: string[] = [];
  const log = createLogger({ foreground: true, verbose: 0, stderr: { write: (s: string) => lines.push(s) } });
  const got: Array<{ local: string; data: string }> = [];
  const port = 30000 + Math.floor(Math.random() * 20000);
  let tr: UdpTransport;
  try {
    tr = await UdpTransport.open({ ikePort: port, nattPort: null, ipv6: false, log, addresses: ['127.0.0.1'], onPacket: (buf, local) => got.push({ local: local.address, data: buf.toString() }) });
  } catch (e) {
    t.skip(`cannot bind on 127.0.0.1: ${(e as Error).message}`);
    return;
  }
  const sender = dgram.createSocket('udp4');
  const send = (to: string, data: string): Promise<void> => new Promise((r) => sender.send(data, port, to, () => r()));
  try {
    await tr.addAddress('127.0.0.2');
    await tr.addAddress('127.0.0.2'); // idempotent
    assert.deepEqual(tr.addresses().sort(), ['127.0.0.1', '127.0.0.2']);
    await send('127.0.0.2', 'hello new');
    const until = Date.now() + 2000;
    while (!got.length && Date.now() < until) await new Promise((r) => setTimeout(r, 10));
    assert.deepEqual(got, [{ local: '127.0.0.2', data: 'hello new' }]);
    tr.removeAddress('127.0.0.2');
    assert.deepEqual(tr.addresses(), ['127.0.0.1']);
    // the port is free again on that address
    const probe = dgram.createSocket('udp4');
    await new Promise<void>((resolve, reject) => {
      probe.once('error', reject);
      probe.bind(port, '127.0.0.2', () => resolve());
    });
    probe.close();
  } finally {
    sender.close();
    await tr.close();
  }
});
