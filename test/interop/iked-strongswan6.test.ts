/**
 * Interop, post-quantum: our iked against strongSwan 6.0.1 with its `ml` plugin (built by
 * ci/strongswan6.sh), each in its own network namespace. RFC 9370 additional key exchanges
 * with ML-KEM in IKE_INTERMEDIATE (RFC 9242) and IKE_FOLLOWUP_KE, rekeys started by each
 * side, ML-KEM as the only key exchange, IKE_INTERMEDIATE fragmentation, and a proposal
 * mismatch; plus Debian's strongSwan 5.9.8 (no RFC 9370) landing on a classic proposal.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { compareSa, type OurSa } from './lib/compare-sa';
import { REPO, ikedConf, swanConf, oursEstablished, theirsEstablished, waitUntil, makeTwoHosts, Charon, IkedProcess } from './lib/scenario';
import { SW6, SW6_PLUGINS, strongswan6Available } from './lib/strongswan6';
import { swanToIana } from './lib/swan-names';
import type { SwanSa } from './lib/swanctl-parse';
import { interopAvailable } from './lib/netns';

const skip = strongswan6Available();

interface Suite {
  label: string;
  /** iked.conf ikesa / childsa proposal text */
  ike: string;
  esp: string;
  /** swanctl proposals */
  swanIke: string;
  swanEsp: string;
  /** expected additional key exchanges of the IKE SA (IANA names) */
  addKe: string[];
}

const X25519_MLKEM768: Suite = {
  label: 'x25519 + ML-KEM-768',
  ike: 'enc aes-256-gcm prf hmac-sha2-384 group curve25519 ke1 mlkem768',
  esp: 'enc aes-128-gcm group curve25519 ke1 mlkem768',
  swanIke: 'aes256gcm16-prfsha384-x25519-ke1_mlkem768',
  swanEsp: 'aes128gcm16-x25519-ke1_mlkem768',
  addKe: ['ML_KEM_768'],
};

const ECP256_MLKEM1024: Suite = {
  label: 'ecp256 + ML-KEM-1024',
  ike: 'enc aes-256-gcm prf hmac-sha2-256 group ecp256 ke1 mlkem1024',
  esp: 'enc aes-256-gcm group ecp256 ke1 mlkem1024',
  swanIke: 'aes256gcm16-prfsha256-ecp256-ke1_mlkem1024',
  swanEsp: 'aes256gcm16-ecp256-ke1_mlkem1024',
  addKe: ['ML_KEM_1024'],
};

const MLKEM768_ONLY: Suite = {
  label: 'ML-KEM-768 as the only key exchange',
  ike: 'enc aes-256-gcm prf hmac-sha2-256 group mlkem768',
  esp: 'enc aes-256-gcm',
  swanIke: 'aes256gcm16-prfsha256-mlkem768',
  swanEsp: 'aes256gcm16',
  addKe: [],
};

const MLKEM1024_ONLY: Suite = {
  label: 'ML-KEM-1024 as the only key exchange (IKE_SA_INIT over 1500 bytes: IP-fragmented)',
  ike: 'enc aes-256-gcm prf hmac-sha2-384 group mlkem1024',
  esp: 'enc aes-256-gcm',
  swanIke: 'aes256gcm16-prfsha384-mlkem1024',
  swanEsp: 'aes256gcm16',
  addKe: [],
};

/** charon's additional key exchanges (vici ake1..ake7) of an IKE SA or Child SA section, as IANA names. */
function theirAddKe(raw: Record<string, unknown>): string[] {
  const out: string[] = [];
  for (let n = 1; n <= 7; n++) {
    const v = raw[`ake${n}`];
    if (typeof v === 'string') out.push(swanToIana('dh', v));
  }
  return out;
}

interface Rig {
  iked: IkedProcess;
  charon: Charon;
  cleanup: () => Promise<void>;
}

async function startRig(prefix: string, ours: 'initiator' | 'responder', s: Suite, o: { extra?: string; globals?: string[]; charonSettings?: Record<string, string | number>; swanIke?: string; install?: 'sw6' | 'debian' } = {}): Promise<Rig> {
  const topo = await makeTwoHosts(prefix);
  const { a: A, b: B } = topo;
  let charon: Charon | undefined;
  let iked: IkedProcess | undefined;
  try {
    const sw6 = (o.install ?? 'sw6') === 'sw6';
    charon = await Charon.start({
      ns: B.ns,
      name: 'b',
      ...(sw6 ? { install: SW6, plugins: SW6_PLUGINS } : {}),
      swanctlConf: swanConf({ local: B.addr, remote: A.addr, localLan: B.lan, remoteLan: A.lan, ike: o.swanIke ?? s.swanIke, esp: s.swanEsp, localId: 'b.test', remoteId: 'a.test', auth: { kind: 'psk' } }),
      logLevels: { default: 1, ike: 2, knl: 1, cfg: 1, enc: 1 },
      charonSettings: o.charonSettings,
    });
    await charon.loadAll();
    iked = await IkedProcess.start({
      ns: A.ns,
      repoRoot: REPO,
      conf: ikedConf({ active: ours === 'initiator', local: A.addr, peer: B.addr, localLan: A.lan, remoteLan: B.lan, ike: s.ike, esp: s.esp, srcid: 'a.test', dstid: 'b.test', auth: { kind: 'psk' }, extra: o.extra, globals: o.globals }),
      env: { IKED_RETRANSMIT_MS: '500', IKED_RETRANSMIT_TRIES: '4' },
      extraArgs: ['-v'],
    });
    if (ours === 'responder') {
      const r = await charon.initiate('net', 't');
      assert.equal(r.code, 0, `charon initiate failed:\n${r.out}\n--- iked ---\n${iked.log()}`);
    }
    const c = charon;
    const i = iked;
    return { iked: i, charon: c, cleanup: async () => { await i.stop(); await c.stop(); await topo.cleanup(); } };
  } catch (e) {
    await iked?.stop();
    await charon?.stop();
    await topo.cleanup();
    throw e;
  }
}

function explain(r: Rig): string {
  return `\n--- iked ---\n${r.iked.log().split('\n').slice(-40).join('\n')}\n--- charon ---\n${r.charon.log().split('\n').slice(-40).join('\n')}`;
}

async function bothEstablished(r: Rig, ours: 'initiator' | 'responder', pred: (s: OurSa) => boolean = () => true): Promise<{ mine: OurSa; theirs: SwanSa }> {
  let mine: OurSa;
  try {
    mine = await oursEstablished(r.iked, (s) => s.children.length === 1 && pred(s));
  } catch (e) {
    throw new Error(`${(e as Error).message}${explain(r)}`);
  }
  const theirs = await theirsEstablished(r.charon, (s) => s.spiI === mine.ikeSpiI && s.children.length === 1 && s.children[0].spiOut === mine.children[0].spiIn);
  const diff = compareSa(mine, theirs, { initiator: mine.initiator ? 'ours' : 'theirs', nat: 'ignore' });
  assert.deepEqual(diff, [], `SA mismatch (${ours}):\n${diff.join('\n')}`);
  return { mine, theirs };
}

for (const ours of ['initiator', 'responder'] as const) {
  test(`iked <-> strongSwan 6, ours ${ours}: x25519 + ML-KEM-768, Child SA and IKE SA rekeys by each side`, { timeout: 180_000 }, async (t) => {
    if (skip) return t.skip(skip);
    const s = X25519_MLKEM768;
    // our Child SA rekeys itself at ~90 % of 14 s, the IKE SA at ~90 % of 30 s: after charon's rekeys
    const r = await startRig(ours === 'initiator' ? 'pqi' : 'pqr', ours, s, { extra: 'ikelifetime 30 lifetime 14' });
    try {
      const { mine, theirs } = await bothEstablished(r, ours);
      assert.deepEqual(mine.addKe, s.addKe, 'our IKE SA used ML-KEM-768 as additional key exchange 1');
      assert.deepEqual(theirAddKe(theirs.raw), s.addKe, 'charon agrees');
      assert.match(r.charon.log(), ours === 'initiator' ? /parsed IKE_INTERMEDIATE request 1 \[ KE \]/ : /generating IKE_INTERMEDIATE request 1 \[ KE \]/);

      // strongSwan rekeys the Child SA: CREATE_CHILD_SA with x25519, then IKE_FOLLOWUP_KE with ML-KEM-768
      const child0 = mine.children[0].spiIn;
      let rr = await r.charon.swanctl(['--rekey', '--child', 'net']);
      assert.equal(rr.code, 0, rr.stderr + rr.stdout);
      let now = await bothEstablished(r, ours, (x) => x.children[0].spiIn !== child0);
      assert.deepEqual(now.mine.children[0].addKe, ['ML_KEM_768'], 'rekeyed Child SA used ML-KEM-768');
      assert.match(r.charon.log(), /generating IKE_FOLLOWUP_KE request \d+ \[ KE N\(ADD_KE\) \]/);

      // strongSwan rekeys the IKE SA
      const ike0 = now.mine.ikeSpiI;
      rr = await r.charon.swanctl(['--rekey', '--ike', 't']);
      assert.equal(rr.code, 0, rr.stderr + rr.stdout);
      now = await bothEstablished(r, ours, (x) => x.ikeSpiI !== ike0);
      assert.deepEqual(now.mine.addKe, s.addKe, 'the rekeyed IKE SA used ML-KEM-768 too');
      assert.deepEqual(theirAddKe(now.theirs.raw), s.addKe);
      await waitUntil('the old IKE SA to be gone', 10_000, async () => (await r.iked.showSa()).length === 1);

      // our side rekeys the Child SA (lifetime) and then the IKE SA (ikelifetime)
      const child1 = now.mine.children[0].spiIn;
      now = await bothEstablished(r, ours, (x) => x.children[0].spiIn !== child1).catch(async () => {
        await waitUntil('our Child SA rekey', 25_000, async () => ((await r.iked.showSa())[0]?.children[0]?.spiIn ?? child1) !== child1);
        return bothEstablished(r, ours, (x) => x.children[0].spiIn !== child1);
      });
      assert.match(r.charon.log(), /parsed IKE_FOLLOWUP_KE request \d+ \[ KE N\(ADD_KE\) \]/, 'charon answered our IKE_FOLLOWUP_KE');
      const ike1 = now.mine.ikeSpiI;
      await waitUntil('our IKE SA rekey', 40_000, async () => {
        const sas = await r.iked.showSa();
        return sas.length === 1 && sas[0].state === 'ESTABLISHED' && sas[0].ikeSpiI !== ike1 && sas[0].initiator;
      });
      now = await bothEstablished(r, ours, (x) => x.ikeSpiI !== ike1);
      assert.deepEqual(theirAddKe(now.theirs.raw), s.addKe, 'our IKE SA rekey carried ML-KEM-768');
      assert.ok((r.charon.log().match(/parsed IKE_FOLLOWUP_KE request/g) ?? []).length >= 2, 'IKE rekey by us used IKE_FOLLOWUP_KE');
    } catch (e) {
      throw new Error(`${(e as Error).message}${explain(r)}`);
    } finally {
      await r.cleanup();
    }
  });

  for (const s of [ECP256_MLKEM1024, MLKEM768_ONLY, MLKEM1024_ONLY]) {
    test(`iked <-> strongSwan 6, ours ${ours}: ${s.label}`, { timeout: 60_000 }, async (t) => {
      if (skip) return t.skip(skip);
      const r = await startRig(`${ours === 'initiator' ? 'pqj' : 'pqk'}${[ECP256_MLKEM1024, MLKEM768_ONLY, MLKEM1024_ONLY].indexOf(s)}`, ours, s);
      try {
        const { mine, theirs } = await bothEstablished(r, ours);
        assert.deepEqual(mine.addKe ?? [], s.addKe);
        assert.deepEqual(theirAddKe(theirs.raw), s.addKe);
      } finally {
        await r.cleanup();
      }
    });
  }

  test(`iked <-> strongSwan 6, ours ${ours}: IKE_INTERMEDIATE fragmented at a small MTU`, { timeout: 60_000 }, async (t) => {
    if (skip) return t.skip(skip);
    const r = await startRig(ours === 'initiator' ? 'pqf' : 'pqg', ours, X25519_MLKEM768, { globals: ['set fragmentation'], charonSettings: { fragment_size: 576 } });
    try {
      await bothEstablished(r, ours);
      // ML-KEM-768's IKE_INTERMEDIATE messages (1184 / 1088 bytes of KE data) exceed 576: both sides fragment
      const ourDir = ours === 'initiator' ? 'request' : 'response';
      const theirDir = ours === 'initiator' ? 'response' : 'request';
      assert.match(r.charon.log(), new RegExp(`parsed IKE_INTERMEDIATE ${ourDir} 1 \\[ EF\\(1/\\d+\\) \\]`), 'charon received our IKE_INTERMEDIATE in fragments');
      assert.match(r.charon.log(), /reassembled fragmented IKE message/, 'and reassembled them');
      assert.match(r.charon.log(), new RegExp(`generating IKE_INTERMEDIATE ${theirDir} 1 \\[ EF\\(2/\\d+\\) \\]`), 'charon sent us fragments, which we reassembled (the SA is up)');
    } catch (e) {
      throw new Error(`${(e as Error).message}${explain(r)}`);
    } finally {
      await r.cleanup();
    }
  });
}

test('iked <-> strongSwan 6: the peer insists on ML-KEM we disabled: NO_PROPOSAL_CHOSEN, cleanly', { timeout: 60_000 }, async (t) => {
  if (skip) return t.skip(skip);
  const classic: Suite = { ...X25519_MLKEM768, ike: 'enc aes-256-gcm prf hmac-sha2-384 group curve25519', esp: 'enc aes-128-gcm' };
  const r = await startRig('pqn', 'initiator', classic, { swanIke: X25519_MLKEM768.swanIke });
  try {
    await r.iked.waitForLog(/NO_PROPOSAL_CHOSEN/, 20_000);
    assert.match(r.charon.log(), /received proposals unacceptable/);
    assert.equal((await r.iked.showSa()).filter((x) => x.state === 'ESTABLISHED').length, 0);
  } finally {
    await r.cleanup();
  }
});

test('iked <-> strongSwan 5.9.8 (no RFC 9370): a second, classic proposal is chosen', { timeout: 60_000 }, async (t) => {
  const why = interopAvailable();
  if (why) return t.skip(why);
  const s: Suite = {
    label: 'classic fallback',
    ike: 'enc aes-256-gcm prf hmac-sha2-384 group curve25519 ke1 mlkem768 ikesa enc aes-256-gcm prf hmac-sha2-384 group curve25519',
    esp: 'enc aes-128-gcm',
    swanIke: 'aes256gcm16-prfsha384-x25519',
    swanEsp: 'aes128gcm16',
    addKe: [],
  };
  const r = await startRig('pq5', 'initiator', s, { install: 'debian' });
  try {
    const { mine } = await bothEstablished(r, 'initiator');
    assert.equal(mine.addKe, undefined, 'no additional key exchange with 5.9.8');
    assert.equal(mine.dh, 'CURVE25519');
  } catch (e) {
    throw new Error(`${(e as Error).message}${explain(r)}`);
  } finally {
    await r.cleanup();
  }
});
