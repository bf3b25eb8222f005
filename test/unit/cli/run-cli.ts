/**
 * Runs the whole operator CLI (bin/tracepool.ts) in-process: its output captured, commander's
 * exits turned into results, and the admin API answered by a stubbed fetch (no network).
 */
import type { Command } from 'commander';
import { buildProgram, type ProgramDeps } from '../../../bin/tracepool';

export interface Answer {
  readonly status: number;
  readonly body?: unknown;
}
/** An answer, or what fetch throws (nothing listens, a timeout). */
export type Reply = Answer | Error | DOMException;

export interface CliRun {
  readonly exitCode: number;
  readonly out: string;
  readonly err: string;
  readonly requests: { method: string; url: string; headers: Record<string, string>; body?: string }[];
}

const everyCommand = (c: Command): Command[] => [c, ...c.commands.flatMap(everyCommand)];

export async function runCli(args: string[], reply: (url: string) => Reply, deps: Omit<ProgramDeps, 'io'> = {}): Promise<CliRun> {
  let out = '';
  let err = '';
  const requests: CliRun['requests'] = [];
  const fetch = jest.spyOn(globalThis, 'fetch').mockImplementation(async (input, init) => {
    const url = String(input);
    requests.push({
      method: init?.method ?? 'GET',
      url,
      headers: { ...(init?.headers as Record<string, string>) },
      ...(typeof init?.body === 'string' ? { body: init.body } : {}),
    });
    const r = reply(url);
    if (!('status' in r)) throw r;
    const text = typeof r.body === 'string' ? r.body : JSON.stringify(r.body ?? {});
    return new Response(text, { status: r.status, headers: { 'content-type': typeof r.body === 'string' ? 'text/plain' : 'application/json' } });
  });
  const program = buildProgram({ ...deps, io: { stdout: (c) => void (out += c), stderr: (c) => void (err += c) } });
  for (const c of everyCommand(program)) c.exitOverride();
  const before = process.exitCode;
  process.exitCode = 0;
  try {
    await program.parseAsync(['node', 'tracepool', '--url', 'http://admin.test', ...args]);
    return { exitCode: Number(process.exitCode ?? 0), out, err, requests };
  } catch (error) {
    // Commander's own exits (invalid arguments, --version, --help) under exitOverride.
    const code = (error as { exitCode?: number }).exitCode;
    if (code === undefined) throw error;
    return { exitCode: code, out, err, requests };
  } finally {
    process.exitCode = before;
    fetch.mockRestore();
  }
}
