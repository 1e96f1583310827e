/**
 * What the decoupled adapter keeps of a flow it "would have installed": one object
 * with its fields in place (a copied KernelFlowSpec spills them into a separate
 * property array) and shared strings (see intern.ts). The spec is rebuilt on request.
 */
import { canonicalDir, canonicalMode, canonicalProtocol, StringTable } from './intern';
import type { IpsecMode, IpsecProtocol, KernelFlowSpec } from './types';

const NONE = -1;

export class FlowRecord {
  private constructor(
    readonly dir: KernelFlowSpec['dir'],
    readonly src: string,
    readonly dst: string,
    readonly proto: number,
    /** NONE when the spec has none */
    private readonly sport: number,
    private readonly dport: number,
    readonly tunnelSrc: string,
    readonly tunnelDst: string,
    readonly protocol: IpsecProtocol,
    readonly mode: IpsecMode,
    readonly reqid: number,
    private readonly priority: number,
  ) {}

  static of(f: KernelFlowSpec, strings: StringTable): FlowRecord {
    return new FlowRecord(
      canonicalDir(f.dir),
      strings.intern(f.src),
      strings.intern(f.dst),
      f.proto,
      f.sport ?? NONE,
      f.dport ?? NONE,
      strings.intern(f.tunnelSrc),
      strings.intern(f.tunnelDst),
      canonicalProtocol(f.protocol),
      canonicalMode(f.mode),
      f.reqid,
      f.priority ?? NONE,
    );
  }

  spec(): KernelFlowSpec {
    const f: KernelFlowSpec = { dir: this.dir, src: this.src, dst: this.dst, proto: this.proto, tunnelSrc: this.tunnelSrc, tunnelDst: this.tunnelDst, protocol: this.protocol, mode: this.mode, reqid: this.reqid };
    if (this.sport !== NONE) f.sport = this.sport;
    if (this.dport !== NONE) f.dport = this.dport;
    if (this.priority !== NONE) f.priority = this.priority;
    return f;
  }
}
