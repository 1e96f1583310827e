/**
 * The UDP datagrams of a classic pcap file (tcpdump -w) taken on an Ethernet
 * interface: IPv4 only, in capture order. Bounds go through the project's Reader.
 */
import { Reader } from '../../../src/wire/reader';

export interface UdpDatagram {
  /** Capture time, microseconds. */
  tsUs: number;
  /** The IPv4 header's identification field. */
  ipId: number;
  src: string;
  dst: string;
  sport: number;
  dport: number;
  payload: Buffer;
}

const LINKTYPE_ETHERNET = 1;
const ETHERTYPE_IPV4 = 0x0800;
const IPPROTO_UDP = 17;

function ipv4(b: Buffer): string {
  return `${b[0]}.${b[1]}.${b[2]}.${b[3]}`;
}

/** Parse the file's bytes; non-IPv4/UDP frames and IP fragments past the first are skipped. */
export function readPcapUdp(file: Buffer): UdpDatagram[] {
  const r = new Reader(file, 0, file.length, 'pcap file');
  const global = r.bytes(24);
  const magic = global.readUInt32LE(0);
  let le: boolean;
  let nanos = false;
  if (magic === 0xa1b2c3d4 || magic === 0xa1b23c4d) le = true;
  else if (global.readUInt32BE(0) === 0xa1b2c3d4 || global.readUInt32BE(0) === 0xa1b23c4d) le = false;
  else throw new Error(`not a pcap file (magic 0x${magic.toString(16)})`);
  nanos = (le ? magic : global.readUInt32BE(0)) === 0xa1b23c4d;
  const u32 = (b: Buffer, o: number): number => (le ? b.readUInt32LE(o) : b.readUInt32BE(o));
  const linktype = u32(global, 20);
  if (linktype !== LINKTYPE_ETHERNET) throw new Error(`pcap link type ${linktype}: only Ethernet (1) is read`);
  const out: UdpDatagram[] = [];
  // tcpdump killed mid-record leaves a truncated last record: stop there
  while (r.remaining >= 16) {
    const rec = r.bytes(16);
    const incl = u32(rec, 8);
    if (incl > r.remaining) break;
    const frame = r.sub(incl, 'pcap record');
    const tsUs = u32(rec, 0) * 1e6 + Math.floor(u32(rec, 4) / (nanos ? 1000 : 1));
    const d = udpOfFrame(frame, tsUs);
    if (d) out.push(d);
  }
  return out;
}

function udpOfFrame(f: Reader, tsUs: number): UdpDatagram | null {
  if (f.remaining < 14 + 20 + 8) return null;
  f.bytes(12);
  if (f.u16() !== ETHERTYPE_IPV4) return null;
  const vihl = f.u8();
  const ihl = (vihl & 0x0f) * 4;
  if (vihl >> 4 !== 4 || ihl < 20) return null;
  f.u8(); // TOS
  const total = f.u16();
  const ipId = f.u16();
  const frag = f.u16();
  f.u8(); // TTL
  const proto = f.u8();
  f.u16(); // checksum
  const src = ipv4(f.bytes(4));
  const dst = ipv4(f.bytes(4));
  f.bytes(ihl - 20);
  if (proto !== IPPROTO_UDP || (frag & 0x1fff) !== 0) return null;
  const sport = f.u16();
  const dport = f.u16();
  const len = f.u16();
  f.u16(); // checksum
  const payloadLen = Math.min(len - 8, total - ihl - 8, f.remaining);
  if (payloadLen < 0) return null;
  return { tsUs, ipId, src, dst, sport, dport, payload: f.bytes(payloadLen) };
}
