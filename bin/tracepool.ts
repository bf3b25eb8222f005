/**
 * The operator CLI. Targets the local stack by default (TRACEPOOL_URL or
 * http://127.0.0.1:$TRACEPOOL_PORT, bearer TRACEPOOL_ADMIN_TOKEN), or a deployed stack with
 * `--stack NAME` (SigV4-signed with your AWS credentials, from `--profile` if given).
 */
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { Command } from 'commander';
import type { AdminClient } from './commands/admin-client';
import { LazyAdminClient, LocalAdminClient, SigV4AdminClient, describeStackApi, type StackLookup } from './commands/admin-http';
import { registerOffersCommands } from './commands/offers';
import { registerOfferStatsCommand } from './commands/offer-stats';
import { registerIpsCommands } from './commands/ips';
import { registerTraceCommand } from './commands/trace';
import { registerTracesCommands } from './commands/traces';
import { registerMetricsCommand } from './commands/metrics';
import { registerHealthCommands } from './commands/health';
import { registerTrackierCommands } from './commands/trackier';
import { CliError, EXIT, Output, formatError, processIo, type Io } from './commands/output';

interface GlobalOptions {
  stack?: string;
  region?: string;
  profile?: string;
  url?: string;
}

export interface ProgramDeps {
  readonly io?: Io;
  /** How `--stack` finds the admin API (a CloudFormation lookup unless a test replaces it). */
  readonly lookupStack?: StackLookup;
}

const version = (): string => (JSON.parse(readFileSync(path.join(__dirname, '..', 'package.json'), 'utf8')) as { version: string }).version;

export function buildProgram(deps: ProgramDeps = {}): Command {
  const io = deps.io ?? processIo;
  const program = new Command('tracepool')
    .description('Tracepool operator CLI (exit codes: 0 ok, 1 rejected input, 2 unreachable)')
    .version(version(), '-V, --version', 'print the version')
    .option('--stack <name>', 'target a deployed stack (e.g. Tracepool-prod) instead of the local stack')
    .option('--region <region>', 'AWS region of --stack')
    .option('--profile <name>', 'AWS named profile whose credentials sign the calls to --stack')
    .option('--url <url>', 'admin API base URL of the local stack')
    .configureOutput({
      writeOut: (text) => io.stdout(text),
      // With --json, stderr holds only the error document: no usage text after an argument error.
      writeErr: (text) => {
        if (!asksJson()) io.stderr(text);
      },
      outputError: (text) => io.stderr(asksJson() ? `${formatError(new CliError(text.trim().replace(/^error: /, ''), EXIT.rejected), true)}\n` : text),
    })
    .showHelpAfterError();
  // Commander keeps the arguments it was given (not in its typings); errors in parsing come before
  // any option value is known.
  const asksJson = () => ((program as unknown as { rawArgs?: string[] }).rawArgs ?? []).includes('--json');

  let cached: AdminClient | undefined;
  // Resolved on first use: global options are parsed by then, and commands that never call the
  // API (trace, local) never look up a stack.
  const client = (): AdminClient => {
    cached ??= new LazyAdminClient(() => {
      const opts = program.opts<GlobalOptions>();
      if (opts.stack) return SigV4AdminClient.forStack({ stack: opts.stack, region: opts.region, profile: opts.profile }, deps.lookupStack ?? describeStackApi);
      if (opts.profile) throw new CliError('--profile signs calls to a deployed stack: give --stack too');
      const url = opts.url ?? process.env.TRACEPOOL_URL ?? `http://127.0.0.1:${process.env.TRACEPOOL_PORT ?? '3000'}`;
      return Promise.resolve(new LocalAdminClient(url, process.env.TRACEPOOL_ADMIN_TOKEN ?? 'local'));
    });
    return cached;
  };

  registerOffersCommands(program, client, io);
  registerOfferStatsCommand(program, client, io);
  registerIpsCommands(program, client, io);
  registerTraceCommand(program, io);
  registerTracesCommands(program, client, io);
  registerMetricsCommand(program, client, io);
  registerHealthCommands(program, client, io);
  registerTrackierCommands(program, client, io);
  program
    .command('local')
    .description('start the local stack (same as npm start)')
    .action(async () => {
      await import('../local/main');
    });
  return program;
}

if (require.main === module) {
  buildProgram()
    .parseAsync(process.argv)
    .catch((error: unknown) => {
      // Commands report their own errors; this is what escaped them (the local stack's start-up).
      process.exitCode = new Output(processIo, process.argv.includes('--json')).fail(error);
    });
}
