/**
 * iked's wording of key events, as pure functions of their inputs, so the
 * logs read like OpenBSD iked's (sbin/iked/ikev2.c). iked prefixes most
 * lines with the IKE SA's initiator SPI: "spi=0x%016llx: ".
 */

/** "0x" + 16 hex digits of a 64-bit SPI (given as bigint, hex string or 8-byte Buffer). */
export function printSpi64(spi: bigint | string | Buffer): string {
  let n: bigint;
  if (typeof spi === 'bigint') n = spi;
  else if (Buffer.isBuffer(spi)) n = spi.length === 0 ? 0n : BigInt('0x' + spi.toString('hex'));
  else n = BigInt(spi.startsWith('0x') || spi.startsWith('0X') ? spi : '0x' + spi);
  return '0x' + n.toString(16).padStart(16, '0');
}

/** "0x" + 8 hex digits of a 32-bit (ESP/AH) SPI. */
export function printSpi32(spi: number | string | Buffer): string {
  let n: number;
  if (typeof spi === 'number') n = spi >>> 0;
  else if (Buffer.isBuffer(spi)) n = spi.readUInt32BE(0);
  else n = parseInt(spi.replace(/^0x/i, ''), 16) >>> 0;
  return '0x' + n.toString(16).padStart(8, '0');
}

/** iked's per-SA prefix: "spi=0x0123456789abcdef: " optionally followed by "func: ". */
export function spiPrefix(ispi: bigint | string | Buffer, func?: string): string {
  return `spi=${printSpi64(ispi)}: ` + (func ? `${func}: ` : '');
}

export interface EstablishedInfo {
  ispi: bigint | string | Buffer;
  /** "192.0.2.2:500" */
  peer: string;
  /** "FQDN/b.example" */
  peerId: string;
  local: string;
  localId: string;
  policy: string;
  initiator: boolean;
  /** address handed out from an address pool, if any */
  assigned?: string;
  assigned6?: string;
  /** "aes-256-gcm", "aes-256" */
  encr: string;
  /** null for AEAD */
  integ?: string | null;
  /** "curve25519", "modp2048" */
  group: string;
  prf: string;
  /** extensions beyond iked's line */
  rekeyed?: number;
  elapsedMs?: number;
}

/**
 * `spi=0x...: established peer 192.0.2.2:500[FQDN/b] local 192.0.2.1:500[FQDN/a]
 *  policy 'gw' as initiator (enc aes-256-gcm group curve25519 prf hmac-sha2-256)`
 * with " rekeyed=N in Xms" appended when given.
 */
export function establishedLine(e: EstablishedInfo): string {
  let s = `${spiPrefix(e.ispi)}established peer ${e.peer}[${e.peerId}] local ${e.local}[${e.localId}]`;
  if (e.assigned) s += ` assigned ${e.assigned}`;
  if (e.assigned6) s += ` assigned ${e.assigned6}`;
  s += ` policy '${e.policy}' as ${e.initiator ? 'initiator' : 'responder'}`;
  s += ` (enc ${e.encr}${e.integ ? ` auth ${e.integ}` : ''} group ${e.group} prf ${e.prf})`;
  if (e.rekeyed !== undefined) s += ` rekeyed=${e.rekeyed}`;
  if (e.elapsedMs !== undefined) s += ` in ${Math.round(e.elapsedMs)}ms`;
  return s;
}

export interface LoadedSpisInfo {
  ispi: bigint | string | Buffer;
  /** 32-bit SPIs of the child SAs just installed (in and out) */
  spis: Array<number | string | Buffer>;
  encr: string;
  integ?: string | null;
  group?: string | null;
  esn?: boolean;
}

/** `spi=0x...: ikev2_childsa_enable: loaded SPIs: 0x3baa27bb, 0xc82d2075 (enc aes-256-gcm group curve25519 esn)` */
export function loadedSpisLine(e: LoadedSpisInfo): string {
  const spis = e.spis.map(printSpi32).join(', ');
  let alg = `enc ${e.encr}`;
  if (e.integ) alg += ` auth ${e.integ}`;
  if (e.group) alg += ` group ${e.group}`;
  if (e.esn) alg += ' esn';
  return `${spiPrefix(e.ispi, 'ikev2_childsa_enable')}loaded SPIs: ${spis} (${alg})`;
}

export interface FlowDesc {
  /** 'ESP' | 'AH' */
  proto: string;
  src: string;
  dst: string;
  /** IP protocol number, 0 = any */
  ipproto: number;
}

/** One flow as iked prints it: "ESP-10.0.0.1/32=10.0.0.2/32(0)". */
export function flowText(f: FlowDesc): string {
  return `${f.proto}-${f.src}=${f.dst}(${f.ipproto})`;
}

/** `spi=0x...: ikev2_childsa_enable: loaded flows: ESP-10.0.1.0/24=10.0.2.0/24(0), ...` */
export function loadedFlowsLine(ispi: bigint | string | Buffer, flows: FlowDesc[]): string {
  return `${spiPrefix(ispi, 'ikev2_childsa_enable')}loaded flows: ${flows.map(flowText).join(', ')}`;
}

/** `spi=0x...: deleted 2 SPIs: ESP-0x1234abcd, ESP-0xabcd1234` */
export function deletedSpisLine(
  ispi: bigint | string | Buffer,
  proto: string,
  spis: Array<number | string | Buffer>,
): string {
  const n = spis.length;
  const list = spis.map((s) => `${proto}-${printSpi32(s)}`).join(', ');
  return `${spiPrefix(ispi)}deleted ${n} SPI${n === 1 ? '' : 's'}: ${list}`;
}

/** `spi=0x...: sa_state: SA_INIT -> AUTH_REQUEST` */
export function saStateLine(ispi: bigint | string | Buffer, from: string, to: string): string {
  return `${spiPrefix(ispi)}sa_state: ${from} -> ${to}`;
}

/** `spi=0x...: ikev2_send_auth_failed: authentication failed for FQDN/b.example` */
export function authFailedLine(ispi: bigint | string | Buffer, peerId: string): string {
  return `${spiPrefix(ispi, 'ikev2_send_auth_failed')}authentication failed for ${peerId}`;
}

/** `spi=0x...: IKE SA rekeyed, new spi=0x...` (iked: ikev2_ikesa_enable) */
export function ikeSaRekeyedLine(oldIspi: bigint | string | Buffer, newIspi: bigint | string | Buffer): string {
  return `${spiPrefix(oldIspi)}IKE SA rekeyed, new spi=${printSpi64(newIspi)}`;
}

/** `spi=0x...: ikev2_ikesa_delete: closing SA` style. */
export function closingSaLine(ispi: bigint | string | Buffer, reason?: string): string {
  return `${spiPrefix(ispi)}closing SA${reason ? `: ${reason}` : ''}`;
}

/** iked's startup banner lines for the parent process. */
export function startupLine(version: string): string {
  return `startup (iked ${version})`;
}
