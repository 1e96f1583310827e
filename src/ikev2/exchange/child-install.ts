/** Child SA keys (RFC 7296 2.17) and their installation into the kernel. */
import { IkeSa } from '../sa/ike-sa';
import { ChildSa, spiHex } from '../sa/child-sa';
import { tsText, rangePrefix } from '../policy/traffic-selectors';
import { addressText } from '../../wire/endpoint';
import { TrafficSelector } from '../payloads/payload-types';
import type { EngineContext } from '../engine-context';
import { encrById } from '../../crypto/encr';
import { integById } from '../../crypto/integ';
import { deriveChildKeys } from '../../crypto/keymat';
import type { KernelSaSpec, KernelFlowSpec } from '../../platform/types';
import { flowKey } from '../../platform/flow-shares';
import { EncrId, IntegId, ENCR } from '../../wire/iana';
import { inKernelOrder } from './child-kernel-order';

/** Key lengths of the chosen ESP/AH transforms. */
function keyLengths(c: ChildSa): { enc: number; integ: number } {
  const enc = c.protocol === 'esp' && c.chosen.encr.id !== ENCR.NULL ? encrById(c.chosen.encr.id, c.chosen.encr.keyBits).keyLen : 0;
  const integ = c.chosen.integ !== undefined && c.chosen.integ !== 0 ? integById(c.chosen.integ).keyLen : 0;
  return { enc, integ };
}

/** KEYMAT = prf+(SK_d, [g^ir] | Ni | Nr); `weInitiated` is our role in THIS exchange. */
export function deriveKeysForChild(sa: IkeSa, c: ChildSa, ni: Buffer, nr: Buffer, gir: Buffer | null, weInitiated: boolean, add: Buffer | null = null): void {
  const { enc, integ } = keyLengths(c);
  const k = deriveChildKeys(sa.alg!.prf, sa.keys!.skD, ni, nr, gir, enc, integ, add);
  c.keys = weInitiated
    ? { encIn: k.encR, integIn: k.integR, encOut: k.encI, integOut: k.integI }
    : { encIn: k.encI, integIn: k.integI, encOut: k.encR, integOut: k.integR };
}

/** The kernel SA of one direction of a Child SA, between the IKE SA's current endpoints. */
export function saSpec(sa: IkeSa, c: ChildSa, inbound: boolean): KernelSaSpec {
  const keys = c.keys!;
  const lifetime = sa.policy.conf.lifetime;
  const hardSeconds = lifetime.seconds;
  const encrAlg = c.protocol === 'esp' ? encrById(c.chosen.encr.id, c.chosen.encr.keyBits) : null;
  const spec: KernelSaSpec = {
    protocol: c.protocol,
    mode: c.mode,
    src: inbound ? sa.remote.address : sa.local.address,
    dst: inbound ? sa.local.address : sa.remote.address,
    spi: inbound ? c.spiIn : c.spiOut,
    reqid: c.reqid,
    esn: c.chosen.esn === 1,
    replayWindow: 64,
    // the kernel's hard limit is the configured lifetime; we rekey before the soft limit
    lifetime: {
      softSeconds: hardSeconds ? Math.floor(hardSeconds * 0.9) : 0,
      hardSeconds,
      softBytes: lifetime.bytes ? Math.floor(lifetime.bytes * 0.9) : 0,
      hardBytes: lifetime.bytes,
    },
  };
  if (encrAlg) {
    spec.encr = { ianaId: c.chosen.encr.id, keyBits: encrAlg.keyBits, key: inbound ? keys.encIn : keys.encOut, icvLen: encrAlg.icvLen || undefined };
  }
  if (c.chosen.integ) spec.integ = { ianaId: c.chosen.integ, key: inbound ? keys.integIn : keys.integOut };
  if (c.encap) {
    spec.encap = inbound ? { sport: sa.remote.port, dport: sa.local.port } : { sport: sa.local.port, dport: sa.remote.port };
  }
  return spec;
}

function cidr(t: TrafficSelector): string {
  const p = rangePrefix(t.startAddr, t.endAddr);
  if (p < 0) throw new Error(`traffic selector ${tsText(t)} is not a network; the kernel takes prefixes`);
  return `${addressText(t.startAddr)}/${p}`.normalize(); // flat: flows keep it
}

export function flowSpecs(sa: IkeSa, c: ChildSa): KernelFlowSpec[] {
  return flowSpecsFor(sa.local.address, sa.remote.address, c);
}

/** Kernel flows (out, in, and fwd in tunnel mode) for selectors between two tunnel endpoints. */
export function flowSpecsFor(local: string, remote: string, c: Pick<ChildSa, 'tsLocal' | 'tsRemote' | 'protocol' | 'mode' | 'reqid'>): KernelFlowSpec[] {
  const out: KernelFlowSpec[] = [];
  for (const l of c.tsLocal) {
    for (const r of c.tsRemote) {
      if (l.tsType !== r.tsType) continue;
      const proto = l.ipProtocol || r.ipProtocol;
      const { protocol, mode, reqid } = c;
      const lPort = l.startPort === l.endPort ? l.startPort : undefined;
      const rPort = r.startPort === r.endPort ? r.startPort : undefined;
      const lNet = cidr(l);
      const rNet = cidr(r);
      // plain literals, no object spread: V8's spread-then-extend path costs ~10 us per flow
      out.push({ proto, protocol, mode, reqid, dir: 'out', src: lNet, dst: rNet, sport: lPort, dport: rPort, tunnelSrc: local, tunnelDst: remote });
      out.push({ proto, protocol, mode, reqid, dir: 'in', src: rNet, dst: lNet, sport: rPort, dport: lPort, tunnelSrc: remote, tunnelDst: local });
      if (mode === 'tunnel') {
        out.push({ proto, protocol, mode, reqid, dir: 'fwd', src: rNet, dst: lNet, sport: rPort, dport: lPort, tunnelSrc: remote, tunnelDst: local });
      }
    }
  }
  return out;
}

/** Flows minus those the policy keeper loaded for the IKE SA's policy (they stay while the policy exists). */
export function ownFlowsOf(sa: IkeSa, flows: KernelFlowSpec[]): KernelFlowSpec[] {
  const loaded = sa.policy.loadedFlows;
  return loaded ? flows.filter((f) => !loaded.has(flowKey(f))) : flows;
}

function ownFlows(sa: IkeSa, c: ChildSa): KernelFlowSpec[] {
  return ownFlowsOf(sa, flowSpecs(sa, c));
}

/**
 * Wait for kernel calls made in one go: null when every one succeeded, else the outcome of
 * each (once all have settled, as Promise.allSettled). The common case waits with
 * Promise.all, which makes no per-call result objects and costs about a third as much.
 */
async function failuresOf(calls: Promise<void>[]): Promise<PromiseSettledResult<void>[] | null> {
  try {
    await Promise.all(calls);
    return null;
  } catch {
    return Promise.allSettled(calls);
  }
}

/** Install both SAs, and the flows unless they exist already (a rekey keeps the reqid). */
export function installChild(e: EngineContext, sa: IkeSa, c: ChildSa, withFlows: boolean): Promise<void> {
  return inKernelOrder(sa, async () => {
    c.placed = { local: sa.local, remote: sa.remote };
    // the SAs, then the flows, asked for in one go: adapters apply calls in the order they
    // were made, and under privsep they travel as one batch (one IPC round trip)
    const flows = withFlows ? ownFlows(sa, c) : [];
    const sas = [saSpec(sa, c, true), saSpec(sa, c, false)];
    const calls: Promise<void>[] = [];
    for (const x of sas) calls.push(e.kernel.addSa(x));
    for (const f of flows) calls.push(e.kernel.addFlow(f));
    const results = await failuresOf(calls);
    const failed = results?.find((r): r is PromiseRejectedResult => r.status === 'rejected');
    if (results && failed) {
      // undo what did go in: no half-installed Child SA stays behind
      await Promise.allSettled([
        ...sas.filter((_, i) => results[i].status === 'fulfilled').map((x) => e.kernel.deleteSa(x.protocol, x.dst, x.spi)),
        ...flows.filter((_, i) => results[sas.length + i].status === 'fulfilled').map((f) => e.kernel.deleteFlow(f)),
      ]);
      throw failed.reason;
    }
    c.state = 'INSTALLED';
    if (withFlows) c.flowsHeld = true;
    e.stats.childSasInstalled++;
    const alg = describeChildAlgs(c);
    const msg =
      `${c.protocol.toUpperCase()} SA spi in 0x${spiHex(c.spiIn)} out 0x${spiHex(c.spiOut)} ${alg} ` +
      `${c.tsLocal.map(tsText).join(',')} === ${c.tsRemote.map(tsText).join(',')} ${c.mode}${c.encap ? ' udpencap' : ''}`;
    e.log.info(`${e.spiTag(sa)}: ${c.rekeyOf !== undefined ? 'rekeyed' : 'installed'} ${msg}`);
    e.event('child-installed', msg, sa);
  });
}

/** Remove both SAs (and the flows) from where they were installed or last moved to. */
export function uninstallChild(e: EngineContext, sa: IkeSa, c: ChildSa, withFlows: boolean): Promise<void> {
  return inKernelOrder(sa, async () => {
    const at = c.placed ?? { local: sa.local, remote: sa.remote };
    // the SAs and then the flows asked for in one go (one batch under privsep); each may fail on its own
    const flows = withFlows ? ownFlowsOf(sa, flowSpecsFor(at.local.address, at.remote.address, c)) : [];
    const calls = [e.kernel.deleteSa(c.protocol, at.local.address, c.spiIn), e.kernel.deleteSa(c.protocol, at.remote.address, c.spiOut)];
    for (const f of flows) calls.push(e.kernel.deleteFlow(f));
    for (const r of (await failuresOf(calls)) ?? []) {
      if (r.status === 'rejected') {
        const err = r.reason as unknown;
        e.log.info(`${e.spiTag(sa)}: removing Child SA 0x${spiHex(c.spiIn)}: ${err instanceof Error ? err.message : String(err)}`);
      }
    }
  });
}

export function describeChildAlgs(c: ChildSa): string {
  const parts: string[] = [];
  if (c.protocol === 'esp') parts.push(`${EncrId.name(c.chosen.encr.id)}${c.chosen.encr.keyBits ? `-${c.chosen.encr.keyBits}` : ''}`);
  if (c.chosen.integ) parts.push(IntegId.name(c.chosen.integ));
  return parts.join('/');
}
