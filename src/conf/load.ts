/**
 * Loading iked.conf: read the file (refusing one that group or others may
 * write, like iked), parse it with its includes and -D macros, and return
 * the configuration or the errors, each with its file and line.
 */
import { readFileSync } from 'node:fs';
import { InterfaceLookup, systemInterfaceLookup } from './address';
import { checkFileSecrecy, CONF_FORBIDDEN_MODE } from './file-secrecy';
import { ParseContext } from './parse-context';
import { parseAll } from './parser';
import type { ConfError, IkedConfig } from './types';

export interface LoadOptions {
  /** -D name=value: macros the file cannot redefine. */
  macros?: Record<string, string>;
  /** Refuse group/world writable config and include files and accessible PSK files (default true). */
  checkPermissions?: boolean;
  /** Read a file (default: fs.readFileSync as UTF-8). */
  readFile?: (path: string) => string;
  /** Interface name -> addresses (default: os.networkInterfaces()). */
  interfaces?: InterfaceLookup;
  /**
   * false: every policy is built and checked (the same errors and warnings) but not kept,
   * config.policies stays empty (default true). A check that prints no policies keeps
   * none: 10,000 retained policies were most of the check's garbage collector work.
   */
  keepPolicies?: boolean;
}

export interface LoadResult {
  config: IkedConfig | null;
  errors: ConfError[];
  warnings: ConfError[];
}

const defaultRead = (path: string): string => readFileSync(path, 'utf8');

function makeContext(opts: LoadOptions): ParseContext {
  const ctx = new ParseContext({
    checkPermissions: opts.checkPermissions ?? true,
    readFile: opts.readFile ?? defaultRead,
    interfaces: opts.interfaces ?? systemInterfaceLookup(),
    keepPolicies: opts.keepPolicies ?? true,
  });
  for (const [k, v] of Object.entries(opts.macros ?? {})) ctx.macros.set(k, { value: v, persist: true, used: false });
  return ctx;
}

function run(ctx: ParseContext, text: string, file: string): LoadResult {
  try {
    ctx.lx.pushFile(file, text);
    parseAll(ctx);
  } catch (e) {
    // Never throw on bad input: an internal failure becomes an error at the current line.
    ctx.errors.push({ file: ctx.last.file || file, line: ctx.last.line, message: `internal error: ${(e as Error).message}` });
  }
  if (ctx.rules === 0 && ctx.errors.length === 0) {
    // as iked: about the whole file, no line number
    ctx.warnings.push({ file, line: 0, message: 'no valid configuration rules found' });
  }
  return { config: ctx.errors.length ? null : ctx.config, errors: ctx.errors, warnings: ctx.warnings };
}

/** Parse iked.conf text; `file` names it in errors. */
export function parseConfigText(text: string, file: string, opts: LoadOptions = {}): LoadResult {
  return run(makeContext(opts), text, file);
}

/** Read and parse an iked.conf file. */
export function loadConfigFile(path: string, opts: LoadOptions = {}): LoadResult {
  const ctx = makeContext(opts);
  if (ctx.settings.checkPermissions && path !== '-') {
    const why = checkFileSecrecy(path, CONF_FORBIDDEN_MODE);
    if (why) return { config: null, errors: [{ file: path, line: 0, message: why }], warnings: [] };
  }
  let text: string;
  try {
    text = path === '-' ? readFileSync(0, 'utf8') : ctx.settings.readFile(path);
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code ?? String(e);
    return { config: null, errors: [{ file: path, line: 0, message: `cannot read ${path}: ${code}` }], warnings: [] };
  }
  return run(ctx, text, path === '-' ? 'stdin' : path);
}
