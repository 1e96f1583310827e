/** syslog, chrootAndDrop and IKE socket options of the native addon. */
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import * as dgram from 'node:dgram';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { loadKernelAddon } from '../../src/platform/native-binding';
import { bypassIpsec, enableEspInUdp, socketFd } from '../../src/platform/socket-options';

const addon = loadKernelAddon();

function bound(): Promise<dgram.Socket> {
  const s = dgram.createSocket('udp4');
  return new Promise((resolve) => s.bind(0, '127.0.0.1', () => resolve(s)));
}

describe('native helpers', () => {
  it('openlog/syslog/closelog accept valid arguments and reject bad ones', () => {
    addon.openlog('iked-test', 3 << 3);
    addon.syslog(7, 'iked platform test: debug message');
    addon.closelog();
    assert.throws(() => addon.openlog('x', 5), /facility must be a syslog facility/);
    assert.throws(() => addon.syslog(-1, 'x'), /priority must be a non-negative integer/);
    assert.throws(() => (addon.syslog as unknown as (p: number) => void)(3), /syslog\(priority: number, msg: string\)/);
  });

  it('chrootAndDrop: chroot + setuid in a child process', (t) => {
    if (process.getuid?.() !== 0) return t.skip('needs root (chroot, setuid)');
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'iked-chroot-'));
    fs.chmodSync(dir, 0o755);
    const bindingPath = require.resolve('../../src/platform/native-binding');
    const script = `
      const { loadKernelAddon } = require(${JSON.stringify(bindingPath)});
      const fs = require('fs');
      const a = loadKernelAddon();
      a.chrootAndDrop(${JSON.stringify(dir)}, 65534, 65534);
      const out = { uid: process.getuid(), gid: process.getgid(), groups: process.getgroups(), etc: fs.existsSync('/etc/passwd'), root: fs.readdirSync('/') };
      let regain = 'no';
      try { process.setuid(0); regain = 'yes'; } catch {}
      console.log(JSON.stringify({ ...out, regain }));
    `;
    const isTs = bindingPath.endsWith('.ts');
    const r = spawnSync(process.execPath, [...(isTs ? ['--import', 'tsx'] : []), '-e', script], { encoding: 'utf8' });
    fs.rmSync(dir, { recursive: true, force: true });
    assert.equal(r.status, 0, r.stderr);
    const o = JSON.parse(r.stdout.trim().split('\n').pop() as string);
    assert.deepEqual(o, { uid: 65534, gid: 65534, groups: [65534], etc: false, root: [], regain: 'no' });
  });

  it('chrootAndDrop: a missing directory is a clear error', (t) => {
    if (process.getuid?.() !== 0) return t.skip('needs root');
    assert.throws(() => addon.chrootAndDrop('/nonexistent-iked-dir', 65534, 65534), /^Error: chroot\(\/nonexistent-iked-dir\): No such file or directory \(ENOENT\)$/);
  });

  it('socket options: ESP-in-UDP and IPsec bypass on a bound UDP socket', async (t) => {
    if (process.platform !== 'linux') return t.skip('Linux socket options');
    const s = await bound();
    try {
      assert.ok(socketFd(s) > 2);
      enableEspInUdp(s);
      if (process.getuid?.() === 0) bypassIpsec(s);
      assert.throws(() => addon.udpEncapSocketOption(-1), /expected a socket file descriptor/);
      assert.throws(() => addon.udpEncapSocketOption(0x7ffffff), /setsockopt\(UDP_ENCAP, UDP_ENCAP_ESPINUDP\): Bad file descriptor \(EBADF\)/);
    } finally {
      s.close();
    }
  });
});
