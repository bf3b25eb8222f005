/**
 * The operator CLI. Targets the local stack by default (TRACEPOOL_URL or
 * http://127.0.0.1:$TRACEPOOL_PORT, bearer TRACEPOOL_ADMIN_TOKEN), or a deployed stack with
 * `--stack NAME` (SigV4-signed with your AWS credentials).
 */
import { Command } from 'commander';
import type { AdminClient } from './commands/admin-client';
import { LazyAdminClient, LocalAdminClient, SigV4AdminClient } from './commands/admin-http';
import { registerOffersCommands } from './commands/offers';
import { registerIpsCommands } from './commands/ips';
import { registerTraceCommand } from './commands/trace';
import { registerTracesCommands } from './commands/traces';
import { registerMetricsCommand } from './commands/metrics';
import { registerHealthCommands } from './commands/health';
import { registerTrackierCommands } from './commands/trackier';

export function buildProgram(): Command {
  const program = new Command('tracepool')
    .description('Tracepool operator CLI')
    .option('--stack <name>', 'target a deployed stack (e.g. Tracepool-prod) instead of the local stack')
    .option('--region <region>', 'AWS region of --stack')
    .option('--url <url>', 'admin API base URL of the local stack')
    .showHelpAfterError();

  let cached: AdminClient | undefined;
  // Resolved on first use: global options are parsed by then, and commands that never call the
  // API (trace, local) never look up a stack.
  const client = (): AdminClient => {
    cached ??= new LazyAdminClient(() => {
      const opts = program.opts<{ stack?: string; region?: string; url?: string }>();
      if (opts.stack) return SigV4AdminClient.forStack(opts.stack, opts.region);
      const url = opts.url ?? process.env.TRACEPOOL_URL ?? `http://127.0.0.1:${process.env.TRACEPOOL_PORT ?? '3000'}`;
      return Promise.resolve(new LocalAdminClient(url, process.env.TRACEPOOL_ADMIN_TOKEN ?? 'local'));
    });
    return cached;
  };

  registerOffersCommands(program, client);
  registerIpsCommands(program, client);
  registerTraceCommand(program);
  registerTracesCommands(program, client);
  registerMetricsCommand(program, client);
  registerHealthCommands(program, client);
  registerTrackierCommands(program, client);
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
      const cause = error instanceof Error ? error.message : String(error);
      console.error(`error: ${/fetch failed|ECONNREFUSED/.test(cause) ? `${cause} — is the local stack running (npm start)?` : cause}`);
      process.exitCode = 2;
    });
}
