/** The lean client's configuration from a Lambda-shaped environment (no network: requests are captured). */
import { Readable } from 'node:stream';
import { NodeHttpHandler } from '@smithy/node-http-handler';
import { HttpResponse, type HttpRequest } from '@smithy/core/protocols';
import { awsJsonClientFromEnv, DYNAMODB } from '../../../lambdas/shared/aws-json-client';
import { lambdaEnvCredentials } from '../../../lambdas/shared/lambda-credentials';

describe('lambdaEnvCredentials', () => {
  it('reads the role session Lambda puts in the environment, at each call', async () => {
    const env: NodeJS.ProcessEnv = { AWS_ACCESS_KEY_ID: 'AKID', AWS_SECRET_ACCESS_KEY: 's1', AWS_SESSION_TOKEN: 't1' };
    const provider = lambdaEnvCredentials(env);
    expect(await provider()).toEqual({ accessKeyId: 'AKID', secretAccessKey: 's1', sessionToken: 't1' });
    env.AWS_SECRET_ACCESS_KEY = 's2';
    delete env.AWS_SESSION_TOKEN;
    expect(await provider()).toEqual({ accessKeyId: 'AKID', secretAccessKey: 's2' });
  });

  it('says which variables are missing', async () => {
    await expect(lambdaEnvCredentials({ AWS_ACCESS_KEY_ID: 'AKID' })()).rejects.toThrow('AWS_SECRET_ACCESS_KEY');
  });
});

describe('awsJsonClientFromEnv', () => {
  /** The request the client would send, captured before it reaches the network, answered with `{}`. */
  async function sentRequest(env: NodeJS.ProcessEnv): Promise<HttpRequest> {
    const handle = jest.spyOn(NodeHttpHandler.prototype, 'handle').mockResolvedValue({
      response: new HttpResponse({ statusCode: 200, headers: {}, body: Readable.from([Buffer.from('{}')]) }),
    });
    const client = awsJsonClientFromEnv(DYNAMODB, {}, env);
    try {
      await client.call('GetItem', { TableName: 't', Key: { id: { S: '1' } } });
      expect(handle).toHaveBeenCalledTimes(1);
      return handle.mock.calls[0]![0];
    } finally {
      client.destroy();
      handle.mockRestore();
    }
  }
  const credentials = { AWS_ACCESS_KEY_ID: 'AKID', AWS_SECRET_ACCESS_KEY: 'secret', AWS_SESSION_TOKEN: 'token' };

  it('needs a region', () => {
    expect(() => awsJsonClientFromEnv(DYNAMODB, {}, {})).toThrow('AWS_REGION is not set');
  });

  it('accepts AWS_DEFAULT_REGION: the regional endpoint, signed for that region and service', async () => {
    const request = await sentRequest({ ...credentials, AWS_DEFAULT_REGION: 'eu-west-1' });
    expect(request).toMatchObject({ protocol: 'https:', hostname: 'dynamodb.eu-west-1.amazonaws.com', method: 'POST', path: '/' });
    expect(request.headers['x-amz-target']).toBe('DynamoDB_20120810.GetItem');
    expect(request.headers.authorization).toMatch(/^AWS4-HMAC-SHA256 Credential=AKID\/\d{8}\/eu-west-1\/dynamodb\/aws4_request,/);
    expect(request.headers['x-amz-security-token']).toBe('token');
  });

  it('prefers AWS_REGION, and the service endpoint variable over the general one', async () => {
    const request = await sentRequest({
      ...credentials,
      AWS_REGION: 'us-east-2',
      AWS_DEFAULT_REGION: 'eu-west-1',
      AWS_ENDPOINT_URL: 'http://127.0.0.1:1',
      AWS_ENDPOINT_URL_DYNAMODB: 'http://127.0.0.1:8000',
    });
    expect(request).toMatchObject({ protocol: 'http:', hostname: '127.0.0.1', port: 8000 });
    expect(request.headers.authorization).toContain('/us-east-2/dynamodb/aws4_request');
  });

  it("carries the invocation's trace header inside Lambda only", async () => {
    const traced = { ...credentials, AWS_REGION: 'eu-west-1', _X_AMZN_TRACE_ID: 'Root=1-abc' };
    expect((await sentRequest({ ...traced, AWS_LAMBDA_FUNCTION_NAME: 'Click' })).headers['x-amzn-trace-id']).toBe('Root=1-abc');
    expect((await sentRequest(traced)).headers['x-amzn-trace-id']).toBeUndefined();
  });
});
