/** RadiusClient retries, validation and failover, and RadiusEapRelay's RFC 3579 handling, against scripted servers. */
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { FakeRadiusServer } from './lib/fake-server';
import { RadiusClient, RadiusTimeoutError } from '../../src/radius/client';
import { RadiusEapRelay } from '../../src/radius/eap-relay';
import { encodeResponse, verifyAccessRequest } from '../../src/radius/authenticator';
import { attrIpv4, attrString, findAttr, joinAttribute, splitAttribute, vendorAttr } from '../../src/radius/packet';
import { encryptMppeKey } from '../../src/radius/mppe-key';
import { MS_ATTR, RADIUS_ATTR, RADIUS_CODE } from '../../src/radius/dictionary';
import { EAP_CODE, EAP_TYPE } from '../../src/wire/iana';
import { encodeEap } from '../../src/ikev2/payloads/eap-message';

const S = 'unit-secret';

describe('RadiusClient', () => {
  it('retransmits the identical packet until the server answers', async () => {
    const srv = await FakeRadiusServer.start((p, _raw, n) => (n < 3 ? null : encodeResponse({ code: RADIUS_CODE.ACCESS_ACCEPT, identifier: p.identifier, attributes: [] }, p.authenticator, S)));
    const c = new RadiusClient({ servers: [{ address: '127.0.0.1', port: srv.port, secret: S }], maxTries: 3, maxFailovers: 0, timeoutMs: 150 });
    try {
      const ex = await c.accessRequest([attrString(RADIUS_ATTR.USER_NAME, 'u')]);
      assert.equal(ex.reply.code, RADIUS_CODE.ACCESS_ACCEPT);
      assert.equal(srv.received.length, 3);
      assert.deepEqual(srv.received[0], srv.received[2]);
      assert.deepEqual(verifyAccessRequest(srv.received[0], S, true), { ok: true });
    } finally {
      c.close();
      srv.close();
    }
  });

  it('drops forged, mismatched and unsigned-EAP replies and takes the valid one', async () => {
    const srv = await FakeRadiusServer.start((p) => {
      const ok = encodeResponse({ code: RADIUS_CODE.ACCESS_ACCEPT, identifier: p.identifier, attributes: [attrString(RADIUS_ATTR.REPLY_MESSAGE, 'real')] }, p.authenticator, S);
      const forged = encodeResponse({ code: RADIUS_CODE.ACCESS_ACCEPT, identifier: p.identifier, attributes: [attrString(RADIUS_ATTR.REPLY_MESSAGE, 'forged')] }, p.authenticator, 'not-the-secret');
      const otherId = encodeResponse({ code: RADIUS_CODE.ACCESS_ACCEPT, identifier: (p.identifier + 1) & 0xff, attributes: [] }, p.authenticator, S);
      const eapNoMa = encodeResponse({ code: RADIUS_CODE.ACCESS_ACCEPT, identifier: p.identifier, attributes: [{ type: RADIUS_ATTR.EAP_MESSAGE, value: Buffer.from([3, 1, 0, 4]) }] }, p.authenticator, S, false);
      const wrongCode = encodeResponse({ code: RADIUS_CODE.ACCOUNTING_RESPONSE, identifier: p.identifier, attributes: [] }, p.authenticator, S);
      return [forged, otherId, eapNoMa, wrongCode, Buffer.from('junk'), ok];
    });
    const c = new RadiusClient({ servers: [{ address: '127.0.0.1', port: srv.port, secret: S }], maxTries: 1, maxFailovers: 0, timeoutMs: 1000 });
    try {
      const ex = await c.accessRequest([attrString(RADIUS_ATTR.USER_NAME, 'u')]);
      assert.equal(findAttr(ex.reply, RADIUS_ATTR.REPLY_MESSAGE)?.toString(), 'real');
    } finally {
      c.close();
      srv.close();
    }
  });

  it('fails over after max-tries, and gives up after max-failovers with a clear error', async () => {
    const dead = await FakeRadiusServer.start(() => null);
    const live = await FakeRadiusServer.start((p) => encodeResponse({ code: RADIUS_CODE.ACCOUNTING_RESPONSE, identifier: p.identifier, attributes: [] }, p.authenticator, 'live-secret'));
    const c = new RadiusClient({
      servers: [
        { address: '127.0.0.1', port: dead.port, secret: S },
        { address: '127.0.0.1', port: live.port, secret: 'live-secret' },
      ],
      maxTries: 2,
      maxFailovers: 1,
      timeoutMs: 100,
    });
    try {
      const ex = await c.accountingRequest([attrString(RADIUS_ATTR.ACCT_SESSION_ID, 'x')]);
      assert.equal(ex.server.port, live.port);
      assert.equal(dead.received.length, 2);
      assert.equal(c.currentServer.port, live.port);
      live.handler = () => null;
      await assert.rejects(c.accountingRequest([]), (e: unknown) => e instanceof RadiusTimeoutError && /no answer to Accounting-Request from 127\.0\.0\.1:\d+, 127\.0\.0\.1:\d+ \(2 tries each, 1 failovers\)/.test((e as Error).message));
    } finally {
      c.close();
      dead.close();
      live.close();
    }
  });
});

function eapReq(id: number, type: number, data: Buffer): Buffer {
  return encodeEap({ code: EAP_CODE.REQUEST, identifier: id, type, data });
}
function eapResp(id: number, type: number, data: Buffer): Buffer {
  return encodeEap({ code: EAP_CODE.RESPONSE, identifier: id, type, data });
}

describe('RadiusEapRelay', () => {
  it('relays identity, long challenges with State, and turns Access-Accept MPPE keys into the MSK', async () => {
    const big = eapReq(7, 4, Buffer.alloc(590, 0x5a)); // 600-byte EAP-Request
    const recv = Buffer.alloc(32, 0x11);
    const send = Buffer.alloc(32, 0x22);
    const seen: { user?: string; eap?: Buffer; state?: string; nas?: string; calling?: string }[] = [];
    const srv = await FakeRadiusServer.start((p, raw) => {
      assert.deepEqual(verifyAccessRequest(raw, S, true), { ok: true });
      seen.push({
        user: findAttr(p, RADIUS_ATTR.USER_NAME)?.toString(),
        eap: joinAttribute(p, RADIUS_ATTR.EAP_MESSAGE),
        state: findAttr(p, RADIUS_ATTR.STATE)?.toString(),
        nas: findAttr(p, RADIUS_ATTR.NAS_IDENTIFIER)?.toString(),
        calling: findAttr(p, RADIUS_ATTR.CALLING_STATION_ID)?.toString(),
      });
      if (seen.length === 1) {
        return encodeResponse({ code: RADIUS_CODE.ACCESS_CHALLENGE, identifier: p.identifier, attributes: [...splitAttribute(RADIUS_ATTR.EAP_MESSAGE, big), attrString(RADIUS_ATTR.STATE, 'st-1')] }, p.authenticator, S);
      }
      return encodeResponse(
        {
          code: RADIUS_CODE.ACCESS_ACCEPT,
          identifier: p.identifier,
          attributes: [
            { type: RADIUS_ATTR.EAP_MESSAGE, value: Buffer.from([3, 7, 0, 4]) },
            attrIpv4(RADIUS_ATTR.FRAMED_IP_ADDRESS, '10.1.2.3'),
            vendorAttr(311, MS_ATTR.MS_MPPE_RECV_KEY, encryptMppeKey(recv, S, p.authenticator)),
            vendorAttr(311, MS_ATTR.MS_MPPE_SEND_KEY, encryptMppeKey(send, S, p.authenticator)),
          ],
        },
        p.authenticator,
        S,
      );
    });
    const client = new RadiusClient({ servers: [{ address: '127.0.0.1', port: srv.port, secret: S }], maxTries: 1, maxFailovers: 0, timeoutMs: 1000 });
    const accepted: string[] = [];
    const relay = new RadiusEapRelay({ client, tag: 't', nasIdentifier: 'gw1', callingStationId: '198.51.100.7', onAccept: (i) => accepted.push(`${i.identity} ${i.framedIp}`) });
    try {
      const first = await relay.start('ike-id');
      assert.equal(first.kind, 'request');
      if (first.kind !== 'request') return;
      assert.equal(first.message[4], EAP_TYPE.IDENTITY);
      const idResp = eapResp(first.message[1], EAP_TYPE.IDENTITY, Buffer.from('carol'));
      const second = await relay.step(idResp);
      assert.equal(second.kind, 'request');
      if (second.kind !== 'request') return;
      assert.deepEqual(second.message, big);
      const md5Resp = eapResp(7, 4, Buffer.alloc(300, 1)); // long response: split on the way out
      const end = await relay.step(md5Resp);
      assert.equal(end.kind, 'success');
      if (end.kind !== 'success') return;
      assert.deepEqual(end.msk, Buffer.concat([recv, send]));
      assert.equal(end.identity, 'carol');
      assert.deepEqual(end.attributes?.['config:1'], [Buffer.from([10, 1, 2, 3])]);
      assert.deepEqual(seen[0], { user: 'carol', eap: idResp, state: undefined, nas: 'gw1', calling: '198.51.100.7' });
      assert.deepEqual(seen[1].eap, md5Resp);
      assert.equal(seen[1].state, 'st-1');
      assert.deepEqual(accepted, ['carol 10.1.2.3']);
    } finally {
      client.close();
      srv.close();
    }
  });

  it('Access-Reject: failure with EAP-Failure and the Reply-Message; Accept without MPPE keys: failure', async () => {
    let mode: 'reject' | 'nokeys' = 'reject';
    const srv = await FakeRadiusServer.start((p) =>
      encodeResponse(
        mode === 'reject'
          ? { code: RADIUS_CODE.ACCESS_REJECT, identifier: p.identifier, attributes: [attrString(RADIUS_ATTR.REPLY_MESSAGE, 'account locked')] }
          : { code: RADIUS_CODE.ACCESS_ACCEPT, identifier: p.identifier, attributes: [{ type: RADIUS_ATTR.EAP_MESSAGE, value: Buffer.from([3, 2, 0, 4]) }] },
        p.authenticator,
        S,
      ),
    );
    const client = new RadiusClient({ servers: [{ address: '127.0.0.1', port: srv.port, secret: S }], maxTries: 1, maxFailovers: 0, timeoutMs: 1000 });
    try {
      const relay = new RadiusEapRelay({ client, tag: 't' });
      await relay.start('x');
      const r = await relay.step(eapResp(2, EAP_TYPE.IDENTITY, Buffer.from('dave')));
      assert.equal(r.kind, 'failure');
      if (r.kind === 'failure') {
        assert.deepEqual(r.message, Buffer.from([EAP_CODE.FAILURE, 2, 0, 4]));
        assert.match(r.reason, /rejected 'dave': account locked/);
      }
      mode = 'nokeys';
      const relay2 = new RadiusEapRelay({ client, tag: 't' });
      await relay2.start('x');
      const r2 = await relay2.step(eapResp(2, EAP_TYPE.IDENTITY, Buffer.from('dave')));
      assert.equal(r2.kind, 'failure');
      if (r2.kind === 'failure') assert.match(r2.reason, /without MS-MPPE-Recv-Key\/MS-MPPE-Send-Key/);
      const r3 = await relay2.step(eapResp(3, EAP_TYPE.IDENTITY, Buffer.from('dave')));
      assert.equal(r3.kind, 'failure', 'a closed relay stays failed');
    } finally {
      client.close();
      srv.close();
    }
  });

  it('rejects a non-Response from the peer without asking the server', async () => {
    const srv = await FakeRadiusServer.start(() => null);
    const client = new RadiusClient({ servers: [{ address: '127.0.0.1', port: srv.port, secret: S }], maxTries: 1, maxFailovers: 0, timeoutMs: 100 });
    try {
      const relay = new RadiusEapRelay({ client, tag: 't' });
      await relay.start('x');
      const r = await relay.step(eapReq(1, EAP_TYPE.IDENTITY, Buffer.alloc(0)));
      assert.equal(r.kind, 'failure');
      assert.equal(srv.received.length, 0);
    } finally {
      client.close();
      srv.close();
    }
  });
});
