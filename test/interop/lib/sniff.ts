/**
 * A packet counter in a namespace: tcpdump -nn -l on one interface, each line
 * classified, to assert e.g. "ESP-in-UDP on 4500 seen, no cleartext ICMP".
 */
import { spawn } from 'node:child_process';

export interface SniffCounts {
  /** All decoded lines. */
  lines: string[];
  /** ESP in UDP (RFC 3948), any port. */
  espInUdp: number;
  /** Plain ESP (IP protocol 50). */
  esp: number;
  /** IKE on UDP 500. */
  ike500: number;
  /** IKE on UDP 4500 (behind the non-ESP marker). */
  ikeNatT: number;
  /** NAT-T keepalives (one 0xff byte). */
  keepalive: number;
  /** Cleartext ICMP/ICMPv6 packets (a leak when seen on the outside link). */
  icmp: number;
  other: number;
}

export interface Sniffer {
  /** Stop tcpdump (SIGINT) and return the counts. */
  stop(): Promise<SniffCounts>;
}

export function classify(lines: string[]): SniffCounts {
  const c: SniffCounts = { lines, espInUdp: 0, esp: 0, ike500: 0, ikeNatT: 0, keepalive: 0, icmp: 0, other: 0 };
  for (const l of lines) {
    if (/UDP-encap: ESP\(spi=/.test(l)) c.espInUdp++;
    else if (/NONESP-encap: isakmp/.test(l)) c.ikeNatT++;
    else if (/isakmp-nat-keep-alive/.test(l)) c.keepalive++;
    else if (/: ESP\(spi=/.test(l)) c.esp++;
    else if (/: isakmp/.test(l)) c.ike500++;
    else if (/: ICMP6?,? /.test(l) || /: ICMP /.test(l)) c.icmp++;
    else c.other++;
  }
  return c;
}

/**
 * Start tcpdump in `ns` on `iface` with an optional BPF filter; resolves once
 * tcpdump is listening.
 */
export function startSniffer(ns: string, iface: string, filter: string[] = [], o: { startTimeoutMs?: number } = {}): Promise<Sniffer> {
  return new Promise((resolve, reject) => {
    const child = spawn('ip', ['netns', 'exec', ns, 'tcpdump', '-nn', '-l', '--immediate-mode', '-i', iface, ...filter], {
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let out = '';
    let err = '';
    let listening = false;
    const closed = new Promise<void>((r) => child.on('close', () => r()));
    const timer = setTimeout(() => {
      if (!listening) {
        child.kill('SIGKILL');
        reject(new Error(`tcpdump in ${ns} on ${iface} did not start: ${err.trim()}`));
      }
    }, o.startTimeoutMs ?? 5000);
    child.stdout.on('data', (b: Buffer) => (out += b.toString('utf8')));
    child.stderr.on('data', (b: Buffer) => {
      err += b.toString('utf8');
      if (!listening && /listening on/.test(err)) {
        listening = true;
        clearTimeout(timer);
        resolve({
          async stop(): Promise<SniffCounts> {
            // give in-flight packets a moment, then SIGINT (tcpdump flushes and exits)
            await new Promise((r) => setTimeout(r, 200));
            child.kill('SIGINT');
            const t = setTimeout(() => child.kill('SIGKILL'), 3000);
            await closed;
            clearTimeout(t);
            return classify(out.split('\n').filter((l) => l.trim()));
          },
        });
      }
    });
    child.on('error', (e) => {
      clearTimeout(timer);
      reject(new Error(`cannot run tcpdump: ${e.message}`));
    });
    child.on('exit', (code) => {
      if (!listening) {
        clearTimeout(timer);
        reject(new Error(`tcpdump in ${ns} on ${iface} exited (${code}): ${err.trim()}`));
      }
    });
  });
}
