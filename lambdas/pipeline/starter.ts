/**
 * The starter: trace requests from SQS become Standard executions named after the trace (and
 * attempt), so a redelivered message cannot start a second one. Before that, a click must be
 * admitted (trace-admission.ts: not a repeat of a click id, within its offer's budget), and a click
 * on an `auto` offer gets its country from the clicker's address, which then leaves the request.
 */
import { ExecutionAlreadyExists, StartExecutionCommand, type SFNClient } from '@aws-sdk/client-sfn';
import type { TraceRepository } from '../traces/trace-repository';
import type { GeoLookup } from '../geo/geo-lookup';
import { parseTraceRequest, type TraceRequest } from '../traces/trace-request';
import { executionNameFor, type ExecutionInput } from './pipeline-state';
import { admit, type AdmissionStore, type SkipReason } from './trace-admission';

export interface StarterDeps {
  readonly sfn: SFNClient;
  readonly stateMachineArn: string;
  readonly traces: TraceRepository;
  readonly clock: () => number;
  // The three below concern first attempts of clicks only; a starter for other requests (a test of
  // retries) may go without. The function's handler always gives them.
  /** Click ids seen and the offers' trace budgets. */
  readonly admission?: AdmissionStore;
  /** Counts a click not traced (per offer and hour); a failure is the caller's to log, never the message's. */
  readonly countSkip?: (offerId: string, reason: SkipReason, now: number) => Promise<void>;
  /** The country database, loaded on first use (only clicks on `auto` offers need it). */
  readonly geo?: () => Promise<GeoLookup>;
}

export type StartOutcome = 'started' | 'duplicate' | 'already_done' | SkipReason;

/** Throws on a malformed body (the message then goes back to SQS and, in the end, to the DLQ). */
export async function startTrace(deps: StarterDeps, body: string): Promise<StartOutcome> {
  const received = parseTraceRequest(body);
  const now = deps.clock();
  const admission = deps.admission ? await admit(deps.admission, received, now) : 'admitted';
  if (admission !== 'admitted') {
    await deps.countSkip?.(received.offerId, admission, now);
    return admission;
  }
  const request = await withClickCountry(received, deps.geo);
  if (!(await deps.traces.enqueue(request, now))) return 'already_done';
  const executionName = executionNameFor(request);
  const input: ExecutionInput = { request, executionName, startedAt: now };
  try {
    await deps.sfn.send(new StartExecutionCommand({ stateMachineArn: deps.stateMachineArn, name: executionName, input: JSON.stringify(input) }));
    return 'started';
  } catch (error) {
    if (error instanceof ExecutionAlreadyExists || (error as Error).name === 'ExecutionAlreadyExists') return 'duplicate';
    throw error;
  }
}

/**
 * The request as the pipeline keeps it: a click that carried the clicker's address (an `auto`
 * offer, no trusted country header) gets the address's country, or `any` when the database does
 * not know it, and the address itself is dropped before anything stores the request.
 */
export async function withClickCountry(request: TraceRequest, geo: (() => Promise<GeoLookup>) | undefined): Promise<TraceRequest> {
  const { clientIp, ...rest } = request;
  if (clientIp === undefined) return request;
  if (rest.country !== 'any' || typeof clientIp !== 'string' || !geo) return rest;
  return { ...rest, country: (await geo()).lookup(clientIp)?.country ?? 'any' };
}
