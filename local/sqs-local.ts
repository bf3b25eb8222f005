/** local-aws-sqs, in process, on 127.0.0.1 (SQS JSON + query protocols, DLQ redrive, move tasks). */
import type { Server } from 'node:http';
import { createSqsServer } from 'local-aws-sqs';
import { freePort } from './net';

export interface SqsLocal {
  readonly endpoint: string;
  readonly port: number;
  stop(): Promise<void>;
}

export async function startSqsLocal(options: { port?: number } = {}): Promise<SqsLocal> {
  const port = options.port || (await freePort());
  const server = (await createSqsServer({
    port,
    hostname: '127.0.0.1',
    // Tests and restarts recreate queues by name at once; AWS's 60 s rule would only get in the way.
    emulateQueueCreationLifecycle: false,
  })) as unknown as Server;
  return {
    endpoint: `http://127.0.0.1:${port}`,
    port,
    stop: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections?.();
        server.close(() => resolve());
      }),
  };
}
