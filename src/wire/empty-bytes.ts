/** The one zero-length Buffer (nothing can be written to it): for absent SPIs, notify data, dropped nonces. */
export const EMPTY: Buffer = Buffer.alloc(0);

/** Eight zero bytes: the responder SPI of a first IKE_SA_INIT (never written to). */
export const ZERO8 = Buffer.alloc(8);
