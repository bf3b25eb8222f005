/** Shared CLI output: errors to stderr with exit code 1, details indented. */
export function printError(message: string, details?: unknown): void {
  console.error(`error: ${message}`);
  if (details !== undefined) {
    const text = typeof details === 'string' ? details : JSON.stringify(details, null, 2);
    console.error(text.replace(/^/gm, '  '));
  }
  process.exitCode = 1;
}
