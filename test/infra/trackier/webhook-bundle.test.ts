/**
 * The TrackierWebhook bundle stays lean: built exactly as the CDK builds it, it must not contain
 * the SDK's generated clients nor zod (a postback waits on this function's cold start; see
 * lambdas/trackier/webhook.handler.ts and `npm run bench:cold`).
 */
import path from 'node:path';
import { build, type Metafile } from 'esbuild';
import { esbuildOptions } from '../../../contracts/manifest/bundling';
import { functionById } from '../../../contracts/manifest/functions';

const ROOT = path.resolve(__dirname, '../../..');
let metafile: Metafile;
let bytes: number;

beforeAll(async () => {
  const result = await build({
    ...esbuildOptions(ROOT),
    entryPoints: [path.join(ROOT, functionById('TrackierWebhook').entry)],
    write: false,
    outfile: 'index.mjs',
    metafile: true,
    absWorkingDir: ROOT,
  });
  metafile = result.metafile;
  bytes = result.outputFiles.find((f) => f.path.endsWith('index.mjs'))!.contents.byteLength;
});

const inputs = () => Object.keys(metafile.inputs);

it('contains none of the SDK generated clients, and no zod', () => {
  expect(inputs().filter((p) => /node_modules\/@aws-sdk\/(client-[a-z-]+|lib-dynamodb|credential-provider-node|credential-provider-env)\//.test(p))).toEqual([]);
  expect(inputs().filter((p) => /node_modules\/zod\//.test(p))).toEqual([]);
});

it('calls AWS through the lean client', () => {
  expect(inputs()).toEqual(expect.arrayContaining(['lambdas/shared/aws-json-client.ts', 'lambdas/shared/document-store.ts', 'lambdas/shared/lean-secrets.ts']));
});

it('stays small', () => {
  expect(bytes).toBeLessThan(200 * 1024);
});
