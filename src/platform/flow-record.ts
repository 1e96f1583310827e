/**
 * What the decoupled adapter keeps of a flow it "would have installed": one object with its
 * fields in place and shared strings (see intern.ts), in the orientation of the outbound
 * policy. A Child SA's three policies (out, and in and fwd: the same networks, ports and tunnel
 * endpoints the other way round) are then one record, held by the three directions' tables
 * (decoupled.ts). The spec of a direction is rebuilt on request.
 */
import { canonicalMode, canonicalProtocol, StringTable } from './intern';
import type { FlowSelector, FlowTemplate } from './flow-shares';
import type { IpsecMode, IpsecProtocol, KernelFlowSpec } from './types';

const NONE = -1;

export class FlowRecord implements FlowSelector, FlowTemplate {
  private constructor(
    readonly src: string,
    readonly dst: string,
    readonly proto: number,
    /** NONE when the spec has none */
    private readonly sportOrNone: number,
    private readonly dportOrNone: number,
    readonly tunnelSrc: string,
    readonly tunnelDst: string,
    readonly protocol: IpsecProtocol,
    readonly mode: IpsecMode,
    readonly reqid: number,
    private readonly priorityOrNone: number,
  ) {}

  get sport(): number | undefined {
    return this.sportOrNone === NONE ? undefined : this.sportOrNone;
  }
  get dport(): number | undefined {
    return this.dportOrNone === NONE ? undefined : this.dportOrNone;
  }

  /** `f` as the outbound policy sees it (an in or fwd flow mirrored); its strings shared through `strings` if given (a record to keep). */
  static of(f: KernelFlowSpec, strings?: StringTable): FlowRecord {
    const out = f.dir === 'out';
    const keep = strings ? (x: string) => strings.intern(x) : (x: string) => x;
    return new FlowRecord(
      keep(out ? f.src : f.dst),
      keep(out ? f.dst : f.src),
      f.proto,
      (out ? f.sport : f.dport) ?? NONE,
      (out ? f.dport : f.sport) ?? NONE,
      keep(out ? f.tunnelSrc : f.tunnelDst),
      keep(out ? f.tunnelDst : f.tunnelSrc),
      canonicalProtocol(f.protocol),
      canonicalMode(f.mode),
      f.reqid,
      f.priority ?? NONE,
    );
  }

  /** Whether the two records say the same (one can stand for the other). */
  equals(o: FlowRecord): boolean {
    return (
      this.src === o.src &&
      this.dst === o.dst &&
      this.proto === o.proto &&
      this.sportOrNone === o.sportOrNone &&
      this.dportOrNone === o.dportOrNone &&
      this.tunnelSrc === o.tunnelSrc &&
      this.tunnelDst === o.tunnelDst &&
      this.protocol === o.protocol &&
      this.mode === o.mode &&
      this.reqid === o.reqid &&
      this.priorityOrNone === o.priorityOrNone
    );
  }

  /** The flow of direction `dir` this record stands for. */
  spec(dir: KernelFlowSpec['dir']): KernelFlowSpec {
    const out = dir === 'out';
    const f: KernelFlowSpec = {
      dir,
      src: out ? this.src : this.dst,
      dst: out ? this.dst : this.src,
      proto: this.proto,
      tunnelSrc: out ? this.tunnelSrc : this.tunnelDst,
      tunnelDst: out ? this.tunnelDst : this.tunnelSrc,
      protocol: this.protocol,
      mode: this.mode,
      reqid: this.reqid,
    };
    const sport = out ? this.sportOrNone : this.dportOrNone;
    const dport = out ? this.dportOrNone : this.sportOrNone;
    if (sport !== NONE) f.sport = sport;
    if (dport !== NONE) f.dport = dport;
    if (this.priorityOrNone !== NONE) f.priority = this.priorityOrNone;
    return f;
  }
}
