/**
 * Human-readable ikectl output, modelled on what iked sends back for
 * `ikectl show sa` (iked_sas / sa_childsas / sa_flows lines) and friends.
 * Pure functions: data in, text out.
 */
import { CertstoreEntry, ChildSaView, FlowView, IkeSaView, MonitorEvent } from '../proc/control-api';

function alg(name: string, bits?: number): string {
  return bits !== undefined && !name.includes(String(bits)) ? `${name}-${bits}` : name;
}

function age(nowS: number, t: number): string {
  const d = Math.max(0, Math.round(nowS - t));
  if (d < 60) return `${d}s`;
  if (d < 3600) return `${Math.floor(d / 60)}m${d % 60}s`;
  return `${Math.floor(d / 3600)}h${Math.floor((d % 3600) / 60)}m`;
}

function inSecs(nowS: number, t: number | undefined): string | null {
  if (t === undefined) return null;
  return `${Math.max(0, Math.round(t - nowS))}s`;
}

function hostOnly(endpoint: string): string {
  const m = /^\[?(.*?)\]?:(\d+)$/.exec(endpoint);
  return m ? m[1] : endpoint;
}

function childLines(sa: IkeSaView, c: ChildSaView, nowS: number): string[] {
  const local = hostOnly(sa.local);
  const remote = hostOnly(sa.remote);
  const algs = [`enc ${alg(c.encr, c.encrKeyBits)}`];
  if (c.integ) algs.push(`auth ${c.integ}`);
  if (c.dh) algs.push(`group ${c.dh}`);
  (c.addKe ?? []).forEach((m, i) => algs.push(`ke${i + 1} ${m}`));
  const extra: string[] = [c.mode];
  if (c.encap) extra.push('udpencap');
  extra.push(`reqid ${c.reqid}`);
  const lt: string[] = [`age ${age(nowS, c.established)}`];
  const rk = inSecs(nowS, c.rekeyAt);
  if (rk) lt.push(`rekey in ${rk}`);
  const ex = inSecs(nowS, c.expiresAt);
  if (ex) lt.push(`expires in ${ex}`);
  const bytes = (n: number | undefined): string => (n === undefined ? '-' : String(n));
  return [
    `  sa_childsas: ${c.protocol} ${c.spiIn} in ${remote} -> ${local} (${extra.join(' ')}) B=${bytes(c.bytesIn)} ${algs.join(' ')} ${lt.join(' ')}`,
    `  sa_childsas: ${c.protocol} ${c.spiOut} out ${local} -> ${remote} (${extra.join(' ')}) B=${bytes(c.bytesOut)} ${algs.join(' ')}`,
    ...c.tsLocal.flatMap((l) =>
      c.tsRemote.map((r) => `  sa_flows: ${c.protocol} out ${l} -> ${r} [reqid ${c.reqid}]`),
    ),
  ];
}

/** `ikectl show sa`: one iked_sas line per IKE SA, its child SAs and flows indented. */
export function formatSas(sas: IkeSaView[], nowS: number = Date.now() / 1000): string {
  if (sas.length === 0) return 'iked_sas: none\n';
  const out: string[] = [];
  for (const sa of sas) {
    const nat: string[] = [];
    if (sa.natLocal) nat.push('local');
    if (sa.natRemote) nat.push('remote');
    const algs = [`enc ${alg(sa.encr, sa.encrKeyBits)}`];
    if (sa.integ) algs.push(`auth ${sa.integ}`);
    algs.push(`prf ${sa.prf}`, `group ${sa.dh}`);
    (sa.addKe ?? []).forEach((m, i) => algs.push(`ke${i + 1} ${m}`));
    let line =
      `iked_sas: ispi ${sa.ikeSpiI} rspi ${sa.ikeSpiR} ${sa.local}->${sa.remote}` +
      `<${sa.remoteId}>[${sa.localId}] ${sa.state} ${sa.initiator ? 'i' : 'r'} pol '${sa.name}'`;
    if (sa.tag) line += ` tag '${sa.tag}'`;
    out.push(line);
    const info = [`  sa_info: ${algs.join(' ')}`];
    if (nat.length) info.push(`nat-t ${nat.join('+')}`);
    if (sa.ppk !== undefined) info.push(`ppk ${sa.ppk ? 'yes' : 'no'}`);
    if (sa.established > 0) info.push(`age ${age(nowS, sa.established)}`);
    const rk = inSecs(nowS, sa.rekeyAt);
    if (rk) info.push(`rekey in ${rk}`);
    out.push(info.join(' '));
    for (const c of sa.children) out.push(...childLines(sa, c, nowS));
  }
  return out.join('\n') + '\n';
}

/** `ikectl show flows`: ipsecctl-style flow lines. */
export function formatFlows(flows: FlowView[]): string {
  if (flows.length === 0) return 'iked_flows: none\n';
  return (
    flows
      .map((f) => {
        let s = `flow ${f.saProto.toLowerCase()} ${f.dir} from ${f.src} to ${f.dst}`;
        if (f.proto !== 0) s += ` proto ${f.proto}`;
        s += ` peer ${f.peer} policy '${f.policy}'`;
        if (f.reqid !== undefined) s += ` reqid ${f.reqid}`;
        return s;
      })
      .join('\n') + '\n'
  );
}

/** "ikeSasEstablished" / "ike_sas_established" -> "ike sas established" */
export function counterName(k: string): string {
  return k.replace(/([a-z0-9])([A-Z])/g, '$1 $2').replace(/_/g, ' ').toLowerCase();
}

/** `ikectl show stats`: "ike:" then one tab-indented "count name" per counter. */
export function formatStats(stats: Record<string, number>): string {
  const keys = Object.keys(stats).sort();
  return 'ike:\n' + keys.map((k) => `\t${stats[k]} ${counterName(k)}`).join('\n') + (keys.length ? '\n' : '');
}

export function formatCertstore(certs: CertstoreEntry[]): string {
  if (certs.length === 0) return 'certstore: empty\n';
  return (
    certs
      .map((c) => `${c.kind === 'ca' ? 'CA' : 'certificate'}: ${c.subject}\n\tissuer: ${c.issuer}\n\tnotAfter: ${c.notAfter}`)
      .join('\n') + '\n'
  );
}

export function formatMonitorEvent(e: MonitorEvent): string {
  const t = new Date(e.time * (e.time < 1e12 ? 1000 : 1)).toISOString().replace('T', ' ').replace(/\.\d+Z$/, '');
  return `${t} ${e.kind}${e.spi ? ` spi=${e.spi}` : ''}: ${e.message}\n`;
}
