/**
 * SPI lookup time of the IKE SA table holding N SAs: real IkeSa objects with random
 * SPIs in the engine's SaTable, looked up by SPI buffers as a decoded header gives them.
 */
import { randomBytes } from 'node:crypto';
import { SaTable } from '../src/ikev2/sa/sa-table';
import { IkeSa } from '../src/ikev2/sa/ike-sa';
import type { Policy } from '../src/ikev2/policy/policy';

export function measureSpiLookup(n: number, lookups = 1_000_000): number {
  const table = new SaTable();
  const policy = { name: 'bench' } as Policy;
  const spis: Buffer[] = [];
  for (let i = 0; i < n; i++) {
    const sa = new IkeSa(false, randomBytes(8), policy, { address: '192.0.2.1', port: 500 }, { address: '192.0.2.2', port: 500 });
    sa.spiR = randomBytes(8);
    table.add(sa);
    table.markOpened(sa);
    spis.push(Buffer.from(sa.spiR));
  }
  // lookup buffers in random order (a packet's SPI is a fresh slice each time)
  const order = Array.from({ length: 4096 }, () => spis[Math.floor(Math.random() * spis.length)]);
  let found = 0;
  for (let i = 0; i < 100_000; i++) if (table.get(order[i & 4095])) found++; // warm-up
  const t0 = process.hrtime.bigint();
  for (let i = 0; i < lookups; i++) if (table.get(order[i & 4095])) found++;
  const ns = Number(process.hrtime.bigint() - t0) / lookups;
  if (found < lookups) throw new Error('SPI lookup missed SAs that are in the table');
  for (const s of spis) s.fill(0);
  return ns;
}
