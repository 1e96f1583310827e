/**
 * The EAP peer (the IKEv2 initiator's side) for EAP-MSCHAPv2: answers
 * Identity, the MSCHAPv2 Challenge, checks the authenticator response
 * (mutual authentication) and yields the MSK on EAP-Success. Other methods
 * get a Nak proposing MSCHAPv2.
 */
import { randomBytes } from 'node:crypto';
import { EAP_CODE, EAP_TYPE, EapType } from '../wire/iana';
import type { EapClient, EapClientStep } from '../ikev2/exchange/eap-backend';
import { decodeEap, encodeEap } from '../ikev2/payloads/eap-message';
import { decodeMschap, encodeMschap, mschapUserName } from './mschapv2-packet';
import { authenticatorResponse, authenticatorResponseMatches, generateNtResponse, mschapv2Msk, ntPasswordHash } from './mschapv2';

export class EapMschapV2Client implements EapClient {
  private hash: Buffer;
  private msk: Buffer | null = null;
  private verified = false;
  private failed = '';

  constructor(
    private readonly identity: string,
    password: string,
  ) {
    this.hash = ntPasswordHash(password);
  }

  /** Handle one EAP packet from the authenticator. */
  handle(message: Buffer): EapClientStep {
    let p;
    try {
      p = decodeEap(message);
    } catch (e) {
      return this.end(`malformed EAP from the server: ${e instanceof Error ? e.message : String(e)}`);
    }
    if (p.code === EAP_CODE.SUCCESS) {
      if (!this.verified || !this.msk) return this.end('EAP-Success before the server proved knowledge of the password');
      const msk = this.msk;
      this.msk = null;
      this.dispose();
      return { kind: 'success', msk };
    }
    if (p.code === EAP_CODE.FAILURE) return this.end(this.failed || 'server sent EAP-Failure');
    if (p.code !== EAP_CODE.REQUEST) return this.end(`unexpected EAP code ${p.code} from the server`);
    const reply = (type: number, data: Buffer): EapClientStep => ({ kind: 'response', message: encodeEap({ code: EAP_CODE.RESPONSE, identifier: p.identifier, type, data }) });
    if (p.type === EAP_TYPE.IDENTITY) return reply(EAP_TYPE.IDENTITY, Buffer.from(this.identity, 'utf8'));
    if (p.type === EAP_TYPE.NOTIFICATION) return reply(EAP_TYPE.NOTIFICATION, Buffer.alloc(0));
    if (p.type !== EAP_TYPE.MSCHAPV2) return reply(EAP_TYPE.NAK, Buffer.from([EAP_TYPE.MSCHAPV2]));
    let m;
    try {
      m = decodeMschap(p.data, false);
    } catch (e) {
      return this.end(e instanceof Error ? e.message : String(e));
    }
    switch (m.op) {
      case 'challenge': {
        this.challenge = m.challenge;
        this.peerChallenge = randomBytes(16);
        const name = this.identity;
        this.ntResponse = generateNtResponse(m.challenge, this.peerChallenge, mschapUserName(name), this.hash);
        return reply(EAP_TYPE.MSCHAPV2, encodeMschap({ op: 'response', id: m.id, peerChallenge: this.peerChallenge, ntResponse: this.ntResponse, flags: 0, name }));
      }
      case 'success': {
        if (!this.challenge || !this.peerChallenge || !this.ntResponse) return this.end('MSCHAPv2 Success before any challenge');
        const expect = authenticatorResponse(this.hash, this.ntResponse, this.peerChallenge, this.challenge, mschapUserName(this.identity));
        const got = /S=([0-9A-Fa-f]{40})/.exec(m.message);
        if (!got || !authenticatorResponseMatches(expect, `S=${got[1]}`)) return this.end('the server\'s MSCHAPv2 authenticator response is wrong: it does not know our password');
        this.verified = true;
        this.msk = mschapv2Msk(this.hash, this.ntResponse);
        return reply(EAP_TYPE.MSCHAPV2, encodeMschap({ op: 'success-ack' }));
      }
      case 'failure': {
        const code = /E=(\d+)/.exec(m.message)?.[1] ?? '?';
        this.failed = `server refused the MSCHAPv2 credentials of '${this.identity}' (E=${code})`;
        return reply(EAP_TYPE.MSCHAPV2, encodeMschap({ op: 'failure-ack' }));
      }
      default:
        return this.end(`unexpected MSCHAPv2 ${m.op} from the server (${EapType.name(p.type)})`);
    }
  }

  private challenge: Buffer | null = null;
  private peerChallenge: Buffer | null = null;
  private ntResponse: Buffer | null = null;

  private end(reason: string): EapClientStep {
    this.dispose();
    return { kind: 'failure', reason };
  }

  /** Zero the password hash and keys. Idempotent. */
  dispose(): void {
    this.hash.fill(0);
    this.msk?.fill(0);
    this.msk = null;
  }
}
