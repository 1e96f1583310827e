/**
 * The responder's answer to CP(CFG_REQUEST): the peer's TSi narrowed to the leased
 * address. OpenIKED's `from dynamic` initiator sends TSi 0.0.0.0-0.0.0.0 (a placeholder
 * for the address it asks for): it must become the leased address, not TS_UNACCEPTABLE
 * (seen in the kernel VM: ci/linux/openiked-matrix.sh rw-ours-gw).
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { answerConfig } from '../../src/ikev2/exchange/config-payload';
import { AddressPools } from '../../src/ikev2/policy/address-pool';
import { CFG, CFG_ATTR, NOTIFY, PAYLOAD, TS } from '../../src/wire/iana';
import type { CpPayload, Payload, TrafficSelector, TsPayload } from '../../src/ikev2/payloads/payload-types';
import type { EngineContext } from '../../src/ikev2/engine-context';
import type { IkeSa } from '../../src/ikev2/sa/ike-sa';

const ip4 = (s: string): Buffer => Buffer.from(s.split('.').map(Number));
const range4 = (a: string, b: string): TrafficSelector => ({ tsType: TS.IPV4_ADDR_RANGE, ipProtocol: 0, startPort: 0, endPort: 65535, startAddr: ip4(a), endAddr: ip4(b) });

function rig(): { e: EngineContext; sa: IkeSa } {
  const pool = { option: 'address', type: CFG_ATTR.INTERNAL_IP4_ADDRESS, addr: { kind: 'net' as const, family: 4 as const, addr: ip4('10.9.0.0'), prefixLen: 24, text: '10.9.0.0/24', isNetwork: true } };
  const e = { pools: new AddressPools(), options: { stickyAddress: false }, log: { getVerbose: () => 0, debug: () => undefined }, spiTag: () => 'spi=test' };
  const sa = { policy: { name: 'rw', conf: { config: [pool] } }, spiI: Buffer.alloc(8, 1), spiR: Buffer.alloc(8, 2) };
  return { e: e as unknown as EngineContext, sa: sa as unknown as IkeSa };
}

function request(tsi: TrafficSelector[]): Payload[] {
  const cp: CpPayload = { type: PAYLOAD.CP as 47, cfgType: CFG.REQUEST, attributes: [{ type: CFG_ATTR.INTERNAL_IP4_ADDRESS, value: Buffer.alloc(0) }] };
  const tsiP: TsPayload = { type: PAYLOAD.TSi as 44, selectors: tsi };
  const tsrP: TsPayload = { type: PAYLOAD.TSr as 45, selectors: [range4('10.1.0.0', '10.1.0.255')] };
  return [cp, tsiP, tsrP];
}

function tsiOf(inner: Payload[]): string[] {
  const t = inner.find((p) => p.type === PAYLOAD.TSi) as TsPayload;
  return t.selectors.map((s) => `${[...s.startAddr].join('.')}-${[...s.endAddr].join('.')}`);
}

test('TSi 0.0.0.0-255.255.255.255 (RFC 7296 2.19) is narrowed to the leased address', () => {
  const { e, sa } = rig();
  const r = answerConfig(e, sa, request([range4('0.0.0.0', '255.255.255.255')]), 'b.test');
  assert.equal(r.ok, true);
  if (r.ok) assert.deepEqual(tsiOf(r.inner), ['10.9.0.1-10.9.0.1']);
});

test("TSi 0.0.0.0-0.0.0.0 (OpenIKED's `from dynamic`) stands for the leased address", () => {
  const { e, sa } = rig();
  const r = answerConfig(e, sa, request([range4('0.0.0.0', '0.0.0.0')]), 'b.test');
  assert.equal(r.ok, true, r.ok ? '' : r.reason);
  if (r.ok) assert.deepEqual(tsiOf(r.inner), ['10.9.0.1-10.9.0.1']);
});

test('a TSi elsewhere (not the unspecified address, not containing the lease) is TS_UNACCEPTABLE and leases nothing', () => {
  const { e, sa } = rig();
  const r = answerConfig(e, sa, request([range4('192.168.7.7', '192.168.7.7')]), 'b.test');
  assert.equal(r.ok, false);
  if (!r.ok) assert.equal(r.notify, NOTIFY.TS_UNACCEPTABLE);
  // the address went back to the pool: the next peer gets the first one
  const again = answerConfig(e, sa, request([range4('0.0.0.0', '0.0.0.0')]), 'b.test');
  assert.equal(again.ok, true);
  if (again.ok) assert.deepEqual(tsiOf(again.inner), ['10.9.0.1-10.9.0.1']);
});
