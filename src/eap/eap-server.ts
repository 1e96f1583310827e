/**
 * The EAP state machine of the responder for EAP-MSCHAPv2 (RFC 3748,
 * draft-kamath-pppext-eap-mschapv2): Identity -> MSCHAPv2 Challenge ->
 * Response checked against the user's password -> MSCHAPv2 Success (with the
 * authenticator response) -> acknowledgement -> EAP-Success with the MSK.
 * A wrong password or an unknown user ends the conversation at once with
 * EAP-Failure (no MSCHAPv2 Failure request and retry: the IKE SA is refused
 * with AUTHENTICATION_FAILED and no state is kept). Passwords come from a
 * lookup (the `user` lines).
 */
import { randomBytes, timingSafeEqual } from 'node:crypto';
import { EAP_CODE, EAP_TYPE, EapType } from '../wire/iana';
import type { EapServerBackend, EapStep } from '../ikev2/exchange/eap-backend';
import { decodeEap, encodeEap, eapFailure, eapSuccess } from '../ikev2/payloads/eap-message';
import { decodeMschap, encodeMschap, mschapUserName } from './mschapv2-packet';
import { authenticatorResponse, generateNtResponse, mschapv2Msk, ntPasswordHash } from './mschapv2';

/** Returns the password of a user, or null when there is no such user. */
export type PasswordLookup = (user: string) => string | null;

type State = 'idle' | 'identity' | 'challenge' | 'success-sent' | 'done';

/** Name we put in the MSCHAPv2 challenge (informational). */
const SERVER_NAME = 'iked';

export class MschapV2Server implements EapServerBackend {
  private state: State = 'idle';
  private id = 0;
  private identity = '';
  private challenge: Buffer | null = null;
  private msk: Buffer | null = null;

  constructor(private readonly lookup: PasswordLookup) {
    this.id = randomBytes(1)[0];
  }

  async start(_peerIdentity: string): Promise<EapStep> {
    if (this.state !== 'idle') throw new Error('EAP server: started twice');
    this.state = 'identity';
    return { kind: 'request', message: this.request(EAP_TYPE.IDENTITY, Buffer.alloc(0)) };
  }

  private request(type: number, data: Buffer): Buffer {
    this.id = (this.id + 1) & 0xff;
    return encodeEap({ code: EAP_CODE.REQUEST, identifier: this.id, type, data });
  }

  private fail(reason: string): EapStep {
    this.state = 'done';
    this.wipe();
    return { kind: 'failure', message: eapFailure(this.id), reason };
  }

  async step(eapResponse: Buffer): Promise<EapStep> {
    let p;
    try {
      p = decodeEap(eapResponse);
    } catch (e) {
      return this.fail(e instanceof Error ? e.message : String(e));
    }
    if (p.code !== EAP_CODE.RESPONSE) return this.fail(`expected an EAP Response, got code ${p.code}`);
    if (p.identifier !== this.id) return this.fail(`EAP Response identifier ${p.identifier}, expected ${this.id}`);
    if (p.type === EAP_TYPE.NAK) return this.fail('peer refused EAP-MSCHAPv2 (Nak)');
    switch (this.state) {
      case 'identity': {
        if (p.type !== EAP_TYPE.IDENTITY) return this.fail(`expected Identity, got ${EapType.name(p.type ?? 0)}`);
        this.identity = p.data.toString('utf8');
        if (!this.identity) return this.fail('empty EAP identity');
        this.challenge = randomBytes(16);
        this.state = 'challenge';
        const data = encodeMschap({ op: 'challenge', id: (this.id + 1) & 0xff, challenge: this.challenge, name: SERVER_NAME });
        return { kind: 'request', message: this.request(EAP_TYPE.MSCHAPV2, data) };
      }
      case 'challenge':
        return this.checkResponse(p.type, p.data);
      case 'success-sent': {
        const ack = this.ack(p.type, p.data);
        if (ack !== 'success-ack') return this.fail(`expected the MSCHAPv2 success acknowledgement, got ${ack}`);
        this.state = 'done';
        const msk = this.msk!;
        this.msk = null;
        this.wipe();
        return { kind: 'success', message: eapSuccess(this.id), msk, identity: this.identity };
      }
      default:
        return this.fail(`EAP Response in state ${this.state}`);
    }
  }

  private ack(type: number | undefined, data: Buffer): string {
    if (type !== EAP_TYPE.MSCHAPV2) return EapType.name(type ?? 0);
    try {
      return decodeMschap(data, true).op;
    } catch (e) {
      return e instanceof Error ? e.message : String(e);
    }
  }

  private checkResponse(type: number | undefined, data: Buffer): EapStep {
    if (type !== EAP_TYPE.MSCHAPV2) return this.fail(`expected EAP-MSCHAPv2, got ${EapType.name(type ?? 0)}`);
    let r;
    try {
      r = decodeMschap(data, true);
    } catch (e) {
      return this.fail(e instanceof Error ? e.message : String(e));
    }
    if (r.op !== 'response') return this.fail(`expected an MSCHAPv2 Response, got ${r.op}`);
    const user = mschapUserName(this.identity);
    const password = this.lookup(user);
    const challenge = this.challenge!;
    if (password === null) return this.fail(`unknown user '${user}'`);
    const hash = ntPasswordHash(password);
    try {
      const name = mschapUserName(r.name);
      const expect = generateNtResponse(challenge, r.peerChallenge, name, hash);
      if (!timingSafeEqual(expect, r.ntResponse)) return this.fail(`wrong password for user '${user}'`);
      const s = authenticatorResponse(hash, r.ntResponse, r.peerChallenge, challenge, name);
      this.msk = mschapv2Msk(hash, r.ntResponse);
      this.identity = user;
      this.state = 'success-sent';
      const msg = encodeMschap({ op: 'success', id: r.id, message: `${s} M=Welcome` });
      return { kind: 'request', message: this.request(EAP_TYPE.MSCHAPV2, msg) };
    } finally {
      hash.fill(0);
    }
  }

  private wipe(): void {
    this.challenge?.fill(0);
    this.challenge = null;
  }

  close(_reason: 'done' | 'aborted'): void {
    this.state = 'done';
    this.wipe();
    this.msk?.fill(0);
    this.msk = null;
  }

  /** The EAP identity the peer gave (empty before). */
  get peerIdentity(): string {
    return this.identity;
  }
}
