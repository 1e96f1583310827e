/** NAT detection hashes (RFC 7296 2.23): SHA1(SPIi | SPIr | IP | Port). */
import { hash } from 'node:crypto';
import { addressBytes, Endpoint } from '../../wire/endpoint';

/** Parsed addresses (read-only here): the same few local and peer addresses recur in every exchange. */
const parsed = new Map<string, Buffer>();

function bytesOf(address: string): Buffer {
  let b = parsed.get(address);
  if (!b) {
    if (parsed.size >= 4096) parsed.clear();
    b = addressBytes(address);
    parsed.set(address, b);
  }
  return b;
}

export function natDetectionHash(spiI: Buffer, spiR: Buffer, e: Endpoint): Buffer {
  const addr = bytesOf(e.address);
  const input = Buffer.allocUnsafe(spiI.length + spiR.length + addr.length + 2);
  let o = spiI.copy(input, 0);
  o += spiR.copy(input, o);
  o += addr.copy(input, o);
  input.writeUInt16BE(e.port, o);
  return hash('sha1', input, 'buffer');
}

/** True if any of the received hashes matches the endpoint (i.e. no NAT in between). */
export function natHashMatches(received: Buffer[], spiI: Buffer, spiR: Buffer, e: Endpoint): boolean {
  if (received.length === 0) return true;
  const h = natDetectionHash(spiI, spiR, e);
  return received.some((r) => r.equals(h));
}
