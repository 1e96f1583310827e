/** Looking up payloads and building notifies. */
import { PAYLOAD, isErrorNotify } from '../../wire/iana';
import { Payload, NotifyPayload } from './payload-types';
import { EMPTY } from '../../wire/empty-bytes';

export function find<T extends Payload>(list: Payload[], type: number): T | undefined {
  for (const p of list) if (p.type === type) return p as T;
  return undefined;
}

export function findAll<T extends Payload>(list: Payload[], type: number): T[] {
  return list.filter((p) => p.type === type) as T[];
}

export function findNotify(list: Payload[], notifyType: number): NotifyPayload | undefined {
  for (const p of list) if (p.type === PAYLOAD.NOTIFY && (p as NotifyPayload).notifyType === notifyType) return p as NotifyPayload;
  return undefined;
}

export function findNotifies(list: Payload[], notifyType: number): NotifyPayload[] {
  return list.filter((p) => p.type === PAYLOAD.NOTIFY && (p as NotifyPayload).notifyType === notifyType) as NotifyPayload[];
}

/** The first error notify, if any. */
export function findErrorNotify(list: Payload[]): NotifyPayload | undefined {
  for (const p of list) if (p.type === PAYLOAD.NOTIFY && isErrorNotify((p as NotifyPayload).notifyType)) return p as NotifyPayload;
  return undefined;
}

export function notify(notifyType: number, data: Buffer = EMPTY, protocol = 0, spi: Buffer = EMPTY): NotifyPayload {
  return { type: PAYLOAD.NOTIFY, protocol, spi, notifyType, data };
}

export function u16(n: number): Buffer {
  const b = Buffer.allocUnsafe(2);
  b.writeUInt16BE(n, 0);
  return b;
}

export function u32(n: number): Buffer {
  const b = Buffer.allocUnsafe(4);
  b.writeUInt32BE(n >>> 0, 0);
  return b;
}
