/** The fixed IKE header (RFC 7296 3.1), as decoded: the one shape the codec, the engine and the decode error share. */
export interface IkeHeader {
  spiI: Buffer; // 8 bytes
  spiR: Buffer; // 8 bytes
  nextPayload: number;
  majorVersion: number; // 2
  minorVersion: number; // 0
  exchange: number; // EXCHANGE.*
  flags: number; // FLAG.* bits
  messageId: number; // uint32
  length: number; // total message length (filled on encode)
}

