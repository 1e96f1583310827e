/**
 * The control process's DaemonControl: answers ikectl from snapshots the
 * engine (SAs, flows, stats) and the ca (certificates) push, and forwards
 * commands: reset and active/passive to the engine, reload, couple/decouple
 * and log level to the parent. The views are synchronous in DaemonControl,
 * hence snapshots: refreshed within 20 ms of any engine event and every second.
 */
import type { CertstoreEntry, DaemonControl, FlowView, IkeSaView, MonitorEvent, ResetTarget } from '../control-api';
import type { FrameChannel } from './frame-channel';
import { M, Views, certstoreCheck, empty, monitorEventCheck, reloadResultCheck, str, viewsCheck } from './messages';

export class RemoteControl implements DaemonControl {
  private views: Views = { sas: [], flows: [], stats: {} };
  private certs: CertstoreEntry[] = [];
  private readonly monitors = new Set<(e: MonitorEvent) => void>();

  constructor(
    private readonly engine: FrameChannel,
    private readonly parent: FrameChannel,
    private readonly onError: (msg: string) => void,
  ) {
    engine.handle(M.ctlViews, viewsCheck, (v) => {
      this.views = v;
    });
    engine.handle(M.ctlEvent, monitorEventCheck, (ev) => {
      for (const m of this.monitors) m(ev);
    });
    parent.handle(M.ctlCertstore, certstoreCheck, (c) => {
      this.certs = c.certs;
    });
  }

  showSa(): IkeSaView[] {
    return this.views.sas;
  }
  showFlows(): FlowView[] {
    return this.views.flows;
  }
  showStats(): Record<string, number> {
    return this.views.stats;
  }
  showCertstore(): CertstoreEntry[] {
    return this.certs;
  }
  showCa(name: string): string[] {
    return this.certs
      .filter((c) => c.issuer.includes(name) || c.subject.includes(name))
      .map((c) => `${c.kind} ${c.subject} (issuer ${c.issuer}, until ${c.notAfter})`);
  }
  reload(file?: string): Promise<{ ok: boolean; errors: string[] }> {
    return this.parent.request(M.ctlReload, file === undefined ? {} : { file }, reloadResultCheck);
  }
  reset(what: ResetTarget, arg?: string): Promise<string> {
    return this.engine.request(M.ctlReset, arg === undefined ? { what } : { what, arg }, str(4096));
  }
  async setCoupled(coupled: boolean): Promise<void> {
    await this.parent.request(M.ctlCouple, { coupled }, empty);
  }
  setMode(mode: 'active' | 'passive'): void {
    this.engine.request(M.ctlMode, { mode }, empty).catch((e: unknown) => this.onError(`${mode}: ${e instanceof Error ? e.message : String(e)}`));
  }
  setLogVerbose(verbose: boolean): void {
    this.parent.request(M.ctlLog, { verbose }, empty).catch((e: unknown) => this.onError(`log: ${e instanceof Error ? e.message : String(e)}`));
  }
  subscribe(cb: (e: MonitorEvent) => void): () => void {
    this.monitors.add(cb);
    return () => this.monitors.delete(cb);
  }
}
