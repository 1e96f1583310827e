/**
 * The key exchange object shared by the MODP, ECP, Montgomery and KEM implementations.
 * For a KEM (ML-KEM, sntrup761x25519) this is the initiator's side; the responder
 * encapsulates in one step (respondKeyExchange).
 */
export interface KeyExchange {
  /** IANA DH group number (transform type 4). */
  readonly group: number;
  /** Our public value in IKE KE payload wire form (a KEM initiator's: its encapsulation key). */
  readonly publicKey: Buffer;
  /** The shared secret g^ir in IKE form (a KEM: decapsulate the peer's ciphertext); KeyExchangeError on a bad peer value. */
  computeSecret(peer: Buffer): Buffer;
  /** Drop the private key; computeSecret afterwards throws. */
  dispose(): void;
}
