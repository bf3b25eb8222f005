/**
 * The click function's lean AWS client against a scripted HTTP server on 127.0.0.1: what it sends
 * (signature, target, body), what it retries (the SDK's classification), and what it gives up on.
 * Its behaviour against the real local DynamoDB and SQS is in lean-adapters.test.ts. Also the
 * X-Ray trace header it forwards, compared with the SDK's generated client.
 */
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { DynamoDBClient, GetItemCommand } from '@aws-sdk/client-dynamodb';
import { AwsJsonClient, AwsServiceError, DYNAMODB, SQS, awsJsonClientFromEnv, endpointFromEnv } from '../../../lambdas/shared/aws-json-client';
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
    close: () =>
      new Promise((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

const json =
  (status: number, body: unknown, headers: Record<string, string> = {}): Reply =>
  (res) => {
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
      (res) => {
        res.writeHead(400, { 'x-amzn-ErrorType': 'ValidationException:http://internal.amazon.com/' });
        res.end('{"Message":"bad key"}');
      },
      (res) => {
        res.writeHead(403, { 'content-type': 'text/html' });
        res.end('<html>denied</html>');
      },
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

describe('X-Ray trace header', () => {
  const TRACE_1 = 'Root=1-6744a1b2-0123456789abcdef01234567;Parent=53995c3f42cd8ad8;Sampled=1';
  const TRACE_2 = 'Root=1-6744a1b3-89abcdef0123456789abcdef;Parent=1a2b3c4d5e6f7a8b;Sampled=0';
  const lambdaEnv = (url: URL, extra: NodeJS.ProcessEnv = {}): NodeJS.ProcessEnv => ({
    AWS_REGION: 'eu-west-1',
    AWS_ACCESS_KEY_ID: 'AKIDEXAMPLE',
    AWS_SECRET_ACCESS_KEY: 'secret',
    AWS_ENDPOINT_URL_DYNAMODB: url.href,
    AWS_LAMBDA_FUNCTION_NAME: 'Tracepool-dev-Stateless-Click',
    ...extra,
  });

  it("forwards the current invocation's X-Amzn-Trace-Id on every request, unsigned", async () => {
    const server = await scripted([json(200, {})]);
    const env = lambdaEnv(server.url, { _X_AMZN_TRACE_ID: TRACE_1 });
    const c = awsJsonClientFromEnv(DYNAMODB, {}, env);
    try {
      await c.call('GetItem', {});
      // Lambda rewrites the variable before each invocation; the same (module-scope) client follows it.
      env._X_AMZN_TRACE_ID = TRACE_2;
      await c.call('GetItem', {});
      expect(server.seen.map((r) => r.headers['x-amzn-trace-id'])).toEqual([TRACE_1, TRACE_2]);
      // Not part of the signature, so a trace header rewritten on the way cannot break it.
      expect(server.seen[0]!.headers.authorization).toMatch(/SignedHeaders=/);
      expect(server.seen[0]!.headers.authorization).not.toContain('x-amzn-trace-id');
    } finally {
      c.destroy();
      await server.close();
    }
  });

  it('sends none outside Lambda or without a trace, as the SDK does', async () => {
    const server = await scripted([json(200, {})]);
    const outside = awsJsonClientFromEnv(DYNAMODB, {}, lambdaEnv(server.url, { AWS_LAMBDA_FUNCTION_NAME: undefined, _X_AMZN_TRACE_ID: TRACE_1 }));
    const untraced = awsJsonClientFromEnv(DYNAMODB, {}, lambdaEnv(server.url));
    try {
      await outside.call('GetItem', {});
      await untraced.call('GetItem', {});
      expect(server.seen.map((r) => r.headers['x-amzn-trace-id'])).toEqual([undefined, undefined]);
    } finally {
      outside.destroy();
      untraced.destroy();
      await server.close();
    }
  });

  it("sends the same header as the SDK's generated client in the same environment", async () => {
    const server = await scripted([json(200, {})]);
    const env = lambdaEnv(server.url, { _X_AMZN_TRACE_ID: TRACE_1 });
    const saved = { name: process.env.AWS_LAMBDA_FUNCTION_NAME, trace: process.env._X_AMZN_TRACE_ID };
    // The SDK reads the process environment itself.
    process.env.AWS_LAMBDA_FUNCTION_NAME = env.AWS_LAMBDA_FUNCTION_NAME;
    process.env._X_AMZN_TRACE_ID = TRACE_1;
    const sdk = new DynamoDBClient({ region: 'eu-west-1', endpoint: server.url.href, credentials: { accessKeyId: 'AKIDEXAMPLE', secretAccessKey: 'secret' } });
    const lean = awsJsonClientFromEnv(DYNAMODB, {}, env);
    try {
      await sdk.send(new GetItemCommand({ TableName: 't', Key: { pk: { S: 'a' } } }));
      await lean.call('GetItem', { TableName: 't', Key: { pk: { S: 'a' } } });
      const [fromSdk, fromLean] = server.seen;
      expect(fromSdk!.headers['x-amzn-trace-id']).toBe(TRACE_1);
      expect(fromLean!.headers['x-amzn-trace-id']).toBe(fromSdk!.headers['x-amzn-trace-id']);
    } finally {
      sdk.destroy();
      lean.destroy();
      await server.close();
      for (const [key, value] of [
        ['AWS_LAMBDA_FUNCTION_NAME', saved.name],
        ['_X_AMZN_TRACE_ID', saved.trace],
      ] as const) {
        if (value === undefined) delete process.env[key];
        else process.env[key] = value;
      }
    }
  });
});
