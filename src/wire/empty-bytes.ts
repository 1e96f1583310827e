/** The one zero-length Buffer (nothing can be written to it): for absent SPIs, notify data, dropped nonces. */
export const EMPTY: Buffer = Buffer.alloc(0);
