/**
 * local-aws-sqs on 127.0.0.1 (SQS JSON + query protocols, DLQ redrive, move tasks), served from
 * its own worker thread (sqs-local-thread.cjs) so the queue stays responsive however busy the
 * local stack's main thread is.
 */
import path from 'node:path';
import { Worker } from 'node:worker_threads';
import { freePort } from './net';

export interface SqsLocal {
  readonly endpoint: string;
  readonly port: number;
  stop(): Promise<void>;
}

export async function startSqsLocal(options: { port?: number } = {}): Promise<SqsLocal> {
  const port = options.port || (await freePort());
  const thread = new Worker(path.join(__dirname, 'sqs-local-thread.cjs'), { workerData: { port }, name: 'local SQS' });
  await new Promise<void>((resolve, reject) => {
    thread.once('message', (message: { ready?: boolean; error?: string }) => (message.ready ? resolve() : reject(new Error(`local SQS: ${message.error}`))));
    thread.once('error', reject);
    thread.once('exit', (code) => reject(new Error(`local SQS exited (${code}) before listening`)));
  });
  return {
    endpoint: `http://127.0.0.1:${port}`,
    port,
    stop: async () => {
      await thread.terminate();
    },
  };
}
