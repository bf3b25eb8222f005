/**
 * What the local Lambda service (local/function-isolate.ts) and the runtime inside each isolate
 * (local/isolate-runtime.cjs) say to each other: one init, then one invocation at a time — an
 * event in, a result or an error out, in Lambda's own error shape so Step Functions' Retry/Catch,
 * the SQS poller and the HTTP API react as they do to a deployed function.
 */

/** Lambda's error payload for a failed invocation (what `Invoke` returns with FunctionError set). */
export interface LambdaErrorPayload {
  readonly errorType: string;
  readonly errorMessage: string;
  readonly trace?: readonly string[];
}

/** The code an isolate runs. */
export type IsolateCode =
  /** A handler's TypeScript source, compiled on load (tsx). */
  | { readonly kind: 'source'; readonly file: string; readonly exportName: string }
  /** A synthesized bundle (`index.mjs` in a cdk.out asset directory), as Lambda loads it. */
  | { readonly kind: 'bundle'; readonly file: string; readonly exportName: string };

/** Handed to a new isolate as its workerData. */
export interface IsolateInit {
  readonly functionName: string;
  readonly memoryMb: number;
  readonly code: IsolateCode;
  /** Absolute paths of the loader hooks a source isolate registers (tsx, ESM-only resolution). */
  readonly sourceLoaders: readonly string[];
}

/** Host → isolate. */
export interface InvokeMessage {
  readonly type: 'invoke';
  readonly requestId: string;
  /** The event as JSON text (Lambda hands functions a parsed copy, never the caller's object). */
  readonly event: string;
  /** Epoch ms at which the host cuts the invocation off (context.getRemainingTimeInMillis). */
  readonly deadline: number;
  /** The X-Ray trace header Lambda sets for each invocation (_X_AMZN_TRACE_ID). */
  readonly traceHeader: string;
}

/** Isolate → host. */
export type IsolateMessage =
  | { readonly type: 'ready' }
  | { readonly type: 'init-error'; readonly error: LambdaErrorPayload }
  /** `payload` is the handler's result as JSON text, serialized inside the isolate as Lambda does. */
  | { readonly type: 'result'; readonly requestId: string; readonly payload: string }
  | { readonly type: 'error'; readonly requestId: string; readonly error: LambdaErrorPayload }
  /** A process the function spawned (Chromium): it ends with the isolate, as in Lambda. */
  | { readonly type: 'child'; readonly pid: number }
  | { readonly type: 'child-exit'; readonly pid: number };
