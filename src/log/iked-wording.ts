/** Log lines worded as OpenBSD iked words them, where a line is not built in place. */

/** iked's startup banner for the parent process. */
export function startupLine(version: string): string {
  return `startup (iked ${version})`;
}
