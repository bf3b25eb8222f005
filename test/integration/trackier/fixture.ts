/** Shared setup of the Trackier integration suites: fresh tables/queues, the fake server, deps. */
import { ReceiveMessageCommand } from '@aws-sdk/client-sqs';
import { DynamoOfferRepository } from '../../../lambdas/offers/offer-repository';
import { validateOffer } from '../../../lambdas/offers/offer-schema';
import { ParkingTable, SqsTraceQueue } from '../../../lambdas/traces/trace-queue';
import { DurableTraceSink } from '../../../lambdas/traces/trace-sink';
import { newTraceId, parseTraceRequest, type TraceRequest } from '../../../lambdas/traces/trace-request';
import { TrackierClient, type TrackierClientOptions } from '../../../lambdas/trackier/trackier-api';
import { PairRepository } from '../../../lambdas/trackier/pair-repository';
import { SideEffectStore } from '../../../lambdas/trackier/side-effects';
import { OpsWebhookLog, repositoryLookup, type WebhookDeps } from '../../../lambdas/trackier/webhook';
import { OpsRateLimiter, OpsReplayGuard } from '../../../lambdas/trackier/webhook-limits';
import { SdkDocumentStore } from '../../../lambdas/shared/sdk-document-store';
import { createTrackierOffer, type CreateOfferInput, type CreationDeps } from '../../../lambdas/trackier/create-offer';
import type { UpdateDeps } from '../../../lambdas/trackier/update-campaign';
import { freshQueues, freshTables, localDynamo, localSqs } from '../../support/local-endpoints';
import { startFakeTrackier, type FakeTrackier, type FakeTrackierOptions } from '../../../local/fake-trackier';
import type { TableNames } from '../../../local/provision';

export const { doc, client: ddbClient } = localDynamo();
export const { client: sqs } = localSqs();
/** The DocumentStore port on the same document client (the guards take the port). */
export const store = new SdkDocumentStore(doc);
export const PUBLIC = 'https://api.tracepool.test';
/** The signing master the fixture's webhook deps use (what the Trackier secret's webhookSigningKey holds). */
export const MASTER = 'integration-master-signing-secret-0123456789';

export interface Fixture {
  tables: TableNames;
  queueUrl: string;
  fake: FakeTrackier;
  pairs: PairRepository;
  offers: DynamoOfferRepository;
  sideEffects: SideEffectStore;
  client(options?: TrackierClientOptions): TrackierClient;
  creationDeps(overrides?: Partial<CreationDeps>): CreationDeps;
  webhookDeps(overrides?: Partial<WebhookDeps>): WebhookDeps;
  updateDeps(overrides?: Partial<UpdateDeps>): UpdateDeps;
  putOffer(offerId: string, extra?: Record<string, unknown>): Promise<void>;
  create(input: Partial<CreateOfferInput> & { offerId: string; pairs: number }, overrides?: Partial<CreationDeps>): ReturnType<typeof createTrackierOffer>;
  receiveAll(max?: number): Promise<TraceRequest[]>;
  close(): Promise<void>;
}

/** Fast by default (no creation spacing on either side); pass fakeOptions to test the real limits. */
export async function setup(label: string, fakeOptions: FakeTrackierOptions = { minCreateIntervalMs: 0 }): Promise<Fixture> {
  const [tables, queues, fake] = await Promise.all([freshTables(label), freshQueues(label), startFakeTrackier(fakeOptions)]);
  const queueUrl = queues.queues.TraceRequests;
  const pairs = new PairRepository(doc, tables.Catalog);
  const offers = new DynamoOfferRepository(doc, tables.Catalog);
  const sideEffects = new SideEffectStore(doc, tables.Ops);
  const client = (options: TrackierClientOptions = {}) =>
    new TrackierClient(
      { credentials: async () => ({ baseUrl: fake.url, apiKey: fake.apiKey }) },
      { minCreateIntervalMs: 0, baseBackoffMs: 10, maxBackoffMs: 50, requestTimeoutMs: 2_000, ...options },
    );
  const creationDeps = (overrides: Partial<CreationDeps> = {}): CreationDeps => ({
    pairs,
    offers,
    api: client(),
    clock: Date.now,
    publicBaseUrl: PUBLIC,
    ...overrides,
  });
  const webhookDeps = (overrides: Partial<WebhookDeps> = {}): WebhookDeps => ({
    lookup: repositoryLookup(pairs),
    pairs,
    offers,
    sink: new DurableTraceSink(new SqsTraceQueue(sqs, queueUrl), new ParkingTable(doc, tables.Ops), Date.now),
    log: new OpsWebhookLog(doc, tables.Ops, 14),
    clock: Date.now,
    newTraceId,
    limiter: new OpsRateLimiter(store, tables.Ops),
    limits: { perPair: 1_000, perAddress: 1_000 },
    signingMaster: async () => MASTER,
    replay: new OpsReplayGuard(store, tables.Ops),
    ...overrides,
  });
  const updateDeps = (overrides: Partial<UpdateDeps> = {}): UpdateDeps => ({
    pairs,
    api: client(),
    sideEffects,
    clock: Date.now,
    random: () => 0.5,
    ...overrides,
  });
  const putOffer = async (offerId: string, extra: Record<string, unknown> = {}) => {
    const v = validateOffer(offerId, { redirectUrl: 'https://shop.example/landing', trackingUrl: 'https://aff.example/click?o=1', ...extra });
    if (!v.ok) throw new Error(JSON.stringify(v.issues));
    await offers.put(v.offer, Date.now());
  };
  return {
    tables,
    queueUrl,
    fake,
    pairs,
    offers,
    sideEffects,
    client,
    creationDeps,
    webhookDeps,
    updateDeps,
    putOffer,
    create: (input, overrides) => createTrackierOffer(creationDeps(overrides), { advertiserId: '7', trackingDomain: 'acme.gotrackier.test', ...input }),
    receiveAll: async (max = 50) => {
      const out: TraceRequest[] = [];
      for (let i = 0; i < 10 && out.length < max; i++) {
        const res = await sqs.send(new ReceiveMessageCommand({ QueueUrl: queueUrl, MaxNumberOfMessages: 10, WaitTimeSeconds: 0 }));
        if (!res.Messages?.length) {
          if (i > 1) break;
          continue;
        }
        out.push(...res.Messages.map((m) => parseTraceRequest(m.Body ?? '')));
      }
      return out;
    },
    close: () => fake.close(),
  };
}
