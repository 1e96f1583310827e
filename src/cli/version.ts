/** Version printed by `iked -V` and `ikectl -V`; keep in step with package.json. */
export const IKED_VERSION = '0.1.0';
