/**
 * Passphrase input for ikectl: getpass(3)-like on a terminal (prompt on
 * stderr, no echo), one line at a time from a pipe otherwise.
 */
import * as readline from 'node:readline';

export interface PasswordReader {
  read(prompt: string): Promise<string | null>;
  close(): void;
}

export function createPasswordReader(
  input: NodeJS.ReadStream = process.stdin,
  output: NodeJS.WriteStream = process.stderr,
): PasswordReader {
  const lines: string[] = [];
  const waiters: Array<(l: string | null) => void> = [];
  let ended = false;
  let rl: readline.Interface | null = null;

  const start = (): void => {
    if (rl) return;
    rl = readline.createInterface({ input, terminal: false });
    rl.on('line', (l) => {
      const w = waiters.shift();
      if (w) w(l);
      else lines.push(l);
    });
    rl.on('close', () => {
      ended = true;
      while (waiters.length) (waiters.shift() as (l: string | null) => void)(null);
    });
  };

  const readTty = (prompt: string): Promise<string | null> =>
    new Promise((resolve) => {
      output.write(prompt);
      let buf = '';
      input.setRawMode(true);
      input.resume();
      const onData = (d: Buffer): void => {
        for (const ch of d.toString('utf8')) {
          if (ch === '\r' || ch === '\n' || ch === '\u0004') {
            finish(ch === '\u0004' && buf === '' ? null : buf);
            return;
          }
          if (ch === '\u0003') {
            finish(null);
            return;
          }
          if (ch === '\u007f' || ch === '\b') buf = buf.slice(0, -1);
          else buf += ch;
        }
      };
      const finish = (v: string | null): void => {
        input.off('data', onData);
        input.setRawMode(false);
        input.pause();
        output.write('\n');
        resolve(v);
      };
      input.on('data', onData);
    });

  return {
    read(prompt: string): Promise<string | null> {
      if (input.isTTY && typeof input.setRawMode === 'function') return readTty(prompt);
      start();
      const l = lines.shift();
      if (l !== undefined) return Promise.resolve(l);
      if (ended) return Promise.resolve(null);
      return new Promise((resolve) => waiters.push(resolve));
    },
    close(): void {
      if (rl) rl.close();
      rl = null;
    },
  };
}
