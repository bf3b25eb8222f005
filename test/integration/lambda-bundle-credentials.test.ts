/**
 * The Lambda bundles swap the SDK's default credential chain for the environment variables Lambda
 * sets (lambdas/shared/lambda-credentials.ts, an esbuild alias). A bundle built as the CDK builds
 * it must still sign its calls, here against DynamoDB Local, and say so when the variables are missing.
 */
import { execFile } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { build } from 'esbuild';
import { esbuildOptions } from '../../contracts/manifest/bundling';
import { localDynamo } from '../support/local-endpoints';

const ROOT = path.resolve(__dirname, '../..');
const run = promisify(execFile);
const dir = mkdtempSync(path.join(os.tmpdir(), 'tracepool-bundle-'));
const bundle = path.join(dir, 'index.mjs');
const { endpoint } = localDynamo();

beforeAll(async () => {
  await build({
    ...esbuildOptions(ROOT),
    stdin: {
      contents:
        "import { DynamoDBClient, ListTablesCommand } from '@aws-sdk/client-dynamodb';\n" +
        'const out = await new DynamoDBClient({}).send(new ListTablesCommand({ Limit: 1 }));\n' +
        'console.log(JSON.stringify({ ok: Array.isArray(out.TableNames) }));\n',
      resolveDir: ROOT,
      loader: 'ts',
    },
    outfile: bundle,
  });
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const invoke = (env: NodeJS.ProcessEnv) =>
  run(process.execPath, [bundle], { env: { PATH: process.env.PATH, AWS_REGION: 'us-east-1', AWS_ENDPOINT_URL_DYNAMODB: endpoint, ...env } });

it('signs with the credentials Lambda puts in the environment', async () => {
  const { stdout } = await invoke({ AWS_ACCESS_KEY_ID: 'local', AWS_SECRET_ACCESS_KEY: 'local', AWS_SESSION_TOKEN: 'session' });
  expect(JSON.parse(stdout)).toEqual({ ok: true });
});

it('names the missing variables instead of searching profiles or instance metadata', async () => {
  await expect(invoke({})).rejects.toMatchObject({ stderr: expect.stringContaining('AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY are not set') });
});
