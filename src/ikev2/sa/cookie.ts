/**
 * Stateless cookies for IKE_SA_INIT (RFC 7296 2.6):
 * Cookie = <VersionIDofSecret> | Hash(Ni | IPi | SPIi | <secret>).
 * The secret rotates; the previous one stays valid for one period.
 */
import { createHash, randomBytes, timingSafeEqual } from 'node:crypto';
import { addressBytes } from '../../wire/endpoint';

export class CookieJar {
  private version = 0;
  private secret = randomBytes(32);
  private previous: Buffer | null = null;
  private lastRotate = Date.now();

  constructor(private readonly rotateMs = 60_000) {}

  private rotateIfDue(now: number): void {
    if (now - this.lastRotate < this.rotateMs) return;
    if (this.previous) this.previous.fill(0);
    this.previous = this.secret;
    this.secret = randomBytes(32);
    this.version = (this.version + 1) & 0xffffffff;
    this.lastRotate = now;
  }

  private compute(version: number, secret: Buffer, ni: Buffer, ip: string, spiI: Buffer): Buffer {
    const v = Buffer.allocUnsafe(4);
    v.writeUInt32BE(version, 0);
    const h = createHash('sha256').update(ni).update(addressBytes(ip)).update(spiI).update(secret).digest();
    return Buffer.concat([v, h]);
  }

  make(ni: Buffer, ip: string, spiI: Buffer, now = Date.now()): Buffer {
    this.rotateIfDue(now);
    return this.compute(this.version, this.secret, ni, ip, spiI);
  }

  verify(cookie: Buffer, ni: Buffer, ip: string, spiI: Buffer, now = Date.now()): boolean {
    this.rotateIfDue(now);
    if (cookie.length !== 36) return false;
    const v = cookie.readUInt32BE(0);
    // constant time: the cookie is derived from our secret (both are 36 bytes here)
    if (v === this.version) return timingSafeEqual(cookie, this.compute(v, this.secret, ni, ip, spiI));
    const prevVersion = (this.version - 1) & 0xffffffff;
    if (this.previous && v === prevVersion) return timingSafeEqual(cookie, this.compute(v, this.previous, ni, ip, spiI));
    return false;
  }
}
