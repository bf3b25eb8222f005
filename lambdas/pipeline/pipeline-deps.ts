/**
 * Builders of the collaborators several pipeline functions share, from their configuration
 * (lambdas/pipeline/config.ts) and clients. Nothing here reads the environment: each handler's
 * makeDeps picks the builders its function needs, with the tables its own config names.
 */
import { SFNClient } from '@aws-sdk/client-sfn';
import type { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { dynamo } from '../shared/aws-clients';
import { createLeasePool, type LeasePool } from '../lease/lease-pool';
import { createLeaseWaiters, type LeaseWaiters, type TaskTokens } from '../lease/lease-waiters';
import { TraceRepository } from '../traces/trace-repository';
import { DynamoOfferRepository } from '../offers/offer-repository';
import { CachedOfferStore } from '../offers/offer-cache';
import { stepFunctionsTaskTokens } from './task-tokens';
import { grantToWaiter } from './tasks';
import type { LeaseSettings } from './config';

/** DynamoDB, and Step Functions for the functions answering task tokens (or starting executions). */
export interface PipelineClients {
  readonly doc: DynamoDBDocumentClient;
  readonly sfn: SFNClient;
}

export const pipelineClients = (): PipelineClients => ({ doc: dynamo(), sfn: new SFNClient({}) });

export function traceRepository(doc: DynamoDBDocumentClient, tableName: string, ttlDays: number): TraceRepository {
  return new TraceRepository({ doc, tableName, ttlDays });
}

export function leasePool(doc: DynamoDBDocumentClient, tables: { readonly ipPool: string; readonly ops: string }, lease: LeaseSettings): LeasePool {
  return createLeasePool(
    { doc, tables: { ipPool: tables.ipPool, ops: tables.ops }, clock: Date.now },
    { leaseMs: lease.leaseMs, cooldownMs: lease.cooldownMs, unhealthyAfter: lease.unhealthyAfter },
  );
}

/** Offers as AcquireLease reads them: cached for the configured TTL, the click's. */
export function cachedOffers(doc: DynamoDBDocumentClient, catalogTable: string, ttlMs: number): CachedOfferStore {
  return new CachedOfferStore(new DynamoOfferRepository(doc, catalogTable), { ttlMs });
}

/** Task tokens name no state machine: answering one needs no ARN, only the grant. */
export const taskTokens = (sfn: SFNClient): TaskTokens => stepFunctionsTaskTokens(sfn);

/** The lease-waiter queue (Ops), with the hand-off that records the lease on the trace. */
export function leaseWaiters(deps: {
  readonly doc: DynamoDBDocumentClient;
  readonly opsTable: string;
  readonly pool: LeasePool;
  readonly traces: TraceRepository;
  readonly tokens: TaskTokens;
  readonly lease: LeaseSettings;
}): LeaseWaiters {
  return createLeaseWaiters({
    doc: deps.doc,
    table: deps.opsTable,
    clock: Date.now,
    pool: deps.pool,
    tokens: deps.tokens,
    grant: grantToWaiter({ traces: deps.traces }),
    patienceMs: deps.lease.leasePatienceMs,
  });
}

/** The pool, its waiters and the trace records, as the functions answering task tokens hold them. */
export function leaseParts(
  config: { readonly tables: { readonly traces: string; readonly ipPool: string; readonly ops: string }; readonly traceTtlDays: number; readonly lease: LeaseSettings },
  clients: PipelineClients,
): { traces: TraceRepository; pool: LeasePool; tokens: TaskTokens; waiters: LeaseWaiters } {
  const traces = traceRepository(clients.doc, config.tables.traces, config.traceTtlDays);
  const pool = leasePool(clients.doc, config.tables, config.lease);
  const tokens = taskTokens(clients.sfn);
  return { traces, pool, tokens, waiters: leaseWaiters({ doc: clients.doc, opsTable: config.tables.ops, pool, traces, tokens, lease: config.lease }) };
}
