/** `ikectl show sa`: `ppk yes|no` on sa_info when the policy has a PPK (RFC 8784), nothing otherwise. */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { formatSas } from '../../src/cli/ikectl-format';
import { SAMPLE_SA } from '../proc/control-fake-daemon';

const info = (text: string): string => text.split('\n').find((l) => l.startsWith('  sa_info:'))!;

test('show sa: ppk yes, ppk no, and no word without a PPK', () => {
  assert.match(info(formatSas([{ ...SAMPLE_SA, ppk: true }])), / ppk yes( |$)/);
  assert.match(info(formatSas([{ ...SAMPLE_SA, ppk: false }])), / ppk no( |$)/);
  assert.doesNotMatch(info(formatSas([{ ...SAMPLE_SA, ppk: undefined }])), /ppk/);
});
