/**
 * `npm start`: the local stack in the foreground. Ctrl-C stops everything (DynamoDB Local's JVM
 * included — it also dies on its own if this process is killed, see dynamodb-local.ts).
 */
import { startLocalStack, DEFAULT_DATA_DIR } from './stack';
import { demoCommands } from './demo';

async function main(): Promise<void> {
  const inMemory = process.argv.includes('--in-memory') || process.env.TRACEPOOL_IN_MEMORY === 'true';
  // --from-synth: the bundles and templates of cdk.out (synthesized first when stale) instead of the sources.
  const fromSynth = process.argv.includes('--from-synth') || ['1', 'true'].includes(process.env.TRACEPOOL_FROM_SYNTH ?? '');
  const stack = await startLocalStack({
    fromSynth,
    dataDir: inMemory ? undefined : (process.env.TRACEPOOL_DATA_DIR ?? DEFAULT_DATA_DIR),
    logLevel: (process.env.TRACEPOOL_LOG_LEVEL as 'INFO' | undefined) ?? 'WARN',
    log: (line) => console.log(`[local] ${line}`),
  });
  let stopping = false;
  const shutdown = (signal: string) => {
    if (stopping) return;
    stopping = true;
    console.log(`\n[local] ${signal}: stopping…`);
    stack.stop().then(
      () => process.exit(0),
      () => process.exit(1),
    );
  };
  process.on('SIGINT', () => shutdown('SIGINT'));
  process.on('SIGTERM', () => shutdown('SIGTERM'));

  const demo = demoCommands(stack.url, stack.adminToken, stack.demoOfferId);
  console.log(
    [
      `Tracepool local stack ready at ${stack.url}`,
      '',
      `  Console:               ${stack.url}/console   (sign in with the admin token: ${stack.adminToken})`,
      `  Click (302 at once):   ${demo.click}`,
      `  Its trace (seconds later): ${demo.traces}`,
      `  Offer (admin):         curl -H "Authorization: Bearer ${stack.adminToken}" ${stack.url}/admin/offers/${stack.demoOfferId}`,
      `  Health:                curl ${stack.url}/health`,
      '',
      `  Pool: ${stack.proxies?.proxies.length ?? 0} local proxies (${stack.proxies?.proxies.map((p) => p.port).join(', ')}) · tracepool ips list`,
      `  DynamoDB Local ${stack.dynamoEndpoint} · SQS ${stack.sqsEndpoint} · Ctrl-C to stop`,
    ].join('\n'),
  );
}

main().catch((error: unknown) => {
  console.error(`[local] failed to start: ${error instanceof Error ? error.message : String(error)}`);
  process.exit(1);
});
