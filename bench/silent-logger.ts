/** A Logger that drops everything (the load initiator must not spend CPU on logs). */
import type { Logger } from '../src/log/logger';

export function silentLogger(): Logger {
  let verbose = 0;
  const nop = (): void => undefined;
  return {
    error: nop,
    warn: nop,
    info: nop,
    verbose: nop,
    debug: nop,
    setVerbose(n: number) {
      verbose = n;
    },
    getVerbose() {
      return verbose;
    },
    close: nop,
  };
}

/** A Logger that prints warnings and errors only (to stderr), for diagnosing a bench run. */
export function warnLogger(prefix: string): Logger {
  const l = silentLogger();
  l.warn = (m) => process.stderr.write(`${prefix}: ${m}\n`);
  l.error = (m) => process.stderr.write(`${prefix}: ${m}\n`);
  return l;
}
