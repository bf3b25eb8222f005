/**
 * The click bundle stays lean: built exactly as the CDK builds it, it must not contain the SDK's
 * generated clients (their import alone costs more than the whole cold-start budget; see
 * lambdas/shared/aws-json-client.ts and `npm run bench:click`), nor the geo database reader (TraceStarter's).
 */
import path from 'node:path';
import { build, type Metafile } from 'esbuild';
import { BUNDLE, esbuildOptions, nodeOptions } from '../../contracts/manifest/bundling';
import { FUNCTIONS } from '../../contracts/manifest/functions';

const ROOT = path.resolve(__dirname, '../..');
const click = FUNCTIONS.find((f) => f.id === 'Click')!;

let metafile: Metafile;
let bytes: number;

beforeAll(async () => {
  const result = await build({
    ...esbuildOptions(ROOT),
    entryPoints: [path.join(ROOT, click.entry)],
    write: false,
    outfile: 'index.mjs',
    metafile: true,
    absWorkingDir: ROOT,
  });
  metafile = result.metafile;
  bytes = result.outputFiles.find((f) => f.path.endsWith('index.mjs'))!.contents.byteLength;
});

const inputs = () => Object.keys(metafile.inputs);

it('contains none of the SDK generated clients', () => {
  const heavy = inputs().filter((p) => /node_modules\/@aws-sdk\/(client-[a-z-]+|lib-dynamodb|credential-provider-node|credential-provider-env)\//.test(p));
  expect(heavy).toEqual([]);
});

it('signs and sends with the SDK building blocks', () => {
  const packages = new Set(
    inputs()
      .map((p) => p.match(/node_modules\/(@[^/]+\/[^/]+|[^/]+)\//)?.[1])
      .filter(Boolean),
  );
  expect([...packages]).toEqual(expect.arrayContaining(['@smithy/signature-v4', '@smithy/node-http-handler', '@aws-sdk/util-dynamodb']));
});

it('holds no country database reader: clicks carry the address, the starter resolves it', () => {
  expect(inputs().filter((p) => /mmdb-lib|lambdas\/geo\//.test(p))).toEqual([]);
});

it('stays small', () => {
  expect(bytes).toBeLessThan(200 * 1024);
});

it('runs without --enable-source-maps in Lambda (its map still ships)', () => {
  expect(nodeOptions(click)).toBe('');
  expect(BUNDLE.sourceMap).toBe(true);
  expect(nodeOptions(FUNCTIONS.find((f) => f.id !== 'Click')!)).toBe('--enable-source-maps');
});
