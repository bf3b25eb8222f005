/**
 * npm run bench:click (last part) — the retry schedule draining a backlog of clicks parked while
 * SQS was down (60,000 by default: a 10-minute outage at 100 clicks/s, which ended longer ago than
 * the drain's settle margin), on its own DynamoDB Local and local SQS, beside the reference
 * measured in the same run: SendMessageBatch alone (the same kind of messages, batches of 10, the
 * same calls in flight, no DynamoDB at all) — the queue's own speed. The drain reads the parked
 * partition in pages and moves a cursor over what SQS accepted (no delete per click: TTL removes
 * the items). Also measured: the page reads alone (Query, 1,000 a page, one at a time, as the
 * drain reads, on a twin of the backlog), the drain's other bound — here DynamoDB Local shares the
 * machine's cores with the local SQS.
 *
 * The three alternate in slices of a few seconds until the backlog is drained (each drain slice
 * is a run of its own that stops at its deadline, as the schedule's runs do), so all three see
 * the same machine load; each rate is its items over its own time. Three backlogs are drained one
 * after the other and pooled (BENCH_PARKED_REPEATS); each one's ratio is printed too.
 * Target: drain rate ≥ 0.8 × SendMessageBatch's, and every parked click on the queue, none left parked.
 */
import { performance } from 'node:perf_hooks';
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { BatchWriteCommand, DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { GetQueueAttributesCommand, SQSClient } from '@aws-sdk/client-sqs';
import { startDynamoDbLocal } from '../local/dynamodb-local';
import { startSqsLocal } from '../local/sqs-local';
import { createQueues, createTables } from '../local/provision';
import { LOCAL_REGION, localCredentials } from '../local/net';
import { v7 as uuidv7 } from 'uuid';
import { parkedItem, parkKeyBefore } from '../lambdas/traces/trace-sink';
import { ParkedRequestTable, SqsTraceQueue } from '../lambdas/traces/trace-queue';
import { BATCH_MAX_ENTRIES, drainParked, PARKED_SETTLE_MS } from '../lambdas/pipeline/parked-drain';
import { newTraceId, type TraceRequest } from '../lambdas/traces/trace-request';
import { printTable } from './stats';

const BACKLOG = Number(process.env.BENCH_PARKED ?? 60_000);
/** SendMessageBatch calls in flight, for the drain and the reference alike (the retry handler's setting). */
const CONCURRENCY = Number(process.env.BENCH_PARKED_CONCURRENCY ?? 10);
const WARMUP = Number(process.env.BENCH_PARKED_WARMUP ?? 20_000);
const SLICE_MS = Number(process.env.BENCH_PARKED_SLICE_MS ?? 3000);
/** The pause before each slice. */
const SETTLE_MS = Number(process.env.BENCH_PARKED_SETTLE_MS ?? 300);
/**
 * Backlogs drained, one after the other; the figures pool them all (their items over their time), so
 * a moment of the shared machine's noise weighs less on one slice.
 */
const REPEATS = Number(process.env.BENCH_PARKED_REPEATS ?? 3);

/**
 * A click's trace request as the click path parks it (typical ad-click parameters). Parked ones
 * were made at `clickedAt`: 100 a second, the last a minute before the settle margin.
 */
const clickRequest = (i: number, clickedAt?: number): TraceRequest => ({
  v: 1,
  traceId: clickedAt === undefined ? newTraceId() : uuidv7({ msecs: clickedAt }),
  offerId: `offer-${i % 50}`,
  source: 'click',
  params: { gclid: `Cj0KCQiA${i.toString(36).padStart(12, '0')}BhCSARIsAJ`, utm_source: 'google', utm_medium: 'cpc', utm_campaign: 'spring' },
  clickedAt: clickedAt ?? Date.now(),
  country: 'us',
  device: i % 3 ? 'desktop' : 'mobile',
  attempt: 1,
});

async function pool<T>(items: readonly T[], concurrency: number, work: (item: T) => Promise<void>): Promise<void> {
  let next = 0;
  await Promise.all(
    Array.from({ length: concurrency }, async () => {
      while (next < items.length) await work(items[next++]!);
    }),
  );
}

/** Workers taking jobs until the time is up: how many items they did. */
async function forAWhile(ms: number, concurrency: number, job: () => Promise<number>): Promise<number> {
  const end = performance.now() + ms;
  let done = 0;
  await Promise.all(
    Array.from({ length: concurrency }, async () => {
      while (performance.now() < end) {
        const n = await job();
        if (!n) return;
        done += n;
      }
    }),
  );
  return done;
}

/** An outage's parked clicks, 100 a second, the last made a minute before the settle margin. */
const outage = (n: number): TraceRequest[] => {
  const end = Date.now() - PARKED_SETTLE_MS - 60_000;
  return Array.from({ length: n }, (_, i) => clickRequest(i, end - (n - i) * 10));
};

/** Parks the requests as the click path parks them (BatchWriteItem only to be quick about it). */
async function seed(doc: DynamoDBDocumentClient, opsTable: string, requests: readonly TraceRequest[]): Promise<void> {
  const writes: Record<string, unknown>[][] = [];
  for (let at = 0; at < requests.length; at += 25) writes.push(requests.slice(at, at + 25).map((r) => ({ PutRequest: { Item: parkedItem(r, r.clickedAt, 'SQS down') } })));
  await pool(writes, 8, async (chunk) => {
    let pending: Record<string, unknown>[] | undefined = chunk;
    while (pending?.length) {
      const out = await doc.send(new BatchWriteCommand({ RequestItems: { [opsTable]: pending as never } }));
      pending = out.UnprocessedItems?.[opsTable] as Record<string, unknown>[] | undefined;
    }
  });
}

async function main(): Promise<void> {
  const [ddbLocal, sqsLocal] = await Promise.all([startDynamoDbLocal(), startSqsLocal()]);
  const ddb = new DynamoDBClient({ endpoint: ddbLocal.endpoint, region: LOCAL_REGION, credentials: localCredentials });
  const doc = DynamoDBDocumentClient.from(ddb, { marshallOptions: { removeUndefinedValues: true } });
  const sqs = new SQSClient({ endpoint: sqsLocal.endpoint, region: LOCAL_REGION, credentials: localCredentials });
  try {
    const [twin, warm, warm2, refQueues] = await Promise.all([
      createTables(ddb, 'bench-drain-twin'),
      createTables(ddb, 'bench-drain-warm'),
      createTables(ddb, 'bench-drain-warm2'),
      createQueues(sqs, 'bench-drain-ref'),
    ]);
    const refQueue = new SqsTraceQueue(sqs, refQueues.queues.TraceRequests);

    // A twin of the backlog for the read reference, parked as the click path parks it.
    const seedStart = performance.now();
    await seed(doc, twin.Ops, outage(BACKLOG));
    console.log(`parked ${BACKLOG} clicks in ${((performance.now() - seedStart) / 1000).toFixed(1)} s`);

    // Warm every path (connections; the JIT of this process, of the SQS thread and of DynamoDB
    // Local's JVM) before anything is timed, with drains of smaller backlogs in tables of their
    // own. The JVM compiles a request's path after some thousands of requests, and a drain makes
    // one read per 1,000 clicks: the first warm-up drains in pages of 20 and writes its cursor
    // every 20 clicks, so those paths are compiled here and not in the timed slices, where the
    // compiler threads would take a core's share from the drain (measured: about half a second of
    // a 60,000-click drain's 8 s). DynamoDB has no such start-up cost.
    await seed(doc, warm.Ops, outage(WARMUP));
    await drainParked({
      store: new ParkedRequestTable(doc, warm.Ops),
      queue: refQueue,
      clock: Date.now,
      stopAt: Date.now() + 10 * 60_000,
      concurrency: CONCURRENCY,
      pageSize: 20,
      cursorEvery: 20,
    });
    await seed(doc, warm2.Ops, outage(WARMUP));
    await drainParked({ store: new ParkedRequestTable(doc, warm2.Ops), queue: refQueue, clock: Date.now, stopAt: Date.now() + 10 * 60_000, concurrency: CONCURRENCY });

    const twinStore = new ParkedRequestTable(doc, twin.Ops);
    const everything = parkKeyBefore(Date.now());
    let twinNext: string | undefined;
    const timed = { drain: { n: 0, ms: 0 }, send: { n: 0, ms: 0 }, read: { n: 0, ms: 0 } };
    const reference = {
      send: () =>
        forAWhile(SLICE_MS, CONCURRENCY, async () => {
          const batch = Array.from({ length: BATCH_MAX_ENTRIES }, (_, i) => clickRequest(i));
          if ((await refQueue.sendBatch(batch)).length) throw new Error('reference: refused');
          return batch.length;
        }),
      read: () =>
        forAWhile(SLICE_MS, 1, async () => {
          // Round and round the twin: a page costs the same the second time.
          const page = await twinStore.page(1000, { before: everything }, twinNext);
          twinNext = page.next;
          return page.items.length;
        }),
    };
    let pages = 0;
    let slices = 0;
    let runs = 0;
    const repeats: { ratio: number; onQueue: number; left: number }[] = [];

    for (let repeat = 0; repeat < REPEATS; repeat++) {
      // A backlog of its own each time, parked as the click path parks it, drained to a queue of its own.
      const [tables, drainQueues] = await Promise.all([createTables(ddb, `bench-drain-${repeat}`), createQueues(sqs, `bench-drain-${repeat}`)]);
      await seed(doc, tables.Ops, outage(BACKLOG));
      const store = new ParkedRequestTable(doc, tables.Ops);
      const drainQueue = new SqsTraceQueue(sqs, drainQueues.queues.TraceRequests);
      const mine = { drain: { n: 0, ms: 0 }, send: { n: 0, ms: 0 } };
      let complete = false;
      const phases: Record<keyof typeof timed, () => Promise<number>> = {
        drain: async () => {
          const run = await drainParked({ store, queue: drainQueue, clock: Date.now, stopAt: Date.now() + SLICE_MS, concurrency: CONCURRENCY });
          pages += run.pages;
          runs++;
          complete = run.complete;
          if (run.failed || run.reparked || run.unrecorded || run.busy) throw new Error(`drain: ${JSON.stringify(run)}`);
          return run.sent;
        },
        ...reference,
      };
      const order = ['drain', 'send', 'read'] as const;
      for (; !complete; slices++) {
        // Each round starts with the next of the three, so none always follows the same one (and
        // inherits its garbage to collect); each starts after a pause that lets the last one's
        // background work (V8's and the JVM's collectors, the JIT) finish outside every slice.
        for (let k = 0; k < order.length; k++) {
          const name = order[(slices + k) % order.length]!;
          if (name === 'drain' && complete) continue;
          await new Promise((resolve) => setTimeout(resolve, SETTLE_MS));
          const t = performance.now();
          const n = await phases[name]();
          const ms = performance.now() - t;
          timed[name].n += n;
          timed[name].ms += ms;
          if (name !== 'read') {
            mine[name].n += n;
            mine[name].ms += ms;
          }
        }
      }

      // Parked clicks are those above the drain's cursor (the rest wait for TTL).
      const left = (await store.pendingKeys()).length;
      const onQueue = Number(
        (await sqs.send(new GetQueueAttributesCommand({ QueueUrl: drainQueues.queues.TraceRequests, AttributeNames: ['ApproximateNumberOfMessages'] }))).Attributes
          ?.ApproximateNumberOfMessages ?? 0,
      );
      const ratio = mine.drain.n / mine.drain.ms / (mine.send.n / mine.send.ms);
      repeats.push({ ratio, onQueue, left });
      console.log(
        `backlog ${repeat + 1} of ${REPEATS}: drained in ${(mine.drain.ms / 1000).toFixed(1)} s, drain ÷ SendMessageBatch ${ratio.toFixed(2)}, ${onQueue} on the queue, ${left} still parked`,
      );
    }

    const rate = (x: { n: number; ms: number }) => x.n / (x.ms / 1000);
    const [drain, send, read] = [rate(timed.drain), rate(timed.send), rate(timed.read)];
    // Both jobs compete for the same cores here: done one after the other, this is what they allow.
    const serial = 1 / (1 / send + 1 / read);
    const ok = printTable(
      `parked-click drain: ${REPEATS} backlogs of ${BACKLOG} parked, ${CONCURRENCY} SendMessageBatch calls in flight, ${pages} pages over ${runs} runs of ${SLICE_MS / 1000} s, pooled (local DynamoDB + local SQS)`,
      [
        { figure: 'drain rate (sent, cursor moved)', value: `${drain.toFixed(0)} msg/s`, target: `${(timed.drain.ms / 1000).toFixed(1)} s in all` },
        { figure: 'SendMessageBatch alone (reference)', value: `${send.toFixed(0)} msg/s` },
        { figure: 'drain ÷ SendMessageBatch', value: (drain / send).toFixed(2), target: '≥ 0.8', pass: drain / send >= 0.8 },
        { figure: 'Query pages alone (1,000 a page)', value: `${read.toFixed(0)} msg/s`, target: `drain ÷ it ${(drain / read).toFixed(2)}` },
        { figure: 'send + read, one after the other', value: `${serial.toFixed(0)} msg/s`, target: `drain ÷ it ${(drain / serial).toFixed(2)}` },
        { figure: 'each backlog: drain ÷ SendMessageBatch', value: repeats.map((r) => r.ratio.toFixed(2)).join(' ') },
        {
          figure: 'on the queue / still parked, each',
          value: repeats.map((r) => `${r.onQueue} / ${r.left}`).join(', '),
          target: `${BACKLOG} / 0`,
          pass: repeats.every((r) => r.onQueue === BACKLOG && r.left === 0),
        },
      ],
    );
    process.exitCode = ok ? 0 : 1;
  } finally {
    ddb.destroy();
    sqs.destroy();
    await Promise.all([ddbLocal.stop(), sqsLocal.stop()]);
  }
}

main().catch((error: unknown) => {
  console.error(error);
  process.exit(1);
});
