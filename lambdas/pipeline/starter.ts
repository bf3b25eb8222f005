/**
 * The starter: trace requests from SQS become Standard executions named after the trace (and
 * attempt), so a redelivered message cannot start a second one.
 */
import { ExecutionAlreadyExists, StartExecutionCommand, type SFNClient } from '@aws-sdk/client-sfn';
import type { TraceRepository } from '../traces/trace-repository';
import { parseTraceRequest } from '../trace-requests/trace-request';
import { executionNameFor, type ExecutionInput } from './pipeline-state';

export interface StarterDeps {
  readonly sfn: SFNClient;
  readonly stateMachineArn: string;
  readonly traces: TraceRepository;
  readonly clock: () => number;
}

export type StartOutcome = 'started' | 'duplicate' | 'already_done';

/** Throws on a malformed body (the message then goes back to SQS and, in the end, to the DLQ). */
export async function startTrace(deps: StarterDeps, body: string): Promise<StartOutcome> {
  const request = parseTraceRequest(body);
  const now = deps.clock();
  if (!(await deps.traces.enqueue(request, now))) return 'already_done';
  const executionName = executionNameFor(request);
  const input: ExecutionInput = { request, executionName, startedAt: now };
  try {
    await deps.sfn.send(
      new StartExecutionCommand({ stateMachineArn: deps.stateMachineArn, name: executionName, input: JSON.stringify(input) }),
    );
    return 'started';
  } catch (error) {
    if (error instanceof ExecutionAlreadyExists || (error as Error).name === 'ExecutionAlreadyExists') return 'duplicate';
    throw error;
  }
}
