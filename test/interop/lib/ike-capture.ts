/**
 * What a host RECEIVES of IKE, in arrival order: tcpdump -Q in writing a pcap file
 * (packet-buffered), read back with pcap-udp.ts when stopped.
 */
import { spawn } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { readPcapUdp, UdpDatagram } from './pcap-udp';

export interface Capture {
  /** Stop tcpdump (SIGINT: it flushes) and return the datagrams captured. */
  stop(): Promise<UdpDatagram[]>;
}

/** Frames to `skipMac` (faults.ts's sink copies, which the stack drops) are left out. */
export function startInboundCapture(ns: string, iface: string, file: string, skipMac: string): Promise<Capture> {
  const filter = `not ether dst ${skipMac} and (udp port 500 or udp port 4500)`;
  const args = ['netns', 'exec', ns, 'tcpdump', '-i', iface, '-Q', 'in', '-U', '-n', '-s', '0', '-Z', 'root', '-w', file, filter];
  const child = spawn('ip', args, { stdio: ['ignore', 'ignore', 'pipe'] });
  const closed = new Promise<void>((r) => child.on('close', () => r()));
  let err = '';
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => {
      child.kill('SIGKILL');
      reject(new Error(`tcpdump in ${ns} on ${iface} did not start: ${err.trim()}`));
    }, 5000);
    child.on('error', (e) => {
      clearTimeout(timer);
      reject(new Error(`cannot run tcpdump: ${e.message}`));
    });
    child.on('exit', (code) => {
      clearTimeout(timer);
      if (!/listening on/.test(err)) reject(new Error(`tcpdump in ${ns} on ${iface} exited (${code}): ${err.trim()}`));
    });
    child.stderr.on('data', (b: Buffer) => {
      err += b.toString('utf8');
      if (!/listening on/.test(err)) return;
      clearTimeout(timer);
      resolve({
        async stop(): Promise<UdpDatagram[]> {
          child.kill('SIGINT');
          const t = setTimeout(() => child.kill('SIGKILL'), 3000);
          await closed;
          clearTimeout(t);
          return readPcapUdp(readFileSync(file));
        },
      });
    });
  });
}
