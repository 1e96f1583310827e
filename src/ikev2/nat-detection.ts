/** NAT detection hashes (RFC 7296 2.23): SHA1(SPIi | SPIr | IP | Port). */
import { createHash } from 'node:crypto';
import { addressBytes, Endpoint } from './endpoint';

export function natDetectionHash(spiI: Buffer, spiR: Buffer, e: Endpoint): Buffer {
  const port = Buffer.allocUnsafe(2);
  port.writeUInt16BE(e.port, 0);
  return createHash('sha1').update(spiI).update(spiR).update(addressBytes(e.address)).update(port).digest();
}

/** True if any of the received hashes matches the endpoint (i.e. no NAT in between). */
export function natHashMatches(received: Buffer[], spiI: Buffer, spiR: Buffer, e: Endpoint): boolean {
  if (received.length === 0) return true;
  const h = natDetectionHash(spiI, spiR, e);
  return received.some((r) => r.equals(h));
}
