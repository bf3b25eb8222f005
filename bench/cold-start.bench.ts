/**
 * Cold start of the HTTP functions whose first request a user waits on, besides the click (which
 * bench/click.bench.ts measures): EventIngest (every pixel) and TrackierWebhook (every postback).
 * Each is a fresh Node process importing the bundle the CDK deploys, with the function's deployed
 * NODE_OPTIONS and environment (placeholder names: importing makes no AWS call), against a
 * hello-world handler bundled the same way.
 *
 * Target: cold process+import ≤ 1.5× hello-world for each.
 */
import path from 'node:path';
import { ENV, queueUrlEnv, tableEnv } from '../contracts/manifest/env';
import type { TableId } from '../contracts/manifest/tables';
import type { QueueId } from '../contracts/manifest/queues';
import { nodeOptions } from '../contracts/manifest/bundling';
import { functionById, type FunctionDef } from '../contracts/manifest/functions';
import { printTable, summarize, ms, type Row } from './stats';
import { HELLO_WORLD, ROOT, kb, withBundleDir } from './cold-process';

const COLD_RUNS = Number(process.env.BENCH_COLD_RUNS ?? 25);
const FUNCTION_IDS = ['EventIngest', 'TrackierWebhook'] as const;
const TARGET_RATIO = 1.5;

/** The environment the manifest gives a deployed function, with placeholder resource names. */
function deployedEnv(def: FunctionDef): NodeJS.ProcessEnv {
  return {
    ...process.env,
    // Lambda names the function; handlers that build their dependencies at init see it.
    AWS_LAMBDA_FUNCTION_NAME: `bench-${def.id}`,
    AWS_REGION: 'us-east-1',
    AWS_ACCESS_KEY_ID: 'bench',
    AWS_SECRET_ACCESS_KEY: 'bench',
    POWERTOOLS_LOG_LEVEL: 'SILENT',
    POWERTOOLS_METRICS_DISABLED: 'true',
    ...Object.fromEntries(Object.keys(def.tables ?? {}).map((t) => [tableEnv(t as TableId), `bench-${t}`])),
    ...Object.fromEntries(Object.keys(def.queues ?? {}).map((q) => [queueUrlEnv(q as QueueId), `https://sqs.us-east-1.amazonaws.com/0/bench-${q}`])),
    ...(def.trackierSecret ? { [ENV.trackierSecretArn]: 'arn:aws:secretsmanager:us-east-1:0:secret:bench' } : {}),
    ...def.environment,
  };
}

export async function runColdStartBench(): Promise<boolean> {
  const result = await withBundleDir(async ({ bundle, timeImport }) => {
    const helloSize = await bundle({ contents: HELLO_WORLD }, 'hello.mjs');
    const fns = [];
    for (const id of FUNCTION_IDS) {
      const def = functionById(id);
      const out = `${id}.mjs`;
      const size = await bundle({ file: path.join(ROOT, def.entry) }, out);
      fns.push({ id, out, def, size, env: deployedEnv(def), opts: nodeOptions(def), samples: [] as number[] });
    }
    const hello: number[] = [];
    // One untimed run each warms the file cache; then the processes alternate, so drift hits all alike.
    timeImport('hello.mjs', process.env, '');
    for (const f of fns) timeImport(f.out, f.env, f.opts);
    for (let i = 0; i < COLD_RUNS; i++) {
      hello.push(timeImport('hello.mjs', process.env, ''));
      for (const f of fns) f.samples.push(timeImport(f.out, f.env, f.opts));
    }
    return {
      helloSize,
      hello: summarize(hello),
      fns: fns.map((f) => ({ id: f.id, size: f.size, opts: f.opts, cold: summarize(f.samples) })),
    };
  });
  const rows: Row[] = [
    { figure: 'bundle size (hello-world reference)', value: kb(result.helloSize) },
    { figure: 'cold process+import p50 (hello-world)', value: ms(result.hello.p50) },
  ];
  for (const f of result.fns) {
    const ratio = f.cold.p50 / result.hello.p50;
    rows.push(
      { figure: `bundle size (${f.id})`, value: kb(f.size) },
      { figure: `cold process+import p50 (${f.id}${f.opts ? `, ${f.opts}` : ''})`, value: ms(f.cold.p50) },
      { figure: `cold start ratio ${f.id} / hello-world`, value: `${ratio.toFixed(2)}x`, target: `<= ${TARGET_RATIO}x`, pass: ratio <= TARGET_RATIO },
    );
  }
  return printTable(`Cold starts (${COLD_RUNS} fresh processes each)`, rows);
}

if (require.main === module) {
  runColdStartBench().then(
    (ok) => process.exit(ok ? 0 : 1),
    (error: unknown) => {
      console.error(error);
      process.exit(1);
    },
  );
}
