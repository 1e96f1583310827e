/**
 * The common iked command lines (`iked -n -f FILE`, `iked -dvv -D k=v`) read without
 * loading yargs, whose start-up is a large part of a config check's time. Only plain
 * cases are taken: known short flags, and -D/-f/-p/-s each followed by a non-empty
 * value that does not start with '-'. Anything else (long options, stray arguments,
 * a missing or dash-led value) returns null and goes to yargs, so every error message
 * stays yargs's own. The result has the shape yargs gives (test/cli/iked-simple-args
 * compares the two on many command lines).
 */

const FLAGS = new Set(['d', 'n', 'S', 'T', 't', 'V', '6']);
const WITH_VALUE = new Set(['D', 'f', 'p', 's']);

/** Parse already getopt-split arguments (splitShortOptions), or null when yargs must. */
export function parseSimpleArgs(split: string[]): Record<string, unknown> | null {
  const out: Record<string, unknown> = { _: [] };
  let verbose = 0;
  for (let i = 0; i < split.length; i++) {
    const arg = split[i];
    if (arg.length !== 2 || arg[0] !== '-') return null;
    const k = arg[1];
    if (k === 'v') verbose++;
    else if (FLAGS.has(k)) out[k] = true;
    else if (WITH_VALUE.has(k)) {
      const v = split[i + 1];
      if (v === undefined || v === '' || v[0] === '-') return null;
      i++;
      const prev = out[k];
      out[k] = prev === undefined ? v : Array.isArray(prev) ? [...prev, v] : [prev, v];
    } else return null;
  }
  out.v = verbose;
  return out;
}
