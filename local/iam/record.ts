/**
 * The record of every authorization the local stack evaluated, as JSON lines: one `run` line per
 * local stack (its functions' grants, resolved, with labels that do not depend on the run's table
 * prefix) and one `call` line per evaluated (function, action, resource). `npm run iam:report`
 * reads it. Several local stacks (parallel e2e suites) may append to the same file: each line is
 * written whole, and calls name their run.
 */
import { createWriteStream, mkdirSync, readFileSync, existsSync, type WriteStream } from 'node:fs';
import path from 'node:path';
import { randomUUID } from 'node:crypto';
import type { AppPolicies, Grant } from './policies';
import type { EvaluationOutcome } from './evaluate';

export const DEFAULT_RECORD_FILE = path.resolve(__dirname, '..', '..', '.tracepool', 'iam-calls.jsonl');

/** Where the record goes: TRACEPOOL_IAM_RECORD, else .tracepool/iam-calls.jsonl. */
export const recordFileFromEnv = (env: NodeJS.ProcessEnv = process.env): string => env.TRACEPOOL_IAM_RECORD || DEFAULT_RECORD_FILE;

export interface RunRecord {
  readonly kind: 'run';
  readonly run: string;
  readonly startedAt: string;
  readonly functions: Readonly<
    Record<
      string,
      {
        readonly principalArn: string;
        readonly grants: readonly Pick<Grant, 'action' | 'resource' | 'label'>[];
        readonly eventSourceQueues: readonly { readonly arn: string; readonly label: string }[];
      }
    >
  >;
  readonly warnings: readonly string[];
}

export interface CallRecord {
  readonly kind: 'call';
  readonly run: string;
  readonly at: string;
  readonly functionId: string;
  /** `dynamodb`, `sqs`, … or `local` for checks the stack makes in process. */
  readonly service: string;
  readonly operation: string;
  readonly action: string;
  readonly resource: string;
  readonly allowed: boolean;
  readonly outcome: EvaluationOutcome;
  readonly error?: string;
}

export type IamRecord = RunRecord | CallRecord;

export interface CallCounts {
  readonly evaluated: number;
  readonly allowed: number;
  readonly denied: number;
}

export class CallRecorder {
  readonly run = randomUUID();
  private stream?: WriteStream;
  private counts = { evaluated: 0, allowed: 0, denied: 0 };
  private readonly denials: CallRecord[] = [];

  /** `file`: where to append; false keeps the record in memory only. */
  constructor(readonly file: string | false) {}

  /** Writes the run line: the grants every later call of this run is measured against. */
  start(policies: AppPolicies): void {
    if (this.file) {
      mkdirSync(path.dirname(this.file), { recursive: true });
      this.stream = createWriteStream(this.file, { flags: 'a' });
    }
    const line: RunRecord = {
      kind: 'run',
      run: this.run,
      startedAt: new Date().toISOString(),
      functions: Object.fromEntries(
        Object.values(policies.functions).map((f) => [
          f.functionId,
          { principalArn: f.principalArn, grants: f.grants.map(({ action, resource, label }) => ({ action, resource, label })), eventSourceQueues: f.eventSourceQueues },
        ]),
      ),
      warnings: policies.warnings,
    };
    this.write(line);
  }

  record(call: Omit<CallRecord, 'kind' | 'run' | 'at'>): CallRecord {
    const line: CallRecord = { kind: 'call', run: this.run, at: new Date().toISOString(), ...call };
    this.counts.evaluated++;
    if (call.allowed) this.counts.allowed++;
    else {
      this.counts.denied++;
      if (this.denials.length < 1000) this.denials.push(line);
    }
    this.write(line);
    return line;
  }

  get totals(): CallCounts {
    return { ...this.counts };
  }

  /** The denied calls of this run (the first thousand). */
  get denied(): readonly CallRecord[] {
    return this.denials;
  }

  async close(): Promise<void> {
    const stream = this.stream;
    this.stream = undefined;
    if (stream) await new Promise<void>((resolve) => stream.end(() => resolve()));
  }

  private write(line: IamRecord): void {
    this.stream?.write(`${JSON.stringify(line)}\n`);
  }
}

/** Every record of a file (lines that do not parse — a run killed mid-write — are skipped). */
export function readIamRecords(file: string): IamRecord[] {
  if (!existsSync(file)) return [];
  const records: IamRecord[] = [];
  for (const line of readFileSync(file, 'utf8').split('\n')) {
    if (!line.trim()) continue;
    try {
      const value = JSON.parse(line) as IamRecord;
      if (value.kind === 'run' || value.kind === 'call') records.push(value);
    } catch {
      // a partial last line
    }
  }
  return records;
}
