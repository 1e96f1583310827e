/**
 * NAT traversal through a third namespace doing nftables masquerade: NAT detection,
 * the move to UDP 4500 with the non-ESP marker, and UDP-encapsulated Child SAs,
 * against strongSwan in both roles and against ourselves.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { interopAvailable } from './lib/netns';
import { compareSa } from './lib/iked-process';
import { startSniffer } from './lib/sniff';
import { REPO, IKE_PROPOSALS, ESP_PROPOSALS, ikedConf, swanConf, oursEstablished, theirsEstablished, makeNatTopology, Charon, IkedProcess } from './lib/scenario';

const skip = interopAvailable();
const ike = IKE_PROPOSALS[0];
const esp = ESP_PROPOSALS[0];

test('NAT-T: iked behind masquerade initiates to strongSwan', { timeout: 90_000 }, async (t) => {
  if (skip) return t.skip(skip);
  const topo = await makeNatTopology('iin1');
  let iked: IkedProcess | undefined;
  let charon: Charon | undefined;
  try {
    const { a: A, b: B, nat } = topo;
    charon = await Charon.start({
      ns: B.ns,
      name: 'b',
      swanctlConf: swanConf({ local: B.addr, remote: '%any', localLan: B.lan, remoteLan: A.lan, ike: ike.swan, esp: esp.swan, localId: 'b.test', remoteId: 'a.test', auth: { kind: 'psk' } }),
    });
    await charon.loadAll();
    const sniff = await startSniffer(nat.ns, 'out', ['udp']);
    iked = await IkedProcess.start({
      ns: A.ns,
      repoRoot: REPO,
      conf: ikedConf({ active: true, local: A.addr, peer: B.addr, localLan: A.lan, remoteLan: B.lan, ike: ike.iked, esp: esp.iked, srcid: 'a.test', dstid: 'b.test', auth: { kind: 'psk' } }),
      extraArgs: ['-v'],
      env: { IKED_NATT_KEEPALIVE_MS: '700' },
    });
    const mine = await oursEstablished(iked);
    const theirs = await theirsEstablished(charon);
    await new Promise((r) => setTimeout(r, 2000));
    const counts = await sniff.stop();
    assert.ok(counts.keepalive >= 1, `we are behind a NAT: NAT keepalives expected:\n${counts.lines.join('\n')}`);
    assert.equal(mine.natLocal, true, 'we must detect that we are behind a NAT');
    assert.match(mine.remote, /:4500$/, 'IKE moved to the NAT-T port');
    assert.equal(mine.children[0].encap, true, 'the Child SA is UDP-encapsulated');
    assert.equal(theirs.natRemote, true, 'charon sees us behind a NAT');
    assert.equal(theirs.remoteHost, nat.publicAddr, 'charon sees the public address of the NAT');
    assert.deepEqual(compareSa(mine, theirs, { initiator: 'ours', nat: 'ignore' }), []);
    assert.ok(counts.ike500 >= 2 && counts.ikeNatT >= 2, `IKE on 500 then 4500 expected:\n${counts.lines.join('\n')}`);
    for (const l of counts.lines) assert.ok(!l.includes('172.16.0.'), `private address leaked past the NAT: ${l}`);
  } finally {
    await iked?.stop();
    await charon?.stop();
    await topo.cleanup();
  }
});

test('NAT-T: strongSwan behind masquerade initiates to iked', { timeout: 90_000 }, async (t) => {
  if (skip) return t.skip(skip);
  const topo = await makeNatTopology('iin2');
  let iked: IkedProcess | undefined;
  let charon: Charon | undefined;
  try {
    const { a: A, b: B, nat } = topo;
    charon = await Charon.start({
      ns: A.ns,
      name: 'a',
      swanctlConf: swanConf({ local: A.addr, remote: B.addr, localLan: A.lan, remoteLan: B.lan, ike: ike.swan, esp: esp.swan, localId: 'a.test', remoteId: 'b.test', auth: { kind: 'psk' } }),
    });
    await charon.loadAll();
    iked = await IkedProcess.start({
      ns: B.ns,
      repoRoot: REPO,
      conf: ikedConf({ active: false, local: B.addr, peer: 'any', localLan: B.lan, remoteLan: A.lan, ike: ike.iked, esp: esp.iked, srcid: 'b.test', dstid: 'a.test', auth: { kind: 'psk' } }),
      extraArgs: ['-v'],
    });
    const r = await charon.initiate('net', 't');
    assert.equal(r.code, 0, `${r.out}\n--- iked ---\n${iked.log()}`);
    const mine = await oursEstablished(iked);
    const theirs = await theirsEstablished(charon);
    assert.equal(mine.natRemote, true, 'we must see the peer behind a NAT');
    assert.match(mine.remote, new RegExp(`^${nat.publicAddr.replace(/\./g, '\\.')}:`), 'the peer is the NAT public address');
    assert.equal(mine.children[0].encap, true);
    assert.equal(theirs.natLocal, true, 'charon detects its NAT');
    assert.deepEqual(compareSa(mine, theirs, { initiator: 'theirs', nat: 'ignore' }), []);
  } finally {
    await iked?.stop();
    await charon?.stop();
    await topo.cleanup();
  }
});

test('NAT-T: iked behind masquerade to iked', { timeout: 90_000 }, async (t) => {
  if (skip) return t.skip(skip);
  const topo = await makeNatTopology('iin3');
  let a: IkedProcess | undefined;
  let b: IkedProcess | undefined;
  try {
    const { a: A, b: B, nat } = topo;
    b = await IkedProcess.start({
      ns: B.ns,
      repoRoot: REPO,
      conf: ikedConf({ active: false, local: B.addr, peer: 'any', localLan: B.lan, remoteLan: A.lan, ike: ike.iked, esp: esp.iked, srcid: 'b.test', dstid: 'a.test', auth: { kind: 'psk' } }),
    });
    a = await IkedProcess.start({
      ns: A.ns,
      repoRoot: REPO,
      conf: ikedConf({ active: true, local: A.addr, peer: B.addr, localLan: A.lan, remoteLan: B.lan, ike: ike.iked, esp: esp.iked, srcid: 'a.test', dstid: 'b.test', auth: { kind: 'psk' } }),
    });
    const sa = await oursEstablished(a);
    const sb = await oursEstablished(b);
    assert.equal(sa.natLocal, true);
    assert.equal(sb.natRemote, true);
    assert.equal(sa.ikeSpiI, sb.ikeSpiI);
    assert.equal(sa.ikeSpiR, sb.ikeSpiR);
    assert.equal(sa.children[0].spiIn, sb.children[0].spiOut);
    assert.equal(sa.children[0].spiOut, sb.children[0].spiIn);
    assert.ok(sb.remote.startsWith(nat.publicAddr), sb.remote);
    assert.match(sa.remote, /:4500$/);
  } finally {
    await a?.stop();
    await b?.stop();
    await topo.cleanup();
  }
});
