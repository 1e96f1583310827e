/**
 * Two (or more) IKEv2 engines on a FakeNet: parsed iked.conf policies, a
 * decoupled kernel that records what would be installed, a logger collecting
 * lines, and helpers to wait for states and compare installed Child SA keys.
 */
import assert from 'node:assert/strict';
import { Engine, EngineTiming } from '../../src/ikev2/engine';
import { buildPolicy } from '../../src/ikev2/policy/policy';
import { parseConfigText } from '../../src/conf/load';
import { DecoupledAdapter } from '../../src/platform/decoupled';
import { noCertificates } from '../../src/ikev2/policy/auth-provider';
import type { AuthProvider } from '../../src/ikev2/policy/auth-provider';
import { createLogger } from '../../src/log/logger';
import type { IkeSa } from '../../src/ikev2/sa/ike-sa';
import type { KernelAdapter, KernelSaSpec } from '../../src/platform/types';
import { FakeNet, Datagram } from './fake-net';

export const A_ADDR = '192.0.2.1';
export const B_ADDR = '192.0.2.2';

/** Small timers: tests wait on conditions, never on durations. */
export const FAST: Partial<EngineTiming> = {
  retransmitMs: 20,
  retransmitTries: 3,
  halfOpenTimeoutMs: 2000,
};

export interface Node {
  name: string;
  address: string;
  engine: Engine;
  kernel: DecoupledAdapter;
  lines: string[];
  /** Times each (exchange, messageId, spiI) request was handled, for "processed once" checks. */
  requestsSeen: Map<string, number>;
  /** Every datagram this node's engine sent (before the net's hooks). */
  sent: Datagram[];
}

export interface NodeOptions {
  timing?: Partial<EngineTiming>;
  natt?: 'auto' | 'force' | 'disable';
  /** seconds; default 0 (no liveness checks) */
  dpd?: number;
  /** Make kernel calls take this long (per operation name), like a real asynchronous kernel. */
  kernelDelayMs?: number | ((op: string) => number);
  /** Signatures and certificates (default: none, PSK only). */
  auth?: AuthProvider;
}

/** The decoupled adapter, with every operation completing only after `ms`. */
export function slowKernel(k: DecoupledAdapter, ms: number | ((op: string) => number)): KernelAdapter {
  const delay = typeof ms === 'number' ? () => ms : ms;
  const later = <T>(op: string, f: () => Promise<T>): Promise<T> => new Promise((r) => setTimeout(r, delay(op))).then(f);
  return {
    name: k.name,
    supports: (e, i, esn) => k.supports(e, i, esn),
    allocSpi: (p, s, d) => later('allocSpi', () => k.allocSpi(p, s, d)),
    addSa: (x) => later('addSa', () => k.addSa(x)),
    updateSa: (x) => later('updateSa', () => k.updateSa(x)),
    deleteSa: (p, d, spi) => later('deleteSa', () => k.deleteSa(p, d, spi)),
    addFlow: (f) => later('addFlow', () => k.addFlow(f)),
    deleteFlow: (f) => later('deleteFlow', () => k.deleteFlow(f)),
    getCounters: (p, d, spi) => later('getCounters', () => k.getCounters(p, d, spi)),
    flush: () => k.flush(),
    onEvent: (cb) => k.onEvent(cb),
    close: () => k.close(),
  };
}

export function parsePolicies(text: string): { policies: ReturnType<typeof buildPolicy>[]; options: NonNullable<ReturnType<typeof parseConfigText>['config']>['options'] } {
  const r = parseConfigText(text, 'test.conf', { checkPermissions: false });
  if (!r.config) throw new Error(`test config does not parse: ${r.errors.map((e) => `${e.line}: ${e.message}`).join('; ')}`);
  return { policies: r.config.policies.map(buildPolicy), options: r.config.options };
}

export function makeNode(net: FakeNet, name: string, address: string, confText: string, o: NodeOptions = {}): Node {
  const { policies, options } = parsePolicies(confText);
  const lines: string[] = [];
  const log = createLogger({ foreground: true, verbose: 2, stderr: { write: (s: string) => lines.push(s.replace(/\n$/, '')) } });
  const kernel = new DecoupledAdapter({ log: () => undefined });
  const transport = net.transportFor(address);
  const engine = new Engine({
    log,
    kernel: o.kernelDelayMs ? slowKernel(kernel, o.kernelDelayMs) : kernel,
    auth: o.auth ?? noCertificates,
    transport,
    policies,
    options: { ...options, dpdCheckInterval: o.dpd ?? 0 },
    timing: { ...FAST, ...(o.timing ?? {}) },
    natt: o.natt,
  });
  const node: Node = { name, address, engine, kernel, lines, requestsSeen: new Map(), sent: transport.sent };
  net.attach({
    address,
    receive: (packet, local, remote) => {
      if (packet.length >= 28 && !(packet[19] & 0x20)) {
        const k = `${packet[18]}/${packet.readUInt32BE(20)}/${packet.subarray(0, 8).toString('hex')}`;
        node.requestsSeen.set(k, (node.requestsSeen.get(k) ?? 0) + 1);
      }
      engine.handleDatagram(packet, local, remote);
    },
  });
  return node;
}

export interface PskSide {
  mode: 'active' | 'passive';
  from: string;
  to: string;
  local?: string;
  peer?: string;
  ikesa?: string;
  childsa?: string;
  psk?: string;
  extra?: string;
  name?: string;
}

export function pskConf(s: PskSide): string {
  const parts = [`ikev2 "${s.name ?? 'test'}" ${s.mode} esp from ${s.from} to ${s.to}`];
  if (s.local) parts.push(`local ${s.local}`);
  if (s.peer) parts.push(`peer ${s.peer}`);
  if (s.ikesa) parts.push(`ikesa ${s.ikesa}`);
  if (s.childsa) parts.push(`childsa ${s.childsa}`);
  if (s.extra) parts.push(s.extra);
  parts.push(`psk "${s.psk ?? 'test secret'}"`);
  return parts.join(' ') + '\n';
}

export interface PairOptions {
  ikesa?: string;
  childsa?: string;
  /** responder's proposals when they differ */
  bIkesa?: string;
  bChildsa?: string;
  aPsk?: string;
  bPsk?: string;
  aFrom?: string;
  aTo?: string;
  bFrom?: string;
  bTo?: string;
  a?: NodeOptions;
  b?: NodeOptions;
  /** the responder's `peer` (default A's address; "any" behind a NAT) */
  bPeer?: string;
}

export interface Pair {
  net: FakeNet;
  a: Node;
  b: Node;
}

/** "a" (192.0.2.1, active) and "b" (192.0.2.2, passive), 10.1.0.0/24 <-> 10.2.0.0/24. */
export function makePair(o: PairOptions = {}): Pair {
  const net = new FakeNet();
  const a = makeNode(
    net,
    'a',
    A_ADDR,
    pskConf({ mode: 'active', from: o.aFrom ?? '10.1.0.0/24', to: o.aTo ?? '10.2.0.0/24', local: A_ADDR, peer: B_ADDR, ikesa: o.ikesa, childsa: o.childsa, psk: o.aPsk }),
    o.a,
  );
  const b = makeNode(
    net,
    'b',
    B_ADDR,
    pskConf({
      mode: 'passive',
      from: o.bFrom ?? '10.2.0.0/24',
      to: o.bTo ?? '10.1.0.0/24',
      local: B_ADDR,
      peer: o.bPeer ?? A_ADDR,
      ikesa: o.bIkesa ?? o.ikesa,
      childsa: o.bChildsa ?? o.childsa,
      psk: o.bPsk,
    }),
    o.b,
  );
  return { net, a, b };
}

export async function waitFor(cond: () => boolean, what: string | (() => string), timeoutMs = 4000): Promise<void> {
  const until = Date.now() + timeoutMs;
  while (!cond()) {
    if (Date.now() > until) throw new Error(`timed out waiting for ${typeof what === 'function' ? what() : what}`);
    await new Promise((r) => setTimeout(r, 2));
  }
}

/** Let every queued packet and promise settle (no timers advance meaningfully). */
export async function settle(net: FakeNet, rounds = 20): Promise<void> {
  for (let i = 0; i < rounds; i++) {
    await new Promise((r) => setImmediate(r));
    if (net.idle) await new Promise((r) => setTimeout(r, 1));
  }
}

export function established(n: Node): IkeSa[] {
  return n.engine.sas.all().filter((s) => s.state === 'ESTABLISHED');
}

export function installedChildren(n: Node): IkeSa['children'] {
  return established(n).flatMap((s) => s.children.filter((c) => c.state === 'INSTALLED'));
}

/** Start A's policy and wait until both sides have an ESTABLISHED IKE SA with an installed Child SA. */
export async function establish(p: Pair, initiator: Node = p.a, responder: Node = p.b): Promise<{ ia: IkeSa; ib: IkeSa }> {
  const sa = await initiator.engine.initiate(initiator.engine.policies[0]);
  assert.ok(sa, 'initiate() returned no SA');
  await waitFor(
    () => installedChildren(initiator).length === 1 && installedChildren(responder).length === 1,
    () => `${initiator.name} -> ${responder.name} establishment; ${tail(initiator)}; ${tail(responder)}`,
  );
  return { ia: established(initiator)[0], ib: established(responder)[0] };
}

/** The last interesting log lines of a node, for failure messages. */
export function tail(n: Node, count = 6): string {
  return `${n.name}: ` + n.lines.filter((l) => !l.startsWith('ikev2_recv:') && !l.includes(': send ')).slice(-count).join(' | ');
}

export function findSpec(n: Node, spi: number): KernelSaSpec | undefined {
  return n.kernel.listSas().find((s) => s.spi === spi);
}

/**
 * The kernel state of both sides agrees crosswise: for each installed Child SA pair,
 * x's outbound SA equals y's inbound SA (SPI, addresses, keys, algorithms).
 */
export function assertChildKeysMatch(x: Node, y: Node, o: { behindNat?: boolean } = {}): void {
  const cx = installedChildren(x);
  const cy = installedChildren(y);
  assert.equal(cx.length, cy.length, 'both sides have the same number of installed Child SAs');
  assert.ok(cx.length > 0, 'at least one Child SA');
  for (const c of cx) {
    const peer = cy.find((d) => d.spiIn === c.spiOut && d.spiOut === c.spiIn);
    assert.ok(peer, `peer has the mirror of Child SA in 0x${c.spiIn.toString(16)} out 0x${c.spiOut.toString(16)}`);
    for (const [from, to, spi] of [
      [x, y, c.spiOut],
      [y, x, c.spiIn],
    ] as const) {
      const out = from.kernel.listSas().find((s) => s.spi === spi);
      const inn = to.kernel.listSas().find((s) => s.spi === spi);
      assert.ok(out, `${from.name} installed outbound SA 0x${spi.toString(16)}`);
      assert.ok(inn, `${to.name} installed inbound SA 0x${spi.toString(16)}`);
      if (!o.behindNat) {
        // behind a NAT each side sees other addresses; without one they agree
        assert.equal(out.src, from.address);
        assert.equal(out.dst, to.address);
        assert.equal(inn.src, from.address);
        assert.equal(inn.dst, to.address);
      }
      assert.ok(out.encr && inn.encr, 'encryption present');
      assert.equal(out.encr.ianaId, inn.encr.ianaId);
      assert.equal(out.encr.keyBits, inn.encr.keyBits);
      assert.ok(out.encr.key.length > 0 && !out.encr.key.equals(Buffer.alloc(out.encr.key.length)), 'non-zero key');
      assert.deepEqual(out.encr.key, inn.encr.key, `encryption keys of 0x${spi.toString(16)} match`);
      assert.equal(out.integ?.ianaId, inn.integ?.ianaId);
      assert.deepEqual(out.integ?.key, inn.integ?.key, `integrity keys of 0x${spi.toString(16)} match`);
      assert.equal(out.esn, inn.esn);
      assert.equal(!!out.encap, !!inn.encap, 'both or neither use UDP encapsulation');
    }
    // the two directions must not share a key
    const ko = x.kernel.listSas().find((s) => s.spi === c.spiOut)!;
    const ki = x.kernel.listSas().find((s) => s.spi === c.spiIn)!;
    assert.notDeepEqual(ko.encr!.key, ki.encr!.key, 'inbound and outbound keys differ');
  }
}

/**
 * Cut the nodes off the net, drop every SA and let pending work finish. The loggers
 * stay open (they only append to arrays): late kernel callbacks may still log.
 */
export async function shutdownAll(net: FakeNet, ...nodes: Node[]): Promise<void> {
  for (const n of nodes) net.detach(n.address);
  for (const n of nodes) await n.engine.shutdown(false);
  await new Promise((r) => setTimeout(r, 20));
}
