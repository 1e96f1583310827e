/**
 * End-to-end rig for our daemon with the REAL kernel (inside ci/linux/run.sh):
 * two gateways (interop topology: a 192.0.2.1 / lan 10.1.0.1, b 192.0.2.2 / lan
 * 10.2.0.1), our iked (compiled, no `set decouple`) and strongSwan's charon with
 * kernel-netlink (no kernel-libipsec, encap = no), an AF_PACKET counter of the
 * frames a gateway sends, and `ip xfrm` readers.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync, rmSync } from 'node:fs';
import { makeTwoHosts, ping, nsExec, CHARON_BIN, type TwoHosts } from '../../interop/lib/netns';
import { Charon, type SwanInstall } from '../../interop/lib/charon';
import { IkedProcess, type OurSa } from '../../interop/lib/iked-process';
import { pskSwanctlConf } from '../../interop/lib/swanctl-conf';
import { runChecked } from '../../interop/lib/run-command';
import { REPO } from '../../interop/lib/scenario';
import { kernelSkipReason } from '../kernel-support';

export { REPO };
export const PSK = 'kernel-e2e-psk-0123456789';

/** charon with the kernel's ESP: the interop plugin list minus kernel-libipsec, plus chacha/curve25519 via openssl */
export const KERNEL_PLUGINS = [
  'random', 'nonce', 'openssl', 'pem', 'pkcs1', 'pkcs8', 'x509', 'revocation', 'constraints', 'pubkey', 'gmp',
  'sha1', 'sha2', 'hmac', 'aes', 'gcm', 'kdf', 'kernel-netlink', 'socket-default', 'vici',
];

/** Why the daemon e2e tests cannot run here (undefined: they can). */
export async function daemonSkipReason(): Promise<string | undefined> {
  const k = await kernelSkipReason();
  if (k) return k;
  if (!existsSync(`${REPO}/dist/src/cli/iked.js`)) return `needs the compiled daemon (cd ${REPO} && npx tsc -p .)`;
  return undefined;
}

export async function charonSkipReason(): Promise<string | undefined> {
  const r = await daemonSkipReason();
  if (r) return r;
  if (!existsSync(CHARON_BIN)) return `needs strongSwan's charon at ${CHARON_BIN} (apt-get install strongswan-charon strongswan-swanctl)`;
  return undefined;
}

/** The environment of every daemon here: slow first exchanges under TCG; single process (see report). */
export const IKED_ENV: Record<string, string> = { IKED_RETRANSMIT_MS: '3000', IKED_RETRANSMIT_TRIES: '5', IKED_NO_PRIVSEP: '1' };

/**
 * The two gateways, each with a route to the other's LAN from its own LAN address
 * (our daemon installs no routes: on Linux the policy applies after the route lookup).
 */
export async function topology(prefix: string): Promise<TwoHosts> {
  const t = await makeTwoHosts(prefix);
  try {
    await runChecked(['ip', '-n', t.a.ns, 'route', 'add', t.b.lan, 'via', t.b.addr, 'src', t.a.lanAddr]);
    await runChecked(['ip', '-n', t.b.ns, 'route', 'add', t.a.lan, 'via', t.a.addr, 'src', t.b.lanAddr]);
  } catch (e) {
    await t.cleanup();
    throw e;
  }
  return t;
}

export interface IkedConfOpts {
  name?: string;
  active: boolean;
  local: string;
  peer: string;
  localLan: string;
  remoteLan: string;
  srcid: string;
  dstid: string;
  ike: string;
  /** one or more `childsa ...` bodies (each becomes a proposal) */
  esp: string | string[];
  extra?: string;
}

/** iked.conf WITHOUT `set decouple`: the kernel adapter is used. */
export function kernelIkedConf(o: IkedConfOpts): string {
  const esp = (Array.isArray(o.esp) ? o.esp : [o.esp]).map((x) => `childsa ${x}`).join(' ');
  return [
    `ikev2 "${o.name ?? 'k'}" ${o.active ? 'active' : 'passive'} esp from ${o.localLan} to ${o.remoteLan} local ${o.local} peer ${o.peer} \\`,
    `  ikesa ${o.ike} ${esp} \\`,
    `  srcid ${o.srcid} dstid ${o.dstid} ${o.extra ?? ''} psk "${PSK}"`,
    '',
  ].join('\n');
}

/** Our daemon in `ns` (generous start timeout: node under TCG on a loaded host is very slow). */
export function startIked(ns: string, conf: string, env: Record<string, string> = {}): Promise<IkedProcess> {
  return IkedProcess.start({ ns, conf, repoRoot: REPO, env: { ...IKED_ENV, ...env }, extraArgs: ['-v'], startTimeoutMs: 120_000 });
}

export interface SwanOpts {
  ns: string;
  name: string;
  local: string;
  remote: string;
  localLan: string;
  remoteLan: string;
  localId: string;
  remoteId: string;
  ike: string;
  esp: string;
  /** another strongSwan build (strongSwan 6 with ML-KEM) and its plugin list */
  install?: SwanInstall;
  plugins?: string[];
}

export function startCharon(o: SwanOpts): Promise<Charon> {
  const conf = pskSwanctlConf({
    localAddrs: o.local,
    remoteAddrs: o.remote,
    localId: o.localId,
    remoteId: o.remoteId,
    localTs: o.localLan,
    remoteTs: o.remoteLan,
    proposals: o.ike,
    espProposals: o.esp,
    psk: `"${PSK}"`,
    encap: false,
  });
  return Charon.start({
    ns: o.ns,
    name: o.name,
    plugins: o.plugins ?? KERNEL_PLUGINS,
    install: o.install,
    swanctlConf: conf,
    startTimeoutMs: 60_000,
    // the first use of each kernel crypto algorithm loads a module (~1.4 s under TCG)
    charonSettings: { retransmit_timeout: 4, retransmit_base: 1.4, retransmit_tries: 4 },
  });
}

/** Poll until `pred` holds; throws with `what` (and `detail()`) on timeout. */
export async function until(pred: () => boolean | Promise<boolean>, ms: number, what: string, detail?: () => string): Promise<void> {
  const end = Date.now() + ms;
  for (;;) {
    if (await pred()) return;
    if (Date.now() > end) throw new Error(`timed out after ${ms} ms waiting for ${what}${detail ? `\n${detail()}` : ''}`);
    await new Promise((r) => setTimeout(r, 250));
  }
}

export async function establishedChild(iked: IkedProcess): Promise<OurSa | undefined> {
  const sas = await iked.showSa().catch(() => [] as OurSa[]);
  return sas.find((s) => s.state === 'ESTABLISHED' && s.children.length > 0);
}

/** The SA lines of `ip xfrm state` in a namespace: spi (hex, 0x-less) -> packets counted. */
export interface XfrmSa {
  src: string;
  dst: string;
  spi: string;
  reqid: number;
  packets: number;
  text: string;
}

export async function xfrmStates(ns: string): Promise<XfrmSa[]> {
  const r = await runChecked(['ip', '-n', ns, '-s', 'xfrm', 'state']);
  const out: XfrmSa[] = [];
  for (const block of r.stdout.split(/\n(?=src )/)) {
    const m = /^src (\S+) dst (\S+)\s+proto esp spi 0x([0-9a-f]+)(?:\(\d+\))? reqid (\d+)/m.exec(block);
    if (!m) continue;
    const p = /(\d+)\(bytes\), (\d+)\(packets\)/.exec(block);
    out.push({ src: m[1], dst: m[2], spi: m[3].padStart(8, '0'), reqid: Number(m[4]), packets: p ? Number(p[2]) : 0, text: block });
  }
  return out;
}

export async function xfrmPolicyText(ns: string): Promise<string> {
  return (await runChecked(['ip', '-n', ns, 'xfrm', 'policy'])).stdout;
}

/** `ip xfrm policy` blocks, one per policy (not the per-socket IKE bypasses, which go with their sockets). */
export async function xfrmPolicies(ns: string): Promise<string[]> {
  return (await xfrmPolicyText(ns)).split(/\n(?=src )/).filter((b) => b.startsWith('src ') && !/\ssocket (in|out)\s/.test(b));
}

/** Ping from gateway a's LAN address to b's LAN address. */
export function lanPing(t: TwoHosts, count: number, interval = 0.2, waitS = 2): Promise<{ received: number; out: string }> {
  return nsExec(t.a.ns, ['ping', '-n', '-c', String(count), '-i', String(interval), '-W', String(waitS), '-I', t.a.lanAddr, t.b.lanAddr], {
    timeoutMs: (count * interval + waitS + 20) * 1000,
  }).then((r) => {
    const m = /(\d+) (?:packets )?received/.exec(r.stdout);
    return { received: m ? Number(m[1]) : 0, out: r.stdout + r.stderr };
  });
}
export { ping };

const SNIFFER = `
import socket, signal, sys, collections
s = socket.socket(socket.AF_PACKET, socket.SOCK_RAW, socket.htons(3))
s.bind((sys.argv[2], 0))
out = collections.Counter()
def done(*a):
    print(" ".join("%d=%d" % kv for kv in sorted(out.items()))); sys.stdout.flush(); sys.exit(0)
signal.signal(signal.SIGTERM, done)
open(sys.argv[1], "w").close()
while True:
    f, addr = s.recvfrom(4096)
    if f[12:14] == b"\\x08\\x00" and addr[2] == socket.PACKET_OUTGOING:
        out[f[23]] += 1
`;

export interface FrameCounter {
  /** stop; IPv4 protocol number -> frames SENT on the interface */
  stop(): Promise<Map<number, number>>;
}

/** Count the IPv4 frames a namespace SENDS on `dev` by protocol (1 ICMP, 17 UDP, 50 ESP); undefined without python3. */
export async function countSentFrames(ns: string, dev: string): Promise<FrameCounter | undefined> {
  if (!existsSync('/usr/bin/python3')) return undefined;
  const ready = `/tmp/iked-sniff-${ns}-${dev}.ready`;
  rmSync(ready, { force: true });
  const p: ChildProcess = spawn('ip', ['netns', 'exec', ns, '/usr/bin/python3', '-c', SNIFFER, ready, dev], { stdio: ['ignore', 'pipe', 'inherit'] });
  let out = '';
  p.stdout?.on('data', (d: Buffer) => (out += d.toString()));
  for (let i = 0; i < 400 && !existsSync(ready); i++) await new Promise((r) => setTimeout(r, 50));
  return {
    stop: () =>
      new Promise((resolve) => {
        p.on('close', () => {
          const m = new Map<number, number>();
          for (const kv of out.trim().split(/\s+/).filter(Boolean)) {
            const [k, v] = kv.split('=').map(Number);
            m.set(k, v);
          }
          resolve(m);
        });
        p.kill('SIGTERM');
      }),
  };
}

/** Log tails for failure messages. */
export function tails(parts: Record<string, string>, lines = 40): string {
  return Object.entries(parts)
    .map(([k, v]) => `--- ${k} ---\n${v.split('\n').slice(-lines).join('\n')}`)
    .join('\n');
}
