/** The key exchange object shared by the MODP, ECP and Montgomery implementations. */
export interface KeyExchange {
  /** IANA DH group number (transform type 4). */
  readonly group: number;
  /** Our public value in IKE KE payload wire form. */
  readonly publicKey: Buffer;
  /** The shared secret g^ir in IKE form; KeyExchangeError on a bad peer value. */
  computeSecret(peer: Buffer): Buffer;
  /** Drop the private key; computeSecret afterwards throws. */
  dispose(): void;
}
