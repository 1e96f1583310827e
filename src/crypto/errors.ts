/** Errors raised by the crypto layer. Callers map them to IKE notifies. */

/** A transform id (or id + key length) that this build cannot provide. */
export class UnsupportedTransformError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'UnsupportedTransformError';
  }
}

/** An ICV or AEAD tag did not verify: the message was modified or the key is wrong. */
export class IntegrityError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'IntegrityError';
  }
}

/** The peer's key exchange value is malformed, of the wrong length or a weak value. */
export class KeyExchangeError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'KeyExchangeError';
  }
}
