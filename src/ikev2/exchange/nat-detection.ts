/** NAT detection hashes (RFC 7296 2.23): SHA1(SPIi | SPIr | IP | Port). */
import { digestOf } from '../../crypto/native-digest';
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

/** The port's two bytes, rewritten for each hash (digestOf is synchronous). */
const portBytes = Buffer.alloc(2);

export function natDetectionHash(spiI: Buffer, spiR: Buffer, e: Endpoint): Buffer {
  portBytes.writeUInt16BE(e.port, 0);
  return digestOf('sha1', 20, spiI, spiR, bytesOf(e.address), portBytes);
}

/** True if any of the received hashes matches the endpoint (i.e. no NAT in between). */
export function natHashMatches(received: Buffer[], spiI: Buffer, spiR: Buffer, e: Endpoint): boolean {
  if (received.length === 0) return true;
  const h = natDetectionHash(spiI, spiR, e);
  return received.some((r) => r.equals(h));
}
