/**
 * `node dist/bench/ca-relay-load.js [--sas N] [--window N] [--rounds N]`: the ca's work for
 * a responder's IKE_AUTH alone, without IKE: a real ca process (ca-main, the bench's RSA-2048
 * PKI) and this process as the engine's AuthProxy, asking one ca.verify-sign per SA (the
 * load client's AUTH and certificate, our signature and chain back), `window` at a time.
 * Prints per round the ca's CPU and this process's (the engine's side of the relay) in ms
 * per SA, and the in-process CaService.verifyThenSign alone (no relay) for comparison.
 */
import type { Socket } from 'node:net';
import { spawnChild } from '../src/proc/privsep/spawn-child';
import { FrameChannel } from '../src/proc/privsep/frame-channel';
import { AuthProxy } from '../src/proc/privsep/auth-proxy';
import { M, MAX_FRAME, certstoreCheck } from '../src/proc/privsep/messages';
import type { AuthProvider, VerifyArgs, SignArgs } from '../src/ikev2/policy/auth-provider';
import type { PolicyConf } from '../src/conf/types';
import { ID } from '../src/wire/iana';
import { benchPki } from './pki';
import { CLIENT_CERT_ID, SERVER_ID } from './bench-configs';
import { cpuMs } from './proc-stats';

function arg(name: string, dflt: string): string {
  const i = process.argv.indexOf(name);
  return i > 0 && process.argv[i + 1] !== undefined ? process.argv[i + 1] : dflt;
}

async function run(auth: AuthProvider, v: VerifyArgs, s: SignArgs, n: number, window: number): Promise<void> {
  let next = 0;
  await Promise.all(
    Array.from({ length: window }, async () => {
      while (next < n) {
        next++;
        const r = await auth.verifyThenSign!(v, s);
        if (!r.verified.ok || !r.signed) throw new Error(`verify-sign failed: ${r.verified.ok ? 'nothing signed' : r.verified.reason}`);
      }
    }),
  );
}

async function main(): Promise<void> {
  const n = Number(arg('--sas', '4000'));
  const window = Number(arg('--window', '8'));
  const rounds = Number(arg('--rounds', '3'));
  const pki = await benchPki();
  const { responder, client } = pki.authProviders();
  const octets = Buffer.alloc(560, 0x5a);
  const peerId = { type: ID.FQDN, data: Buffer.from(CLIENT_CERT_ID) };
  const peer = await client.sign('rsa', peerId, octets, [2, 3, 4]);
  const v: VerifyArgs = { policy: 'rsa', remoteId: peerId, method: peer.method, data: peer.data, octets, certs: peer.certs };
  const s: SignArgs = { policy: 'rsa', localId: { type: ID.FQDN, data: Buffer.from(SERVER_ID) }, octets: Buffer.alloc(560, 0xa5), peerHashAlgs: [2, 3, 4] };

  const ca = spawnChild({
    args: { role: 'ca', foreground: true, verbose: 0 },
    maxFrame: MAX_FRAME.parentCa,
    extra: ['pipe'],
    onFatal: (m) => {
      throw new Error(m);
    },
    onClose: () => undefined,
  });
  const engineEnd = (ca.proc.stdio as unknown as Socket[])[5];
  const link = new FrameChannel(engineEnd, {
    name: 'bench-engine',
    maxFrame: MAX_FRAME.engineCa,
    onFatal: (m) => {
      throw new Error(m);
    },
  });
  const auth = new AuthProxy(link);
  const policy = { name: 'rsa', auth: { method: 'rsa' }, authExplicit: false } as unknown as PolicyConf;
  await ca.channel.request(M.caInit, { dir: pki.serverDir, policies: [policy] }, certstoreCheck);
  await auth.ready();
  await run(auth, v, s, 500, window); // warm-up
  await run(responder, v, s, 500, window);
  for (let round = 0; round < rounds; round++) {
    const ca0 = cpuMs(ca.proc.pid!);
    const own0 = process.cpuUsage();
    await run(auth, v, s, n, window);
    const own = process.cpuUsage(own0);
    const caMs = (cpuMs(ca.proc.pid!) - ca0) / n;
    const engineMs = (own.user + own.system) / 1000 / n;
    const in0 = process.cpuUsage();
    await run(responder, v, s, n, window);
    const inproc = process.cpuUsage(in0);
    const inMs = (inproc.user + inproc.system) / 1000 / n;
    console.log(`BENCH ca_relay round=${round} sas=${n} ca_ms_per_sa=${caMs.toFixed(4)} engine_ms_per_sa=${engineMs.toFixed(4)} inprocess_ms_per_sa=${inMs.toFixed(4)}`);
  }
  ca.proc.kill('SIGTERM');
  link.close();
  ca.channel.close();
  pki.remove();
}

main().catch((e: unknown) => {
  console.error(e);
  process.exit(1);
});
