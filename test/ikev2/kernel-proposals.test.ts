/** kernelProposals: Child SA proposals limited to what a kernel adapter can install. */
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { kernelProposals as filterFor } from '../../src/ikev2/policy/kernel-proposals';
import { supportsFor } from '../../src/platform/algorithms';

/** The proposals an adapter of this name would keep (its supports() is supportsFor(name)). */
const kernelProposals = (name: string, ps: Proposal[]): Proposal[] => filterFor({ supports: supportsFor(name) }, ps);
import { childProposalsFromConf } from '../../src/ikev2/policy/proposals';
import { parsePolicies } from '../helpers/engine-pair';
import { ENCR, INTEG, ESN, PROTOCOL, TRANSFORM } from '../../src/wire/iana';
import type { Proposal } from '../../src/ikev2/payloads/payload-types';

function proposalsFor(childsa: string[]): Proposal[] {
  const conf = `ikev2 "p" active esp from 10.1.0.0/24 to 10.2.0.0/24 peer 192.0.2.2 ${childsa.map((c) => `childsa ${c}`).join(' ')} psk "x"\n`;
  const { policies } = parsePolicies(conf);
  return childProposalsFromConf(policies[0].conf.childsa, PROTOCOL.ESP, Buffer.alloc(4), false);
}

const ids = (p: Proposal, type: number): number[] => p.transforms.filter((t) => t.type === type).map((t) => t.id);

describe('kernelProposals', () => {
  const three = ['enc aes-128-gcm', 'enc aes-256 auth hmac-sha2-256', 'enc aes-256 auth hmac-sha1'];

  it('XFRM keeps AEAD, SHA-2 and ESN', () => {
    const all = proposalsFor(three);
    assert.deepEqual(kernelProposals('xfrm', all), all);
  });

  it('Linux PF_KEY keeps only aes-cbc + hmac-sha1-96, without ESN, renumbered', () => {
    const out = kernelProposals('pfkey-linux', proposalsFor(three));
    assert.equal(out.length, 1);
    assert.equal(out[0].num, 1);
    assert.deepEqual(ids(out[0], TRANSFORM.ENCR), [ENCR.AES_CBC]);
    assert.deepEqual(ids(out[0], TRANSFORM.INTEG), [INTEG.HMAC_SHA1_96]);
    assert.deepEqual(ids(out[0], TRANSFORM.ESN), [ESN.NO]);
  });

  it('drops the SHA-2 integrity of a mixed proposal and keeps the rest', () => {
    const out = kernelProposals('pfkey-linux', proposalsFor(['enc aes-256 auth hmac-sha2-256 auth hmac-sha1']));
    assert.equal(out.length, 1);
    assert.deepEqual(ids(out[0], TRANSFORM.INTEG), [INTEG.HMAC_SHA1_96]);
  });

  it('OpenBSD PF_KEY keeps AEAD and SHA-2 and ESN', () => {
    const all = proposalsFor(three);
    assert.equal(kernelProposals('pfkey-openbsd', all).length, 3);
    assert.ok(kernelProposals('pfkey-openbsd', all).every((p) => ids(p, TRANSFORM.ESN).includes(ESN.YES)));
  });

  it('nothing usable gives no proposal; unknown adapters pass everything', () => {
    assert.deepEqual(kernelProposals('pfkey-linux', proposalsFor(['enc aes-128-gcm', 'enc chacha20-poly1305'])), []);
    const all = proposalsFor(['enc aes-128-gcm']);
    assert.deepEqual(kernelProposals('privsep', all), all);
    assert.deepEqual(kernelProposals('decoupled', all), all, 'set decouple negotiates anything');
  });
});
