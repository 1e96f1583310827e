import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { copyFileSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { randomBytes } from 'node:crypto';
import { DH, DhGroup, ENCR, INTEG, PRF } from '../../src/wire/iana';
import { createKeyExchange, isKemGroup, respondKeyExchange, supportedGroups } from '../../src/crypto/key-exchange';
import { encrById } from '../../src/crypto/encr';
import { integById } from '../../src/crypto/integ';
import { deriveChildKeys, deriveIkeSaKeysFromSecret } from '../../src/crypto/keymat';
import { prfById } from '../../src/crypto/prf';
import { loadCryptoAddon } from '../../src/crypto/native-crypto';
import type { CryptoAddon } from '../../src/crypto/native-crypto';
import { skBodyLength, skOpen, skSeal } from '../../src/crypto/sk-seal';
import type { SkSuite } from '../../src/crypto/sk-seal';
import { nativeSkip, onPath } from './crypto-paths';

const MODULE = join(__dirname, '..', '..', 'src', 'crypto', 'native-crypto.js');

/** cryptoPath() and whether iked_crypto.node got loaded, in a fresh node with IKED_CRYPTO=value. */
function pathInChild(value: string, module = MODULE): string {
  const script = `
    let path;
    try { path = require(${JSON.stringify(module)}).cryptoPath(); } catch (e) { path = 'error: ' + e.message; }
    const loaded = Object.keys(require.cache).some((k) => k.endsWith('iked_crypto.node'));
    process.stdout.write(path + (loaded ? ' +addon' : ' -addon'));`;
  return execFileSync(process.execPath, ['-e', script], { env: { ...process.env, IKED_CRYPTO: value }, encoding: 'utf8' });
}

test('IKED_CRYPTO=node takes node:crypto and never loads the addon', () => {
  assert.equal(pathInChild('node'), 'node -addon');
});

test('IKED_CRYPTO=native takes the addon; unset takes it when built', { skip: nativeSkip() }, () => {
  assert.equal(pathInChild('native'), 'native +addon');
  assert.equal(pathInChild(''), 'native +addon');
});

test('IKED_CRYPTO=native without the addon, or an unknown value, is a clear error at import', () => {
  const dir = mkdtempSync(join(tmpdir(), 'iked-crypto-'));
  try {
    const lone = join(dir, 'native-crypto.js'); // no build/Release above it
    copyFileSync(MODULE, lone);
    assert.match(pathInChild('native', lone), /^error: IKED_CRYPTO=native: .*iked_crypto\.node is not built/);
    assert.equal(pathInChild('', lone), 'node -addon');
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
  assert.match(pathInChild('openssl'), /^error: IKED_CRYPTO must be 'native' or 'node', not 'openssl'/);
});

/** Counts the calls into the addon while fn runs. */
async function addonCalls(addon: CryptoAddon, fn: () => void): Promise<number> {
  const a = addon as unknown as Record<string, (...args: unknown[]) => unknown>;
  const names = ['kxPublic', 'kxSecret', 'kxRespond', 'skSeal', 'skOpen', 'prf', 'prfPlus', 'skeyseedPlus'];
  const saved = names.map((n) => a[n]);
  let calls = 0;
  names.forEach((n, i) => {
    a[n] = (...args: unknown[]) => {
      calls++;
      return saved[i].apply(addon, args);
    };
  });
  try {
    fn();
  } finally {
    names.forEach((n, i) => (a[n] = saved[i]));
  }
  return calls;
}

const GCM: SkSuite = { encr: encrById(ENCR.AES_GCM_16, 256), integ: null };

function exchangeAndSeal(): void {
  const i = createKeyExchange(DH.ECP_256);
  const r = respondKeyExchange(DH.ECP_256, i.publicKey);
  assert.deepEqual(i.computeSecret(r.publicKey), r.secret);
  const prf = prfById(PRF.HMAC_SHA2_256);
  const [ni, nr] = [randomBytes(32), randomBytes(32)];
  const keys = deriveIkeSaKeysFromSecret({ prf, encr: GCM.encr, integ: null, ni, nr, spiI: randomBytes(8), spiR: randomBytes(8) }, r.secret);
  deriveChildKeys(prf, keys.skD, ni, nr, null, 36, 0);
  prf.compute(keys.skPi, Buffer.from('ID'));
  const key = keys.skEr;
  const out = Buffer.alloc(skBodyLength(GCM, 5));
  skSeal(GCM, key, null, Buffer.alloc(8), Buffer.from('hello'), out);
  assert.equal(skOpen(GCM, key, null, Buffer.alloc(8), out).toString(), 'hello');
}

test('the native path calls the addon for key exchange, keys, prf and SK; the node path does not', { skip: nativeSkip() }, async () => {
  const addon = loadCryptoAddon() as CryptoAddon;
  const native = await onPath('native', () => addonCalls(addon, exchangeAndSeal));
  assert.equal(native, 8, 'kxPublic, kxRespond, kxSecret, skeyseedPlus, prfPlus, prf, skSeal, skOpen');
  assert.equal(await onPath('node', () => addonCalls(addon, exchangeAndSeal)), 0);
});

test('the two paths interoperate: every DH group both ways', { skip: nativeSkip() }, async () => {
  for (const g of supportedGroups().filter((x) => !isKemGroup(x))) {
    const name = DhGroup.name(g);
    for (const [a, b] of [['node', 'native'], ['native', 'node']] as const) {
      const init = await onPath(a, () => createKeyExchange(g));
      const resp = await onPath(b, () => respondKeyExchange(g, init.publicKey));
      const mine = await onPath(a, () => init.computeSecret(resp.publicKey));
      assert.deepEqual(mine, resp.secret, `${name}: initiator ${a}, responder ${b}`);
      init.dispose();
    }
  }
});

test('the two paths interoperate: SK bodies sealed on one open on the other', { skip: nativeSkip() }, async () => {
  const suites: SkSuite[] = [
    ...[128, 256].flatMap((b) => [INTEG.HMAC_SHA2_256_128, INTEG.HMAC_SHA1_96, INTEG.HMAC_SHA2_512_256].map((i) => ({ encr: encrById(ENCR.AES_CBC, b), integ: integById(i) }))),
    { encr: encrById(ENCR.AES_CTR, 128), integ: integById(INTEG.HMAC_SHA2_384_192) },
    { encr: encrById(ENCR['3DES']), integ: integById(INTEG.HMAC_MD5_96) },
    ...[ENCR.AES_GCM_8, ENCR.AES_GCM_12, ENCR.AES_GCM_16].map((id) => ({ encr: encrById(id, 128), integ: null })),
    { encr: encrById(ENCR.CHACHA20_POLY1305), integ: null },
  ];
  for (const s of suites) {
    const ek = randomBytes(s.encr.keyLen);
    const ak = s.integ ? randomBytes(s.integ.keyLen) : null;
    for (const n of [0, 7, 16, 333]) {
      const plain = randomBytes(n);
      const aad = randomBytes(32);
      for (const [a, b] of [['node', 'native'], ['native', 'node']] as const) {
        const out = Buffer.alloc(skBodyLength(s, n));
        await onPath(a, () => skSeal(s, ek, ak, aad, plain, out));
        const back = await onPath(b, () => skOpen(s, ek, ak, aad, out));
        assert.deepEqual(back, plain, `${s.encr.name}/${s.integ?.name ?? 'AEAD'} ${n} bytes, sealed ${a}, opened ${b}`);
      }
    }
  }
});
