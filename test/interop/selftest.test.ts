/**
 * Self-test of the interop harness: real strongSwan charons (and libreswan's
 * pluto) in network namespaces. Integration test: skipped unless root with
 * strongSwan installed (ci/deps.sh).
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import { interopAvailable, listNamespaces, makeNatTopology, makeTwoHosts, ping } from './lib/netns';
import { Charon } from './lib/charon';
import { pskSwanctlConf } from './lib/swanctl-conf';
import { compareSwanPair } from './lib/compare-sa';
import { startSniffer } from './lib/sniff';
import { Libreswan, libreswanAvailable, pskToLibreswanHex } from './lib/libreswan';

const PSK = '0sv+NkxY9LLZvwj4qCC2o/gGrWDF2d21jL';
const IKE = 'aes128gcm16-prfsha256-ecp256';
const ESP = 'aes128gcm16';
const skip = interopAvailable();

async function assertGone(prefix: string, pids: number[]): Promise<void> {
  const left = (await listNamespaces()).filter((n) => n.startsWith(prefix + '-'));
  assert.deepEqual(left, [], `namespaces left behind: ${left.join(' ')}`);
  for (const p of pids) assert.ok(!existsSync(`/proc/${p}`), `process ${p} still alive after cleanup`);
}

test('charon <-> charon: PSK, SPIs agree, ping through kernel-libipsec, ESP-in-UDP only', { timeout: 60_000 }, async (t) => {
  if (skip) return t.skip(skip);
  const prefix = 'iit-st';
  const topo = await makeTwoHosts(prefix);
  const pids: number[] = [];
  let a: Charon | undefined;
  let b: Charon | undefined;
  try {
    const { a: A, b: B } = topo;
    a = await Charon.start({
      ns: A.ns, name: 'a',
      swanctlConf: pskSwanctlConf({ localAddrs: A.addr, remoteAddrs: B.addr, localId: 'a.test', remoteId: 'b.test', localTs: A.lan, remoteTs: B.lan, proposals: IKE, espProposals: ESP, psk: PSK }),
    });
    pids.push(a.pid);
    b = await Charon.start({
      ns: B.ns, name: 'b',
      swanctlConf: pskSwanctlConf({ localAddrs: B.addr, remoteAddrs: A.addr, localId: 'b.test', remoteId: 'a.test', localTs: B.lan, remoteTs: A.lan, proposals: IKE, espProposals: ESP, psk: PSK }),
    });
    pids.push(b.pid);
    await a.loadAll();
    await b.loadAll();

    const before = await ping(A.ns, B.lanAddr, { count: 1, timeoutS: 1 });
    assert.equal(before.received, 0, 'LANs must not be reachable before the tunnel exists');

    const sniff = await startSniffer(B.ns, B.outIf, ['udp or icmp or esp']);
    const init = await a.initiate('net', 't');
    assert.equal(init.code, 0, `initiate failed:\n${init.out}`);
    const p = await ping(A.ns, B.lanAddr, { count: 3, src: A.lanAddr });
    const counts = await sniff.stop();
    assert.ok(p.ok, `ping through the tunnel failed:\n${p.out}`);
    assert.ok(counts.ike500 >= 2, `expected IKE_SA_INIT on 500, saw:\n${counts.lines.join('\n')}`);
    assert.ok(counts.ikeNatT >= 2, `expected IKE_AUTH on 4500 (encap = yes), saw:\n${counts.lines.join('\n')}`);
    assert.ok(counts.espInUdp >= 6, `expected >= 6 ESP-in-UDP packets, saw:\n${counts.lines.join('\n')}`);
    assert.equal(counts.icmp, 0, `cleartext ICMP on the outside link:\n${counts.lines.join('\n')}`);
    assert.equal(counts.esp, 0, 'kernel-libipsec must not send plain ESP');

    const [sa] = await a.listSas();
    const [sb] = await b.listSas();
    assert.ok(sa && sb, 'both ends must list the IKE_SA');
    assert.equal(sa.state, 'ESTABLISHED');
    assert.equal(sa.initiator, true);
    assert.equal(sb.initiator, false);
    assert.match(sa.spiI, /^[0-9a-f]{16}$/);
    assert.equal(sa.encr, 'AES_GCM_16');
    assert.equal(sa.encrKeySize, 128);
    assert.equal(sa.prf, 'PRF_HMAC_SHA2_256');
    assert.equal(sa.dh, 'ECP_256');
    assert.equal(sa.integ, undefined);
    assert.equal(sa.natLocal, undefined, 'no real NAT here');
    assert.equal(sa.children.length, 1);
    const ca = sa.children[0];
    assert.equal(ca.state, 'INSTALLED');
    assert.equal(ca.mode, 'TUNNEL');
    assert.equal(ca.protocol, 'ESP');
    assert.equal(ca.encap, true);
    assert.match(ca.spiIn, /^[0-9a-f]{8}$/);
    assert.deepEqual(ca.localTs, [A.lan]);
    assert.deepEqual(ca.remoteTs, [B.lan]);
    assert.ok((ca.packetsOut ?? 0) >= 3 && (ca.packetsIn ?? 0) >= 3, `ESP counters: ${JSON.stringify(ca.raw)}`);
    assert.deepEqual(compareSwanPair(sa, sb), []);

    // compareSwanPair must be able to fail
    const tampered = { ...sb, spiR: '0000000000000000', children: sb.children.map((c) => ({ ...c, spiOut: 'deadbeef' })) };
    const diff = compareSwanPair(sa, tampered);
    assert.ok(diff.some((d) => d.includes('SPIr')) && diff.some((d) => d.includes('no peer child')), diff.join('\n'));

    await a.terminateIke('t');
    await b.waitForLog(/IKE_SA t\[\d+\] .*(deleted|deleting)|received DELETE for IKE_SA/, 5000);
    assert.deepEqual(await b.listSas(), []);
  } finally {
    await a?.stop();
    await b?.stop();
    await topo.cleanup();
  }
  await assertGone(prefix, pids);
});

test('NAT: initiator behind masquerade detects NAT and uses UDP 4500', { timeout: 60_000 }, async (t) => {
  if (skip) return t.skip(skip);
  const prefix = 'iit-stn';
  const topo = await makeNatTopology(prefix);
  const pids: number[] = [];
  let a: Charon | undefined;
  let b: Charon | undefined;
  try {
    const { a: A, b: B, nat } = topo;
    a = await Charon.start({
      ns: A.ns, name: 'a',
      swanctlConf: pskSwanctlConf({ localAddrs: A.addr, remoteAddrs: B.addr, localId: 'a.test', remoteId: 'b.test', localTs: A.lan, remoteTs: B.lan, proposals: IKE, espProposals: ESP, psk: PSK }),
    });
    pids.push(a.pid);
    b = await Charon.start({
      ns: B.ns, name: 'b',
      swanctlConf: pskSwanctlConf({ localAddrs: B.addr, remoteAddrs: '%any', localId: 'b.test', remoteId: 'a.test', localTs: B.lan, remoteTs: A.lan, proposals: IKE, espProposals: ESP, psk: PSK }),
    });
    pids.push(b.pid);
    await a.loadAll();
    await b.loadAll();
    const sniff = await startSniffer(nat.ns, 'out', ['udp or icmp or esp']);
    const init = await a.initiate('net', 't');
    assert.equal(init.code, 0, `initiate failed:\n${init.out}`);
    const p = await ping(A.ns, B.lanAddr, { count: 3, src: A.lanAddr });
    const counts = await sniff.stop();
    assert.ok(p.ok, `ping through the NATed tunnel failed:\n${p.out}`);
    assert.match(a.log(), /local host is behind NAT/);
    assert.match(b.log(), /remote host is behind NAT/);
    const [sa] = await a.listSas();
    const [sb] = await b.listSas();
    assert.equal(sa.natLocal, true, 'initiator must detect that it is behind NAT');
    assert.equal(sb.natLocal, undefined);
    assert.equal(sb.natRemote, true);
    assert.equal(sa.localHost, A.addr);
    assert.equal(sb.remoteHost, nat.publicAddr, 'responder sees the NAT public address');
    assert.equal(sa.remotePort, 4500);
    assert.equal(sb.localPort, 4500);
    assert.deepEqual(compareSwanPair(sa, sb, 'x-behind-nat'), []);
    // on the public side: only UDP from the NAT's public address, ESP in UDP to 4500, no cleartext ICMP
    assert.ok(counts.espInUdp >= 6, counts.lines.join('\n'));
    assert.equal(counts.icmp, 0, counts.lines.join('\n'));
    for (const l of counts.lines) assert.ok(!l.includes('172.16.0.'), `private address leaked past the NAT: ${l}`);
    assert.ok(counts.lines.some((l) => /192\.0\.2\.1\.\d+ > 192\.0\.2\.2\.4500: UDP-encap/.test(l)), counts.lines.join('\n'));
  } finally {
    await a?.stop();
    await b?.stop();
    await topo.cleanup();
  }
  await assertGone(prefix, pids);
});

test('cleanup kills leftovers of an earlier crashed run with the same prefix', { timeout: 30_000 }, async (t) => {
  if (skip) return t.skip(skip);
  const prefix = 'iit-stc';
  const first = await makeTwoHosts(prefix);
  // simulate a crash: a daemon left running, namespaces never cleaned up
  const orphan = await Charon.start({
    ns: first.a.ns, name: 'orphan',
    swanctlConf: pskSwanctlConf({ localAddrs: first.a.addr, remoteAddrs: first.b.addr, localId: 'a.test', remoteId: 'b.test', localTs: first.a.lan, remoteTs: first.b.lan, proposals: IKE, espProposals: ESP, psk: PSK }),
  });
  assert.ok(existsSync(`/proc/${orphan.pid}`));
  const second = await makeTwoHosts(prefix); // must not fail on "File exists" and must kill the orphan
  try {
    assert.ok(!existsSync(`/proc/${orphan.pid}`) || !orphan.running, 'the orphaned charon must be killed');
    const r = await ping(second.a.ns, second.b.addr, { count: 1 });
    assert.ok(r.ok, r.out);
  } finally {
    await orphan.stop(); // already dead: just removes its temp dir
    await second.cleanup();
  }
  await assertGone(prefix, [orphan.pid]);
});

test('libreswan pluto <-> charon: IKE_AUTH with PSK (CHILD_SA needs kernel ESP)', { timeout: 60_000 }, async (t) => {
  if (skip) return t.skip(skip);
  const lswSkip = libreswanAvailable();
  if (lswSkip) return t.skip(lswSkip);
  const prefix = 'iit-stl';
  const topo = await makeTwoHosts(prefix);
  const pids: number[] = [];
  let a: Charon | undefined;
  let l: Libreswan | undefined;
  try {
    const { a: A, b: B } = topo;
    // the host kernel has no ESP: pluto's CHILD_SA install fails (errno 93) and it answers TS_UNACCEPTABLE
    a = await Charon.start({
      ns: A.ns, name: 'a',
      swanctlConf: pskSwanctlConf({ localAddrs: A.addr, remoteAddrs: B.addr, localId: 'a.test', remoteId: 'b.test', localTs: A.lan, remoteTs: B.lan, proposals: 'aes128-sha256-ecp256', espProposals: 'aes128-sha256', psk: PSK }),
    });
    pids.push(a.pid);
    l = await Libreswan.start({
      ns: B.ns, name: 'pluto',
      conns: [
        'conn t',
        '    ikev2=insist',
        '    authby=secret',
        `    left=${B.addr}`,
        '    leftid=@b.test',
        `    leftsubnet=${B.lan}`,
        `    right=${A.addr}`,
        '    rightid=@a.test',
        `    rightsubnet=${A.lan}`,
        '    ike=aes128-sha2_256;dh19',
        '    esp=aes128-sha2_256',
        '    encapsulation=yes',
        '    auto=add',
      ].join('\n'),
      secrets: `@b.test @a.test : PSK ${pskToLibreswanHex(PSK)}`,
    });
    pids.push(l.pid);
    await a.loadAll();
    const init = await a.initiate('net', 't', 10);
    assert.match(init.out + a.log(), /IKE_SA t\[\d+\] established between 192\.0\.2\.1\[a\.test\]\.\.\.192\.0\.2\.2\[b\.test\]/, init.out);
    await l.waitForLog(/responder established IKE SA; authenticated peer using authby=secret/, 5000);
    const [sa] = await a.listSas();
    assert.equal(sa.state, 'ESTABLISHED');
    assert.equal(sa.remoteId, 'b.test');
    assert.equal(sa.encr, 'AES_CBC');
    assert.equal(sa.integ, 'HMAC_SHA2_256_128');
    assert.equal(sa.dh, 'ECP_256');
    const status = await l.status();
    assert.match(status, /#\d+: "t":4500 STATE_V2_ESTABLISHED_IKE_SA/, `pluto must hold an established IKE SA:\n${status}`);
    // documented limitation of this host: no ESP in the kernel, so no CHILD_SA with pluto
    if (/Protocol not supported/.test(l.log())) {
      assert.match(a.log(), /received TS_UNACCEPTABLE notify, no CHILD_SA built/);
      assert.equal(sa.children.length, 0);
      t.diagnostic('pluto could not install its CHILD_SA: host kernel lacks ESP (errno 93), as documented');
    } else {
      assert.equal(sa.children.length, 1, 'kernel with ESP: the CHILD_SA must come up');
    }
  } finally {
    await a?.stop();
    await l?.stop();
    await topo.cleanup();
  }
  await assertGone(prefix, pids);
});
