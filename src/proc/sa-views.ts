/** What `ikectl show sa` / `show flows` / `show stats` report, built from the engine's tables. */
import { Engine } from '../ikev2/engine';
import { IkeSa } from '../ikev2/sa/ike-sa';
import { ChildSa, spiHex } from '../ikev2/sa/child-sa';
import { endpointText } from '../wire/endpoint';
import { tsText } from '../ikev2/policy/traffic-selectors';
import { flowSpecs } from '../ikev2/exchange/child-install';
import { EncrId, IntegId, PrfId, DhGroup } from '../wire/iana';
import { formatIdentity } from '../crypto/identity';
import { addKeMethods } from '../ikev2/policy/proposals';
import type { IkeSaView, ChildSaView, FlowView } from './control-api';

const sec = (ms: number): number => Math.floor(ms / 1000);

function childView(c: ChildSa): ChildSaView {
  return {
    spiIn: spiHex(c.spiIn),
    spiOut: spiHex(c.spiOut),
    protocol: c.protocol === 'ah' ? 'AH' : 'ESP',
    mode: c.mode,
    encr: EncrId.name(c.chosen.encr.id),
    encrKeyBits: c.chosen.encr.keyBits,
    integ: c.chosen.integ ? IntegId.name(c.chosen.integ) : null,
    dh: c.chosen.dh ? DhGroup.name(c.chosen.dh) : null,
    ...(addKeMethods(c.chosen).length ? { addKe: addKeMethods(c.chosen).map((m) => DhGroup.name(m)) } : {}),
    tsLocal: c.tsLocal.map(tsText),
    tsRemote: c.tsRemote.map(tsText),
    encap: c.encap,
    reqid: c.reqid,
    established: sec(c.established),
    rekeyAt: c.rekeyAt ? sec(c.rekeyAt) : undefined,
    expiresAt: c.expireAt ? sec(c.expireAt) : undefined,
  };
}

export function ikeSaView(sa: IkeSa): IkeSaView {
  const c = sa.alg?.chosen;
  return {
    name: sa.policy.name,
    state: sa.state,
    ikeSpiI: sa.spiI.toString('hex'),
    ikeSpiR: sa.spiR.toString('hex'),
    local: endpointText(sa.local),
    remote: endpointText(sa.remote),
    localId: sa.localId ? formatIdentity(sa.localId) : '',
    remoteId: sa.remoteId ? formatIdentity(sa.remoteId) : '',
    initiator: sa.initiator,
    encr: c ? EncrId.name(c.encr.id) : '',
    encrKeyBits: c?.encr.keyBits,
    integ: c?.integ !== undefined ? IntegId.name(c.integ) : null,
    prf: c?.prf !== undefined ? PrfId.name(c.prf) : '',
    dh: sa.dhGroup ? DhGroup.name(sa.dhGroup) : '',
    ...(sa.keMethods.length > 1 ? { addKe: sa.keMethods.slice(1).map((m) => DhGroup.name(m)) } : {}),
    natLocal: sa.natLocal,
    natRemote: sa.natRemote,
    ppk: sa.ppk?.used ?? (sa.policy.conf.ppk ? false : undefined),
    established: sec(sa.establishedAt),
    rekeyAt: sa.rekeyAt ? sec(sa.rekeyAt) : undefined,
    tag: sa.tag ?? sa.policy.conf.tag,
    children: sa.children.filter((x) => x.state !== 'DELETING').map(childView),
  };
}

export function showSa(e: Engine): IkeSaView[] {
  return e.sas.all().filter((sa) => sa.state !== 'DEAD').map(ikeSaView);
}

export function showFlows(e: Engine): FlowView[] {
  const out: FlowView[] = [];
  for (const sa of e.sas.all()) {
    for (const c of sa.children) {
      if (c.state === 'DELETING') continue;
      for (const f of flowSpecs(sa, c)) {
        if (f.dir === 'fwd') continue;
        out.push({ policy: sa.policy.name, dir: f.dir, src: f.src, dst: f.dst, proto: f.proto, peer: endpointText(sa.remote), saProto: c.protocol, reqid: c.reqid });
      }
    }
  }
  return out;
}

export function showStats(e: Engine): Record<string, number> {
  return { ...e.stats, ikeSas: e.sas.size, halfOpenSas: e.sas.halfOpen } as unknown as Record<string, number>;
}
