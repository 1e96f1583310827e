/**
 * A winston transport writing one formatted line per entry to a stream
 * (stderr for `iked -d`), written directly so lines are not reordered.
 */
import { TransportBase } from './transport-base';
import { MESSAGE } from './syslog-transport';

export interface LineSink {
  write(chunk: string): unknown;
}

interface LogInfo {
  level: string;
  message: unknown;
  [MESSAGE]?: string;
}

export class StreamTransport extends TransportBase {
  private readonly sink: LineSink;

  constructor(sink: LineSink, level?: string) {
    super({ level });
    this.sink = sink;
  }

  override log(info: LogInfo, next: () => void): void {
    const text = info[MESSAGE] ?? String(info.message);
    try {
      this.sink.write(text + '\n');
    } catch {
      // stderr gone (EPIPE): nothing sensible left to do
    }
    next();
  }
}
