/**
 * The line protocol between the bench orchestrator and the load-client process
 * (one JSON object per line on the client's stdout; commands on its stdin).
 */
export type ClientCommand =
  | { cmd: 'run'; count: number; first: number; window: number; progressEvery: number; release?: boolean; keep?: number }
  | { cmd: 'quit' };

export type ClientEvent =
  | { type: 'ready' }
  | { type: 'progress'; done: number; ms: number }
  | { type: 'done'; established: number; failed: number; wallMs: number; failures: Record<string, number>; retransmits: number; childSas: number }
  | { type: 'error'; message: string };

export function encodeLine(v: ClientCommand | ClientEvent): string {
  return JSON.stringify(v) + '\n';
}

export function parseEvent(line: string): ClientEvent | null {
  try {
    const v = JSON.parse(line) as { type?: unknown };
    return typeof v.type === 'string' ? (v as ClientEvent) : null;
  } catch {
    return null;
  }
}
