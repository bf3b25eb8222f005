/**
 * Everything the CLI prints goes through here: results (text or `--json`), tables, and errors in
 * one style. Exit codes: 0 ok, 1 rejected input (a 4xx answer or invalid arguments),
 * 2 unreachable (a network error, a 5xx answer, a timeout).
 */
import type { Command } from 'commander';
import type { AdminResponse } from './admin-client';

export const EXIT = { ok: 0, rejected: 1, unreachable: 2 } as const;
export type ExitCode = (typeof EXIT)[keyof typeof EXIT];

/** Where output goes: the process's streams, or a test's buffers. */
export interface Io {
  stdout(chunk: string): void;
  stderr(chunk: string): void;
  /** stderr is a terminal: progress is redrawn in place there. Absent: it is not. */
  readonly stderrIsTty?: boolean;
}

// Looked up at each write, so a stream replaced later (a test's spy) is the one written to.
export const processIo: Io = {
  stdout: (chunk) => void process.stdout.write(chunk),
  stderr: (chunk) => void process.stderr.write(chunk),
  get stderrIsTty() {
    return process.stderr.isTTY === true;
  },
};

/** A failure the CLI reports: one line, the exit code it means, and the API's error body if any. */
export class CliError extends Error {
  constructor(
    message: string,
    readonly exitCode: ExitCode = EXIT.rejected,
    readonly details?: unknown,
  ) {
    super(message);
  }
}

/** A 4xx means the API refused what was asked; any other failing status is its side's problem. */
export const exitCodeOfStatus = (status: number): ExitCode => (status >= 400 && status < 500 ? EXIT.rejected : EXIT.unreachable);

const apiMessage = (body: unknown): string | undefined => {
  if (typeof body === 'string') return body.trim().split('\n')[0] || undefined;
  if (typeof body !== 'object' || body === null) return undefined;
  const { message, code, error } = body as { message?: unknown; code?: unknown; error?: unknown };
  const text = message ?? code ?? error;
  return text === undefined ? undefined : String(text);
};

/** The error for an API answer that is not the one expected, e.g. `offer shoes: HTTP 400: invalid country`. */
export function apiError(what: string, res: AdminResponse): CliError {
  const message = apiMessage(res.body);
  const structured = typeof res.body === 'object' && res.body !== null ? res.body : undefined;
  return new CliError(`${what}: HTTP ${res.status}${message ? `: ${message}` : ''}`, exitCodeOfStatus(res.status), structured);
}

/** Any thrown value as a CliError: what did not come from an API answer is a failure to reach it. */
export function toCliError(error: unknown): CliError {
  if (error instanceof CliError) return error;
  const message = error instanceof Error ? error.message : String(error);
  // AWS SDK errors (the stack lookup) carry the HTTP status of the AWS answer.
  const status = (error as { $metadata?: { httpStatusCode?: number } } | null)?.$metadata?.httpStatusCode;
  if (status !== undefined) return new CliError(message, exitCodeOfStatus(status));
  // No credentials for the profile or chain: the operator's setup to fix, not an outage.
  if (error instanceof Error && error.name === 'CredentialsProviderError') return new CliError(message, EXIT.rejected);
  const local = /fetch failed|ECONNREFUSED/.test(message) ? ' — is the local stack running (npm start)?' : '';
  return new CliError(`${message}${local}`, EXIT.unreachable);
}

/** The error as printed: `error: <message>` and the API's error indented, or one JSON document. */
export function formatError(error: CliError, json: boolean): string {
  if (json) {
    return JSON.stringify({ error: { message: error.message, exitCode: error.exitCode, ...(error.details !== undefined ? { details: error.details } : {}) } }, null, 2);
  }
  const lines = [`error: ${error.message}`];
  if (error.details !== undefined) lines.push(JSON.stringify(error.details, null, 2).replace(/^/gm, '  '));
  return lines.join('\n');
}

/**
 * A fixed-width text table: two spaces between columns, columns from `rightFrom` on right-aligned
 * (the numbers at the end of a row).
 */
export function table(head: readonly string[], rows: readonly (readonly string[])[], opts: { rightFrom?: number } = {}): string[] {
  const rightFrom = opts.rightFrom ?? head.length;
  const widths = head.map((h, i) => Math.max(h.length, ...rows.map((r) => (r[i] ?? '').length)));
  const line = (cells: readonly string[]) =>
    head
      .map((_, i) => (i >= rightFrom ? (cells[i] ?? '').padStart(widths[i]!) : (cells[i] ?? '').padEnd(widths[i]!)))
      .join('  ')
      .trimEnd();
  return [line(head), ...rows.map(line)];
}

/** What a command prints with: JSON or text on stdout, notes and errors on stderr. */
export class Output {
  constructor(
    readonly io: Io,
    readonly json: boolean,
  ) {}

  /** The command's result: the value as JSON with --json, otherwise the text made from it. */
  result<T>(value: T, text: (value: T) => string): void {
    this.io.stdout(`${this.json ? JSON.stringify(value, null, 2) : text(value)}\n`);
  }

  /**
   * An outcome short of what was asked (the caller's exit code says so): its text on stderr, or
   * its data as the JSON result.
   */
  shortfall<T>(value: T, text: (value: T) => string): void {
    if (this.json) this.result(value, text);
    else this.io.stderr(`${text(value)}\n`);
  }

  /** A line of text output; nothing with --json, where the result carries the same data. */
  line(text: string): void {
    if (!this.json) this.io.stdout(`${text}\n`);
  }

  /** A remark for the operator (a hint, progress): stderr, so piped output stays the result. */
  note(text: string): void {
    if (!this.json) this.io.stderr(`${text}\n`);
  }

  /**
   * Progress of a long command, on stderr: redrawn in place on a terminal, one plain line per
   * update otherwise (a log keeps them readable), nothing with --json (stdout's JSON is all).
   */
  progress(text: string): void {
    if (this.json) return;
    if (this.io.stderrIsTty) this.io.stderr(`\r\x1b[2K${text}`);
    else this.io.stderr(`${text}\n`);
  }

  /** Ends progress drawn in place, so what follows starts on a line of its own. */
  progressDone(): void {
    if (!this.json && this.io.stderrIsTty) this.io.stderr('\n');
  }

  /** Prints the error in the one style and returns its exit code. */
  fail(error: unknown): ExitCode {
    const failure = toCliError(error);
    this.io.stderr(`${formatError(failure, this.json)}\n`);
    return failure.exitCode;
  }
}

/** Adds `--json` to a command. */
export const withJson = (command: Command, what = 'print the result as JSON'): Command => command.option('--json', what);

/**
 * Runs a command's body with an Output for its --json choice, and sets the exit code: the one the
 * body returns, or the error's.
 */
export async function respond(io: Io, opts: { json?: boolean }, body: (out: Output) => Promise<ExitCode | void>): Promise<void> {
  const out = new Output(io, opts.json === true);
  let code: ExitCode | void;
  try {
    code = await body(out);
  } catch (error) {
    code = out.fail(error);
  }
  if (code) process.exitCode = code;
}
