/**
 * Failed invocations as the local Lambda service reports them, with Lambda's error types, so
 * callers (the HTTP API, Step Functions, the SQS poller, schedules) see what a deployed function
 * would make them see.
 */
import type { LambdaErrorPayload } from './isolate-protocol';

/** The runtime's own error types (not the handler's). */
export const RUNTIME_ERROR = {
  /** The invocation outlived the function's timeout; the execution environment is torn down. */
  timeout: 'Sandbox.Timedout',
  /** The runtime process died mid-invocation (process.exit, an uncaught exception, a crash). */
  exit: 'Runtime.ExitError',
  /** The function ran out of its memory size. */
  outOfMemory: 'Runtime.OutOfMemory',
  unhandledRejection: 'Runtime.UnhandledPromiseRejection',
  /** The handler's result, as JSON, is over the synchronous response quota. */
  responseTooLarge: 'Function.ResponseSizeTooLarge',
} as const;

/**
 * The function ran and failed (Invoke answers 200 with FunctionError: Unhandled). `name` is the
 * errorType, which is what Step Functions matches Retry/Catch `ErrorEquals` against.
 */
export class LambdaFunctionError extends Error {
  readonly errorType: string;
  readonly errorMessage: string;
  readonly trace: readonly string[];

  constructor(payload: LambdaErrorPayload) {
    super(payload.errorMessage);
    this.name = payload.errorType;
    this.errorType = payload.errorType;
    this.errorMessage = payload.errorMessage;
    this.trace = payload.trace ?? [];
  }

  /** The payload Lambda returns, which Step Functions hands a Catch as `Cause` (JSON text). */
  toPayload(): LambdaErrorPayload {
    return { errorType: this.errorType, errorMessage: this.errorMessage, ...(this.trace.length ? { trace: this.trace } : {}) };
  }
}

/** Lambda refused the invocation itself (an Invoke API error): the function never ran. */
export class LambdaServiceError extends Error {
  constructor(
    readonly code: string,
    message: string,
  ) {
    super(message);
    this.name = code;
  }
}

/**
 * Runtime failures Lambda reports to Step Functions as `Lambda.Unknown` ("Unhandled errors in
 * Lambda are reported as Lambda.Unknown … These include out-of-memory errors and function
 * timeouts", Step Functions developer guide), so a state machine must match that name, States.ALL
 * or States.TaskFailed to catch them — `Sandbox.Timedout` itself never reaches ErrorEquals.
 */
export const reportedToStepFunctionsAsUnknown = (errorType: string): boolean => errorType === RUNTIME_ERROR.timeout || errorType === RUNTIME_ERROR.outOfMemory;

export const timeoutMessage = (requestId: string, timeoutMs: number): string =>
  `RequestId: ${requestId} Error: Task timed out after ${(timeoutMs / 1000).toFixed(2)} seconds`;
