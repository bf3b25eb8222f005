/** The lean client's configuration from a Lambda-shaped environment (no network). */
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
  it('needs a region', () => {
    expect(() => awsJsonClientFromEnv(DYNAMODB, {}, {})).toThrow('AWS_REGION is not set');
  });

  it('accepts AWS_DEFAULT_REGION', () => {
    const client = awsJsonClientFromEnv(DYNAMODB, {}, { AWS_DEFAULT_REGION: 'eu-west-1' });
    expect(client).toBeDefined();
    client.destroy();
  });
});
