/** A scripted DaemonControl for control socket / ikectl tests. */
import { CertstoreEntry, DaemonControl, FlowView, IkeSaView, MonitorEvent, ResetTarget } from '../../src/proc/control-api';

export const SAMPLE_SA: IkeSaView = {
  name: 'gw',
  state: 'ESTABLISHED',
  ikeSpiI: '0x1234567890abcdef',
  ikeSpiR: '0xfedcba0987654321',
  local: '192.0.2.1:500',
  remote: '192.0.2.2:4500',
  localId: 'FQDN/a.example',
  remoteId: 'FQDN/b.example',
  initiator: true,
  encr: 'aes-gcm-16',
  encrKeyBits: 256,
  integ: null,
  prf: 'hmac-sha2-256',
  dh: 'curve25519',
  natLocal: false,
  natRemote: true,
  established: 1_700_000_000,
  rekeyAt: 1_700_010_000,
  children: [
    {
      spiIn: '0x3baa27bb',
      spiOut: '0xc82d2075',
      protocol: 'ESP',
      mode: 'tunnel',
      encr: 'aes-gcm-16',
      encrKeyBits: 256,
      integ: null,
      dh: null,
      tsLocal: ['10.1.0.0/16'],
      tsRemote: ['10.2.0.0/16'],
      encap: true,
      reqid: 7,
      bytesIn: 1234,
      bytesOut: 5678,
      established: 1_700_000_000,
    },
  ],
};

export const SAMPLE_FLOWS: FlowView[] = [
  { policy: 'gw', dir: 'out', src: '10.1.0.0/16', dst: '10.2.0.0/16', proto: 0, peer: '192.0.2.2', saProto: 'ESP', reqid: 7 },
  { policy: 'gw', dir: 'in', src: '10.2.0.0/16', dst: '10.1.0.0/16', proto: 6, peer: '192.0.2.2', saProto: 'ESP' },
];

export const SAMPLE_CERTS: CertstoreEntry[] = [
  { subject: '/CN=VPN CA', issuer: '/CN=VPN CA', notAfter: '2039-01-01T00:00:00Z', kind: 'ca' },
];

export class FakeDaemon implements DaemonControl {
  calls: string[] = [];
  subscribers = new Set<(e: MonitorEvent) => void>();
  reloadResult = { ok: true, errors: [] as string[] };
  delayMs = 0;
  sas: IkeSaView[] = [SAMPLE_SA];

  async showSa(): Promise<IkeSaView[]> {
    this.calls.push('showSa');
    return this.sas;
  }
  async showFlows(): Promise<FlowView[]> {
    this.calls.push('showFlows');
    return SAMPLE_FLOWS;
  }
  async showStats(): Promise<Record<string, number>> {
    this.calls.push('showStats');
    return { ikesa_established: 3, ikesa_initiated: 2, child_sa_established: 5 };
  }
  async showCertstore(): Promise<CertstoreEntry[]> {
    this.calls.push('showCertstore');
    return SAMPLE_CERTS;
  }
  async showCa(name: string): Promise<string[]> {
    this.calls.push(`showCa ${name}`);
    if (name !== 'test') throw new Error(`CA '${name}' does not exist`);
    return ['subject=CN = 10.1.1.1', ''];
  }
  async reload(file?: string): Promise<{ ok: boolean; errors: string[] }> {
    this.calls.push(`reload ${file ?? '-'}`);
    if (this.delayMs) await new Promise((r) => setTimeout(r, this.delayMs));
    return this.reloadResult;
  }
  async reset(what: ResetTarget, arg?: string): Promise<string> {
    this.calls.push(`reset ${what}${arg ? ' ' + arg : ''}`);
    return `reset ${what} done`;
  }
  async setCoupled(coupled: boolean): Promise<void> {
    this.calls.push(`coupled ${coupled}`);
  }
  setMode(mode: 'active' | 'passive'): void {
    this.calls.push(`mode ${mode}`);
  }
  setLogVerbose(verbose: boolean): void {
    this.calls.push(`verbose ${verbose}`);
  }
  subscribe(cb: (e: MonitorEvent) => void): () => void {
    this.calls.push('subscribe');
    this.subscribers.add(cb);
    return () => {
      this.calls.push('unsubscribe');
      this.subscribers.delete(cb);
    };
  }
  publish(e: MonitorEvent): void {
    for (const s of this.subscribers) s(e);
  }
}
