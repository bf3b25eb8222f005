/**
 * The callback pattern's task tokens: minted signed per run of a `.waitForTaskToken` task, each
 * waited on until SendTaskSuccess / SendTaskFailure names it or its task ends (timeout, a newer run
 * of the state, the execution's end). A token we minted that is no longer waited on answers
 * TaskTimedOut; one we never minted, InvalidToken — as AWS does.
 */
import { createHmac, randomBytes, timingSafeEqual } from 'node:crypto';
import { ServiceError } from './json-rpc-server';
import { ExecutionEnded, PAYLOAD_LIMIT_BYTES } from './stepfunctions-tasks';

/** `value` with every occurrence of `placeholder` in its strings replaced by `token`. */
export function withToken(value: unknown, placeholder: string, token: string): unknown {
  if (typeof value === 'string') return value.includes(placeholder) ? value.split(placeholder).join(token) : value;
  if (Array.isArray(value)) return value.map((v) => withToken(v, placeholder, token));
  if (typeof value === 'object' && value !== null) {
    return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, withToken(v, placeholder, token)]));
  }
  return value;
}

/**
 * SendTaskFailure's outcome. Its error and cause are optional: absent, a Catch sees
 * `{"Error": null, "Cause": null}` (as on AWS), matched only by States.ALL and States.TaskFailed.
 */
export class CallbackFailed extends Error {
  constructor(error: string | undefined, cause: string | undefined) {
    super(cause ?? '');
    Object.defineProperty(this, 'name', { value: error ?? null, writable: true, configurable: true });
    Object.defineProperty(this, 'message', { value: cause ?? null, writable: true, configurable: true });
  }
}

/** A callback task waiting for its token. */
interface CallbackWait {
  readonly execution: string;
  readonly state: string;
  readonly resolve: (output: unknown) => void;
  readonly reject: (error: Error) => void;
  readonly timer: NodeJS.Timeout;
}

const validation = (message: string) => new ServiceError('ValidationException', `1 validation error detected: ${message}`);

/** An optional string parameter of at most `max` characters (SendTaskFailure's error and cause). */
function optionalString(value: unknown, field: string, max: number): string | undefined {
  if (value === undefined || value === null) return undefined;
  if (typeof value !== 'string') throw new ServiceError('SerializationException', `${field} must be a string`);
  if (value.length > max) throw validation(`Value at '${field}' failed to satisfy constraint: Member must have length less than or equal to ${max}`);
  return value;
}

export class TaskTokens {
  /** Live task tokens. A token we minted that is not here belongs to a task that has ended. */
  private readonly waits = new Map<string, CallbackWait>();
  /** Signs the tokens, so a token we never minted is told apart from one whose task has ended. */
  private readonly tokenKey = randomBytes(32);

  /** Tokens whose tasks are still waiting (each holds a timer until it ends). */
  get pending(): number {
    return this.waits.size;
  }

  /** Another run of this state (a Retry, a loop back): the library has given up on any earlier one. */
  forgetRuns(execution: string, state: string): void {
    for (const [token, wait] of this.waits) if (wait.execution === execution && wait.state === state) this.forget(token);
  }

  /** An aborted or timed-out execution leaves its task waiting: its token dies with it. */
  endExecution(execution: string): void {
    for (const [token, wait] of this.waits) if (wait.execution === execution) this.settle(token, { error: new ExecutionEnded('the execution has ended') });
  }

  /** A fresh token: a random id and its signature. */
  mint(): string {
    const id = randomBytes(24).toString('base64url');
    return `${id}.${this.tokenMac(id)}`;
  }

  /** The token's outcome; the token dies after `timeoutMs` (the task's own timeout). */
  wait(token: string, execution: string, state: string, timeoutMs: number): Promise<unknown> {
    return new Promise<unknown>((resolve, reject) => {
      this.waits.set(token, { execution, state, resolve, reject, timer: setTimeout(() => this.forget(token), timeoutMs) });
    });
  }

  private tokenMac(id: string): string {
    return createHmac('sha256', this.tokenKey).update(id).digest('base64url');
  }

  private forget(token: string): void {
    const wait = this.waits.get(token);
    if (!wait) return;
    clearTimeout(wait.timer);
    this.waits.delete(token);
  }

  settle(token: string, outcome: { output: unknown } | { error: Error }): void {
    const wait = this.waits.get(token);
    if (!wait) return;
    this.forget(token);
    if ('error' in outcome) wait.reject(outcome.error);
    else wait.resolve(outcome.output);
  }

  /** The live token named by a SendTask* call, or the error AWS answers. */
  private liveToken(taskToken: unknown): string {
    if (taskToken === undefined || taskToken === null) throw validation("Value null at 'taskToken' failed to satisfy constraint: Member must not be null");
    const token = String(taskToken);
    const [id = '', mac = '', ...rest] = token.split('.');
    const expected = Buffer.from(this.tokenMac(id));
    const given = Buffer.from(mac);
    if (rest.length || !id || given.length !== expected.length || !timingSafeEqual(given, expected)) {
      throw new ServiceError('InvalidToken', "Invalid Token: 'Invalid token'");
    }
    // Ours, and no longer waiting: its task succeeded, failed, timed out or its execution ended.
    if (!this.waits.has(token)) throw new ServiceError('TaskTimedOut', "Task Timed Out: 'Provided task does not exist anymore'");
    return token;
  }

  /** SendTaskSuccess: `output` is the task's result, as JSON text of at most 256 KiB. */
  sendTaskSuccess(taskToken: unknown, output: unknown): void {
    if (output === undefined || output === null) throw validation("Value null at 'output' failed to satisfy constraint: Member must not be null");
    if (typeof output !== 'string') throw new ServiceError('SerializationException', 'output must be a string');
    if (Buffer.byteLength(output, 'utf8') > PAYLOAD_LIMIT_BYTES) {
      throw validation(`Value at 'output' failed to satisfy constraint: Member must have length less than or equal to ${PAYLOAD_LIMIT_BYTES}`);
    }
    let value: unknown;
    try {
      value = JSON.parse(output);
    } catch {
      throw new ServiceError('InvalidOutput', 'The provided JSON output data is invalid.');
    }
    this.settle(this.liveToken(taskToken), { output: value });
  }

  /** SendTaskFailure: the task fails with Error `error` and Cause `cause`, to be retried or caught like any task error. */
  sendTaskFailure(taskToken: unknown, error?: unknown, cause?: unknown): void {
    const failure = new CallbackFailed(optionalString(error, 'error', 256), optionalString(cause, 'cause', 32_768));
    this.settle(this.liveToken(taskToken), { error: failure });
  }

  /** SendTaskHeartbeat: accepted while the task waits (HeartbeatSeconds is not enforced locally). */
  sendTaskHeartbeat(taskToken: unknown): void {
    this.liveToken(taskToken);
  }
}
