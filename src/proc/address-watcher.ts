/**
 * Watches the local addresses (os.networkInterfaces() polled, every second by
 * default) and reports additions and removals: MOBIKE (RFC 4555) moves IKE SAs
 * when the address they use goes away.
 */
import { localAddresses } from './udp-transport';

export interface AddressChange {
  added: string[];
  removed: string[];
  present: string[];
}

export interface AddressWatcherOptions {
  ipv6: boolean;
  intervalMs?: number;
  /** The current addresses (default: every interface address, as the sockets are bound). */
  list?: () => string[];
  onChange(change: AddressChange): void | Promise<void>;
}

export class AddressWatcher {
  private known: Set<string>;
  private timer: NodeJS.Timeout | null = null;
  private busy = false;

  constructor(private readonly o: AddressWatcherOptions) {
    this.known = new Set(this.list());
  }

  private list(): string[] {
    return this.o.list ? this.o.list() : localAddresses(this.o.ipv6);
  }

  start(): void {
    if (this.timer) return;
    this.timer = setInterval(() => void this.check(), this.o.intervalMs ?? 1000);
    this.timer.unref?.();
  }

  stop(): void {
    if (this.timer) clearInterval(this.timer);
    this.timer = null;
  }

  /** Compare with the last look; calls onChange when something changed. */
  async check(): Promise<AddressChange | null> {
    if (this.busy) return null;
    this.busy = true;
    try {
      const now = new Set(this.list());
      const added = [...now].filter((a) => !this.known.has(a));
      const removed = [...this.known].filter((a) => !now.has(a));
      this.known = now;
      if (!added.length && !removed.length) return null;
      const change = { added, removed, present: [...now] };
      await this.o.onChange(change);
      return change;
    } finally {
      this.busy = false;
    }
  }
}
