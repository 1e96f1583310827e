/**
 * The floor under our responder's CPU per SA: what the node:crypto calls and UDP
 * datagrams a responder cannot avoid cost here, with no IKE logic around them.
 * Per SA (IKE_SA_INIT, IKE_AUTH and the client's INFORMATIONAL delete, aes128-sha256
 * IKE SA, PSK or RSA-2048):
 *   key exchange: our key pair (and public value) and the shared secret (ECP-256 or MODP-2048);
 *   HMAC-SHA256 x 17: SKEYSEED 1, prf+ for the seven IKE SA keys 6, the ICV of the two
 *     requests and two answers 4, AUTH: prf(SK_p, ID) and prf(padded key, octets) for the
 *     peer's and for ours 4 (PSK; with RSA only the two prf(SK_p, ID)), Child SA keys 2;
 *   AES-128-CBC x 4 (two requests decrypted, two answers encrypted);
 *   SHA-1 x 4 (NAT detection: two received checked, two sent);
 *   RSA-2048: one signature (our AUTH) and one verification (the peer's);
 *   UDP: three datagrams in, three out (udpPerDatagram is one send plus one receive).
 * Random bytes (nonce, IVs) are left out (they come from a pool). Privilege separation
 * (the parent installing SAs) is left out: the floor is of one process.
 *
 * `node dist/bench/crypto-floor.js [--json]`: bench.ts runs it pinned to the responder's CPU.
 */
import { createKeyExchange, respondKeyExchange } from '../src/crypto/key-exchange';
import { DH } from '../src/wire/iana';
import { createCipheriv, createDecipheriv, createECDH, createHash, createHmac, generateKeyPairSync, getDiffieHellman, sign, verify, randomBytes, KeyObject } from 'node:crypto';
import { createSocket } from 'node:dgram';
import type { CaseName } from './bench-configs';

export interface FloorParts {
  /** ms per SA of each part, and the sum per case. */
  ecp256: number;
  modp2048: number;
  /** the responder's x25519 step and its ML-KEM-768 encapsulation (our implementations) */
  x25519Mlkem768: number;
  symmetric: number;
  pskAuth: number;
  rsaAuth: number;
  udpPerDatagram: number;
  perCase: Record<CaseName, number>;
}

/** CPU ms per call of f, after a warm-up. */
function cpuMsPer(n: number, f: () => void): number {
  for (let i = 0; i < Math.min(300, n); i++) f();
  const s = process.cpuUsage();
  for (let i = 0; i < n; i++) f();
  const u = process.cpuUsage(s);
  return (u.user + u.system) / n / 1000;
}

const hmac = (k: Buffer, d: Buffer): Buffer => createHmac('sha256', k).update(d).digest();

function measureKeyExchange(): { ecp256: number; modp2048: number; x25519Mlkem768: number } {
  const peer = createECDH('prime256v1');
  peer.generateKeys();
  const peerPub = peer.getPublicKey();
  // one ECDH object, a fresh key pair each time (generateKeys returns the public value)
  const e = createECDH('prime256v1');
  const ecp256 = cpuMsPer(3000, () => {
    e.generateKeys();
    e.computeSecret(peerPub);
  });
  const peerDh = getDiffieHellman('modp14');
  peerDh.generateKeys();
  const peerY = peerDh.getPublicKey();
  const modp2048 = cpuMsPer(300, () => {
    const d = getDiffieHellman('modp14');
    d.generateKeys();
    d.computeSecret(peerY);
  });
  const ek = createKeyExchange(DH.ML_KEM_768).publicKey;
  const xPeer = createKeyExchange(DH.CURVE25519).publicKey;
  const x25519Mlkem768 = cpuMsPer(300, () => {
    respondKeyExchange(DH.CURVE25519, xPeer).secret.fill(0);
    respondKeyExchange(DH.ML_KEM_768, ek).secret.fill(0);
  });
  return { ecp256, modp2048, x25519Mlkem768 };
}

function measureSymmetric(): { symmetric: number; pskAuth: number } {
  const key = randomBytes(32);
  const aesKey = key.subarray(0, 16);
  const iv = randomBytes(16);
  const msg = randomBytes(288); // an IKE_AUTH body, block-aligned
  const seed = randomBytes(80); // Ni | Nr | SPIi | SPIr
  const natd = randomBytes(26); // SPIi | SPIr | IPv4 | port
  const octets = randomBytes(360); // message 1 | nonce | prf(SK_p, ID)
  const aes = (enc: boolean): void => {
    const c = enc ? createCipheriv('aes-128-cbc', aesKey, iv) : createDecipheriv('aes-128-cbc', aesKey, iv);
    c.setAutoPadding(false);
    c.update(msg);
    c.final();
  };
  const symmetric = cpuMsPer(3000, () => {
    for (let i = 0; i < 4; i++) createHash('sha1').update(natd).digest();
    hmac(key, seed); // SKEYSEED
    for (let i = 0; i < 6; i++) hmac(key, seed); // prf+ T1..T6 (192 bytes of IKE SA keys)
    for (let i = 0; i < 2; i++) {
      aes(false); // request in
      hmac(key, msg);
      aes(true); // answer out
      hmac(key, msg);
    }
    hmac(key, seed); // prf(SK_pi, IDi)
    hmac(key, seed); // prf(SK_pr, IDr)
    for (let i = 0; i < 2; i++) hmac(key, seed); // Child SA keys (2 x (16 + 4) bytes)
  });
  const pskAuth = cpuMsPer(3000, () => {
    hmac(key, octets); // the peer's AUTH, checked
    hmac(key, octets); // ours
  });
  return { symmetric, pskAuth };
}

function measureRsa(): number {
  const { privateKey, publicKey } = generateKeyPairSync('rsa', { modulusLength: 2048 }) as { privateKey: KeyObject; publicKey: KeyObject };
  const octets = randomBytes(1400);
  const peerSig = sign('sha256', octets, privateKey);
  return cpuMsPer(300, () => {
    sign('sha256', octets, privateKey);
    verify('sha256', octets, publicKey, peerSig);
  });
}

/** CPU per datagram (one send and one receive) over loopback, both ends in this process. */
async function measureUdp(rounds: number): Promise<number> {
  const a = createSocket('udp4');
  const b = createSocket('udp4');
  await new Promise<void>((r) => a.bind(0, '127.0.0.1', r));
  await new Promise<void>((r) => b.bind(0, '127.0.0.1', r));
  const pa = a.address().port;
  const pb = b.address().port;
  const buf = Buffer.alloc(300);
  b.on('message', (m) => b.send(m, pa, '127.0.0.1'));
  let left = rounds + 300;
  let s0 = process.cpuUsage();
  await new Promise<void>((done) => {
    a.on('message', () => {
      if (--left === rounds) s0 = process.cpuUsage();
      if (left === 0) done();
      else a.send(buf, pb, '127.0.0.1');
    });
    a.send(buf, pb, '127.0.0.1');
  });
  const u = process.cpuUsage(s0);
  a.close();
  b.close();
  return (u.user + u.system) / 1000 / (2 * rounds);
}

export async function measureFloor(): Promise<FloorParts> {
  const { ecp256, modp2048, x25519Mlkem768 } = measureKeyExchange();
  const { symmetric, pskAuth } = measureSymmetric();
  const rsaAuth = measureRsa();
  const udpPerDatagram = await measureUdp(20_000);
  // the responder receives three datagrams and sends three: three sends and three receives
  const common = symmetric + 3 * udpPerDatagram;
  return {
    ecp256,
    modp2048,
    x25519Mlkem768,
    symmetric,
    pskAuth,
    rsaAuth,
    udpPerDatagram,
    perCase: {
      'psk-ecp256': ecp256 + common + pskAuth,
      'rsa-ecp256': ecp256 + common + rsaAuth,
      'psk-modp2048': modp2048 + common + pskAuth,
      'psk-ecp256-samets': ecp256 + common + pskAuth,
      // one more exchange (IKE_INTERMEDIATE): a datagram each way, and its symmetric work
      'psk-x25519-mlkem768': x25519Mlkem768 + common + symmetric / 2 + 2 * udpPerDatagram + pskAuth,
    },
  };
}

if (require.main === module) {
  measureFloor().then((f) => {
    if (process.argv.includes('--json')) process.stdout.write(JSON.stringify(f) + '\n');
    else {
      for (const [k, v] of Object.entries(f)) if (typeof v === 'number') console.log(`${k.padEnd(16)} ${v.toFixed(4)} ms`);
      for (const [k, v] of Object.entries(f.perCase)) console.log(`floor ${k.padEnd(14)} ${v.toFixed(3)} ms per SA`);
    }
  });
}
