import { test } from 'node:test';
import assert from 'node:assert/strict';
import { startupLine } from '../../src/log/iked-wording';

test('startup line in iked wording', () => {
  assert.equal(startupLine('0.1.0'), 'startup (iked 0.1.0)');
});
