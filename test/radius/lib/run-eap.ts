/** Drive an EapServerBackend with the EAP-MSCHAPv2 peer of src/eap/ (what an IKE_AUTH exchange does). */
import type { EapServerBackend, EapStep } from '../../../src/ikev2/exchange/eap-backend';
import { EapMschapV2Client } from '../../../src/eap/eap-client';

export interface EapRun {
  server: EapStep;
  /** The peer's MSK when it saw EAP-Success. */
  peerMsk: Buffer | null;
  peerFailure: string | null;
  rounds: number;
}

export async function runEap(backend: EapServerBackend, user: string, password: string): Promise<EapRun> {
  const peer = new EapMschapV2Client(user, password);
  let step = await backend.start(user);
  let rounds = 0;
  try {
    while (step.kind === 'request') {
      if (++rounds > 20) throw new Error('EAP conversation did not end after 20 rounds');
      const r = peer.handle(step.message);
      if (r.kind !== 'response') return { server: step, peerMsk: null, peerFailure: r.kind === 'failure' ? r.reason : null, rounds };
      step = await backend.step(r.message);
    }
    const end = peer.handle(step.message);
    return { server: step, peerMsk: end.kind === 'success' ? end.msk : null, peerFailure: end.kind === 'failure' ? end.reason : null, rounds };
  } finally {
    backend.close('done');
  }
}
