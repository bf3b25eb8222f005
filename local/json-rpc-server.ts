/**
 * A tiny endpoint for AWS services that speak the JSON protocol (X-Amz-Target), used by the
 * local stack for Step Functions and Secrets Manager so the handlers' SDK calls work unchanged.
 */
import http from 'node:http';
import { freePort } from './net';

export class ServiceError extends Error {
  constructor(
    readonly type: string,
    message: string,
    readonly status = 400,
  ) {
    super(message);
  }
}

/** `Service.Operation` → handler; Service is the X-Amz-Target prefix (e.g. AWSStepFunctions). */
export type JsonRpcHandlers = Record<string, (input: Record<string, unknown>) => Promise<unknown>>;

export async function startJsonRpcServer(handlers: JsonRpcHandlers): Promise<{ endpoint: string; stop(): Promise<void> }> {
  const server = http.createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const target = String(req.headers['x-amz-target'] ?? '');
      const reply = (status: number, body: unknown, type?: string) => {
        const text = JSON.stringify(body);
        res.writeHead(status, {
          'content-type': 'application/x-amz-json-1.0',
          'content-length': String(Buffer.byteLength(text)),
          ...(type ? { 'x-amzn-errortype': type } : {}),
        });
        res.end(text);
      };
      const handler = handlers[target];
      if (!handler) return reply(400, { __type: 'UnknownOperationException', message: `${target} is not supported locally` }, 'UnknownOperationException');
      let input: Record<string, unknown> = {};
      try {
        input = chunks.length ? (JSON.parse(Buffer.concat(chunks).toString('utf8')) as Record<string, unknown>) : {};
      } catch {
        return reply(400, { __type: 'SerializationException', message: 'body is not JSON' }, 'SerializationException');
      }
      handler(input).then(
        (out) => reply(200, out ?? {}),
        (error: unknown) => {
          if (error instanceof ServiceError) return reply(error.status, { __type: error.type, message: error.message }, error.type);
          reply(500, { __type: 'InternalFailure', message: (error as Error).message }, 'InternalFailure');
        },
      );
    });
  });
  const port = await freePort();
  await new Promise<void>((resolve) => server.listen(port, '127.0.0.1', () => resolve()));
  return {
    endpoint: `http://127.0.0.1:${port}`,
    stop: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}
