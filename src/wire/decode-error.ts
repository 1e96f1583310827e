import { NOTIFY } from './iana';
import type { IkeHeader } from './ike-header';

/**
 * A received message (or part of one) is malformed. `notify` is the error
 * notify type to report to the peer (INVALID_SYNTAX unless more specific),
 * `payloadType` the payload being parsed when known.
 */
export class DecodeError extends Error {
  /** The message header, when it was decodable (set by decodeMessage). */
  header?: IkeHeader;

  constructor(
    message: string,
    readonly notify: number = NOTIFY.INVALID_SYNTAX,
    readonly payloadType?: number,
  ) {
    super(message);
    this.name = 'DecodeError';
  }
}
