/**
 * The control process's DaemonControl: asks the engine for SA, flow and stats
 * views when ikectl does (nothing is pushed, so the engine's cost does not grow
 * with its SAs between requests), answers certificate views from what the
 * parent pushes on (re)load, and forwards commands: reset and active/passive to
 * the engine, reload, couple/decouple and log level to the parent.
 */
import type { CertstoreEntry, DaemonControl, FlowView, IkeSaView, MonitorEvent, ResetTarget } from '../control-api';
import type { FrameChannel } from './frame-channel';
import { M, certstoreCheck, empty, flowViewsCheck, monitorEventCheck, reloadResultCheck, saViewsCheck, statsCheck, str } from './messages';

export class RemoteControl implements DaemonControl {
  private certs: CertstoreEntry[] = [];
  private readonly monitors = new Set<(e: MonitorEvent) => void>();

  constructor(
    private readonly engine: FrameChannel,
    private readonly parent: FrameChannel,
    private readonly onError: (msg: string) => void,
  ) {
    engine.handle(M.ctlEvent, monitorEventCheck, (ev) => {
      for (const m of this.monitors) m(ev);
    });
    parent.handle(M.ctlCertstore, certstoreCheck, (c) => {
      this.certs = c.certs;
    });
  }

  showSa(): Promise<IkeSaView[]> {
    return this.engine.request(M.ctlShowSa, null, saViewsCheck);
  }
  showFlows(): Promise<FlowView[]> {
    return this.engine.request(M.ctlShowFlows, null, flowViewsCheck);
  }
  showStats(): Promise<Record<string, number>> {
    return this.engine.request(M.ctlShowStats, null, statsCheck);
  }
  async showCertstore(): Promise<CertstoreEntry[]> {
    return this.certs;
  }
  async showCa(name: string): Promise<string[]> {
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
    if (this.monitors.size === 1) this.monitorOn(true);
    return () => {
      if (this.monitors.delete(cb) && this.monitors.size === 0) this.monitorOn(false);
    };
  }
  /** The engine sends events only while someone monitors. */
  private monitorOn(on: boolean): void {
    this.engine.request(M.ctlMonitor, { on }, empty).catch((e: unknown) => this.onError(`monitor: ${e instanceof Error ? e.message : String(e)}`));
  }
}
