/**
 * Two network namespaces joined by a veth pair, for kernel IPsec tests:
 *   left:  outer 192.0.2.1 (veth), inner 198.51.100.1 (lo)
 *   right: outer 192.0.2.2 (veth), inner 203.0.113.1  (lo)
 * plus an AF_PACKET sniffer (python3) counting OUTGOING IPv4 frames per protocol
 * on the right veth (incoming frames include the decapsulated inner packets).
 */
import { execFileSync, spawn, type ChildProcess } from 'node:child_process';
import * as fs from 'node:fs';

export const LEFT = { outer: '192.0.2.1', inner: '198.51.100.1', net: '198.51.100.0/24' };
export const RIGHT = { outer: '192.0.2.2', inner: '203.0.113.1', net: '203.0.113.0/24' };

function ip(...args: string[]): string {
  return execFileSync('ip', args, { encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] });
}

export interface Rig {
  left: string;
  right: string;
  leftPath: string;
  rightPath: string;
  destroy(): void;
}

let counter = 0;

export function makeRig(tag: string): Rig {
  const id = `${tag}${process.pid % 10000}${counter++}`;
  const left = `l${id}`;
  const right = `r${id}`;
  const vl = `vl${id}`.slice(0, 15);
  const vr = `vr${id}`.slice(0, 15);
  ip('netns', 'add', left);
  ip('netns', 'add', right);
  ip('link', 'add', vl, 'type', 'veth', 'peer', 'name', vr);
  ip('link', 'set', vl, 'netns', left);
  ip('link', 'set', vr, 'netns', right);
  for (const [ns, dev, o, i] of [
    [left, vl, LEFT.outer, LEFT.inner],
    [right, vr, RIGHT.outer, RIGHT.inner],
  ]) {
    ip('-n', ns, 'link', 'set', 'lo', 'up');
    ip('-n', ns, 'addr', 'add', `${o}/24`, 'dev', dev);
    ip('-n', ns, 'addr', 'add', `${i}/32`, 'dev', 'lo');
    ip('-n', ns, 'link', 'set', dev, 'up');
  }
  ip('-n', left, 'route', 'add', RIGHT.net, 'via', RIGHT.outer, 'dev', vl, 'src', LEFT.inner);
  ip('-n', right, 'route', 'add', LEFT.net, 'via', LEFT.outer, 'dev', vr, 'src', RIGHT.inner);
  return {
    left,
    right,
    leftPath: `/run/netns/${left}`,
    rightPath: `/run/netns/${right}`,
    destroy() {
      for (const ns of [left, right]) {
        try {
          ip('netns', 'del', ns);
        } catch {
          /* already gone */
        }
      }
    },
  };
}

/** ping from the left inner address to the right inner address; resolves with the number of replies */
export function ping(rig: Rig, count: number, waitS = 2): Promise<number> {
  return new Promise((resolve) => {
    const p = spawn('ip', ['netns', 'exec', rig.left, 'ping', '-c', String(count), '-i', '0.2', '-W', String(waitS), '-I', LEFT.inner, RIGHT.inner], {
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let out = '';
    p.stdout.on('data', (d: Buffer) => (out += d.toString()));
    p.on('close', () => {
      const m = /(\d+) received/.exec(out);
      resolve(m ? Number(m[1]) : 0);
    });
  });
}

export function xfrmState(ns: string): string {
  return ip('-n', ns, 'xfrm', 'state');
}
export function xfrmPolicy(ns: string): string {
  return ip('-n', ns, 'xfrm', 'policy');
}
export function ipIn(ns: string, ...args: string[]): string {
  return ip('-n', ns, ...args);
}

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

export interface Sniffer {
  /** stop; IPv4 protocol number -> outgoing frame count */
  stop(): Promise<Map<number, number>>;
}

/** sniff outgoing frames of the right namespace's veth; undefined if python3 is missing */
export async function sniffRight(rig: Rig): Promise<Sniffer | undefined> {
  if (!fs.existsSync('/usr/bin/python3')) return undefined;
  const dev = ipIn(rig.right, '-o', 'link', 'show', 'type', 'veth').split(':')[1].trim().split('@')[0];
  const ready = `/tmp/sniff-${rig.right}.ready`;
  fs.rmSync(ready, { force: true });
  const p: ChildProcess = spawn('ip', ['netns', 'exec', rig.right, '/usr/bin/python3', '-c', SNIFFER, ready, dev], {
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  let out = '';
  p.stdout?.on('data', (d: Buffer) => (out += d.toString()));
  for (let i = 0; i < 200 && !fs.existsSync(ready); i++) await new Promise((r) => setTimeout(r, 50));
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
