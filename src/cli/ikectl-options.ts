/**
 * ikectl(8) global options (yargs) around the keyword grammar:
 *   ikectl [-q] [-s socket] [--json] command [arg ...]
 */
import yargs from 'yargs';
import { IKED_DEFAULT_SOCKET } from './iked-options';
import { IkectlCommand, parseIkectlWords, IKECTL_COMMANDS } from './ikectl-command';

export interface IkectlOptions {
  socketPath: string;
  json: boolean;
  quiet: boolean;
  /** prefix for every `ca` path (hidden --root or IKECTL_ROOT) */
  root: string;
  showVersion: boolean;
  command: IkectlCommand | null;
}

export const IKECTL_USAGE =
  'usage: ikectl [-q] [-s socket] [--json] command [arg ...]\ncommands:\n' +
  IKECTL_COMMANDS.map((c) => `\t${c}`).join('\n');

/** Options taking a value, so that splitting knows to skip it. */
const OPTS_WITH_ARG = new Set(['-s', '--root']);

/**
 * getopt(3) stops at the first operand: everything from the command word on
 * is the command (so a password may start with '-'). `--json` is also
 * accepted after a non-`ca` command, as in `ikectl show sa --json`.
 */
export function splitIkectlArgv(argv: string[]): { options: string[]; words: string[] } {
  let i = 0;
  while (i < argv.length) {
    const a = argv[i];
    if (a === '--') {
      return { options: argv.slice(0, i), words: argv.slice(i + 1) };
    }
    if (!a.startsWith('-') || a === '-') break;
    i += OPTS_WITH_ARG.has(a) ? 2 : 1;
  }
  const options = argv.slice(0, Math.min(i, argv.length));
  let words = argv.slice(i);
  if (words[0] !== 'ca' && words.includes('--json')) {
    words = words.filter((w) => w !== '--json');
    options.push('--json');
  }
  return { options, words };
}

export function parseIkectlArgs(argv: string[], env: NodeJS.ProcessEnv = {}): IkectlOptions | { error: string } {
  let failure: string | null = null;
  const split = splitIkectlArgv(argv);
  const y = yargs(split.options)
    .scriptName('ikectl')
    .help(false)
    .version(false)
    .exitProcess(false)
    .strictOptions()
    .parserConfiguration({
      'camel-case-expansion': false,
      'parse-numbers': false,
      'parse-positional-numbers': false,
      'duplicate-arguments-array': false,
      'boolean-negation': false,
    })
    .option('s', { type: 'string', requiresArg: true })
    .option('q', { type: 'boolean' })
    .option('V', { type: 'boolean' })
    .option('json', { type: 'boolean' })
    .option('root', { type: 'string', requiresArg: true, hidden: true })
    .fail((msg, err) => {
      failure = msg || (err ? err.message : 'invalid arguments');
    });
  let a: Record<string, unknown>;
  try {
    a = y.parseSync() as Record<string, unknown>;
  } catch (e) {
    return { error: failure ?? (e instanceof Error ? e.message : String(e)) };
  }
  if (failure) return { error: failure };

  const stray = (Array.isArray(a._) ? a._ : []).map((x) => String(x));
  if (stray.length) return { error: `unexpected argument: ${stray[0]}` };
  const words = split.words;
  const base = {
    socketPath: typeof a.s === 'string' && a.s !== '' ? a.s : IKED_DEFAULT_SOCKET,
    json: a.json === true,
    quiet: a.q === true,
    root: typeof a.root === 'string' ? a.root : env.IKECTL_ROOT ?? '',
    showVersion: a.V === true,
  };
  if (base.showVersion) return { ...base, command: null };
  const cmd = parseIkectlWords(words);
  if ('error' in cmd) return cmd;
  return { ...base, command: cmd };
}
