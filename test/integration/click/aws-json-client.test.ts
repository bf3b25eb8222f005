/**
 * The click function's lean AWS client against a scripted HTTP server on 127.0.0.1: what it sends
 * (signature, target, body), what it retries (the SDK's classification), and what it gives up on.
 * Its behaviour against the real local DynamoDB and SQS is in lean-adapters.test.ts.
 */
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { AwsJsonClient, AwsServiceError, DYNAMODB, SQS, endpointFromEnv } from '../../../lambdas/shared/aws-json-client';
import { freePort } from '../../../local/net';

interface Seen {
  headers: http.IncomingHttpHeaders;
  body: string;
}
type Reply = (res: http.ServerResponse) => void;

/** A server that answers the n-th request with replies[n] (the last reply repeats). */
async function scripted(replies: Reply[]): Promise<{ url: URL; seen: Seen[]; close: () => Promise<void> }> {
  const seen: Seen[] = [];
  const server = http.createServer((req, res) => {
    let body = '';
    req.on('data', (c: Buffer) => (body += c.toString()));
    req.on('end', () => {
      seen.push({ headers: req.headers, body });
      replies[Math.min(seen.length - 1, replies.length - 1)]!(res);
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: new URL(`http://127.0.0.1:${port}`),
    seen,
    close: () => new Promise((resolve) => { server.closeAllConnections(); server.close(() => resolve()); }),
  };
}

const json = (status: number, body: unknown, headers: Record<string, string> = {}): Reply => (res) => {
  res.writeHead(status, { 'content-type': 'application/x-amz-json-1.0', ...headers });
  res.end(JSON.stringify(body));
};
const never: Reply = () => undefined;

function client(url: URL, options: Partial<ConstructorParameters<typeof AwsJsonClient>[1]> = {}, service = DYNAMODB) {
  return new AwsJsonClient(service, {
    region: 'eu-west-1',
    endpoint: url,
    credentials: { accessKeyId: 'AKIDEXAMPLE', secretAccessKey: 'secret', sessionToken: 'session' },
    ...options,
  });
}

describe('AwsJsonClient', () => {
  it('sends a signed JSON 1.0 request and returns the parsed answer', async () => {
    const server = await scripted([json(200, { Item: { pk: { S: 'a' } } })]);
    const c = client(server.url);
    try {
      const out = await c.call('GetItem', { TableName: 't', Key: { pk: { S: 'a' } } });
      expect(out).toEqual({ Item: { pk: { S: 'a' } } });
      const [req] = server.seen;
      expect(req!.headers['x-amz-target']).toBe('DynamoDB_20120810.GetItem');
      expect(req!.headers['content-type']).toBe('application/x-amz-json-1.0');
      expect(req!.headers['x-amz-security-token']).toBe('session');
      expect(req!.headers.authorization).toMatch(
        /^AWS4-HMAC-SHA256 Credential=AKIDEXAMPLE\/\d{8}\/eu-west-1\/dynamodb\/aws4_request, SignedHeaders=[^,]*x-amz-target[^,]*, Signature=[0-9a-f]{64}$/,
      );
      expect(JSON.parse(req!.body)).toEqual({ TableName: 't', Key: { pk: { S: 'a' } } });
    } finally {
      c.destroy();
      await server.close();
    }
  });

  it('signs for SQS with the AmazonSQS target', async () => {
    const server = await scripted([json(200, { MessageId: 'm' })]);
    const c = client(server.url, {}, SQS);
    try {
      await c.call('SendMessage', { QueueUrl: 'q', MessageBody: 'b' });
      expect(server.seen[0]!.headers['x-amz-target']).toBe('AmazonSQS.SendMessage');
      expect(server.seen[0]!.headers.authorization).toContain('/eu-west-1/sqs/aws4_request');
    } finally {
      c.destroy();
      await server.close();
    }
  });

  it('retries a 5xx answer and returns the next success', async () => {
    const server = await scripted([json(503, { __type: 'ServiceUnavailable' }), json(200, { ok: true })]);
    const c = client(server.url);
    try {
      expect(await c.call('GetItem', {})).toEqual({ ok: true });
      expect(server.seen).toHaveLength(2);
    } finally {
      c.destroy();
      await server.close();
    }
  });

  it('does not retry a client error and names it as the SDK would', async () => {
    const server = await scripted([
      json(400, { __type: 'com.amazonaws.dynamodb.v20120810#ResourceNotFoundException', message: 'Requested resource not found' }, { 'x-amzn-requestid': 'r-1' }),
    ]);
    const c = client(server.url);
    try {
      const error = await c.call('GetItem', {}).catch((e: unknown) => e);
      expect(error).toBeInstanceOf(AwsServiceError);
      expect(error).toMatchObject({
        name: 'ResourceNotFoundException',
        code: 'ResourceNotFoundException',
        message: 'Requested resource not found',
        $metadata: { httpStatusCode: 400, requestId: 'r-1' },
      });
      expect(server.seen).toHaveLength(1);
    } finally {
      c.destroy();
      await server.close();
    }
  });

  it('reads the error type from x-amzn-ErrorType and keeps only the status of a non-JSON body', async () => {
    const server = await scripted([
      (res) => { res.writeHead(400, { 'x-amzn-ErrorType': 'ValidationException:http://internal.amazon.com/' }); res.end('{"Message":"bad key"}'); },
      (res) => { res.writeHead(403, { 'content-type': 'text/html' }); res.end('<html>denied</html>'); },
    ]);
    const c = client(server.url, { maxAttempts: 1 });
    try {
      await expect(c.call('GetItem', {})).rejects.toMatchObject({ name: 'ValidationException', message: 'bad key' });
      await expect(c.call('GetItem', {})).rejects.toMatchObject({ name: 'Http403', $metadata: { httpStatusCode: 403 } });
    } finally {
      c.destroy();
      await server.close();
    }
  });

  it('gives up after maxAttempts with the last error', async () => {
    const server = await scripted([json(500, { __type: 'InternalServerError', message: 'boom' })]);
    const c = client(server.url, { maxAttempts: 2 });
    try {
      await expect(c.call('GetItem', {})).rejects.toMatchObject({ name: 'InternalServerError', $metadata: { httpStatusCode: 500 } });
      expect(server.seen).toHaveLength(2);
    } finally {
      c.destroy();
      await server.close();
    }
  });

  it('times out a silent server per attempt, and retries', async () => {
    const server = await scripted([never]);
    const c = client(server.url, { maxAttempts: 2, requestTimeoutMs: 150 });
    const started = Date.now();
    try {
      await expect(c.call('SendMessage', {})).rejects.toMatchObject({ name: 'TimeoutError' });
      expect(server.seen).toHaveLength(2);
      expect(Date.now() - started).toBeLessThan(5_000);
    } finally {
      c.destroy();
      await server.close();
    }
  });

  it('treats a refused connection as transient and retries it', async () => {
    const c = client(new URL(`http://127.0.0.1:${await freePort()}`), { maxAttempts: 2 });
    try {
      await expect(c.call('GetItem', {})).rejects.toMatchObject({ code: 'ECONNREFUSED' });
    } finally {
      c.destroy();
    }
  });
});

describe('endpointFromEnv', () => {
  it('prefers the service variable, then the global one, then the regional endpoint', () => {
    expect(endpointFromEnv(SQS, 'us-east-1', { AWS_ENDPOINT_URL_SQS: 'http://127.0.0.1:9324', AWS_ENDPOINT_URL: 'http://x' }).href).toBe('http://127.0.0.1:9324/');
    expect(endpointFromEnv(SQS, 'us-east-1', { AWS_ENDPOINT_URL: 'http://127.0.0.1:4566' }).href).toBe('http://127.0.0.1:4566/');
    expect(endpointFromEnv(DYNAMODB, 'eu-central-1', {}).href).toBe('https://dynamodb.eu-central-1.amazonaws.com/');
    expect(endpointFromEnv(SQS, 'cn-north-1', {}).href).toBe('https://sqs.cn-north-1.amazonaws.com.cn/');
  });
});
