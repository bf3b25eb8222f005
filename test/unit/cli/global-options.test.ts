/** `tracepool --version` and `--profile`: the named profile's credentials sign the admin calls. */
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import type { StackTarget } from '../../../bin/commands/admin-http';
import { runCli } from './run-cli';

test('--version prints the package version and exits 0', async () => {
  const { version } = JSON.parse(readFileSync(path.join(__dirname, '../../../package.json'), 'utf8')) as { version: string };
  const r = await runCli(['--version'], () => ({ status: 200 }));
  expect(r).toMatchObject({ exitCode: 0, out: `${version}\n` });
});

describe('--profile', () => {
  const saved = { ...process.env };
  beforeEach(() => {
    const dir = mkdtempSync(path.join(tmpdir(), 'tracepool-aws-'));
    writeFileSync(
      path.join(dir, 'credentials'),
      '[default]\naws_access_key_id = AKIADEFAULT\naws_secret_access_key = d\n\n[ops]\naws_access_key_id = AKIAOPSPROFILE\naws_secret_access_key = o\n',
    );
    writeFileSync(path.join(dir, 'config'), '[default]\nregion = us-east-1\n\n[profile ops]\nregion = eu-west-1\n');
    for (const k of ['AWS_ACCESS_KEY_ID', 'AWS_SECRET_ACCESS_KEY', 'AWS_SESSION_TOKEN', 'AWS_PROFILE', 'AWS_REGION', 'AWS_DEFAULT_REGION']) delete process.env[k];
    process.env.AWS_SHARED_CREDENTIALS_FILE = path.join(dir, 'credentials');
    process.env.AWS_CONFIG_FILE = path.join(dir, 'config');
  });
  afterEach(() => {
    process.env = { ...saved };
  });

  it('reaches the credential provider that looks up the stack and signs every call', async () => {
    const lookups: { target: StackTarget; accessKeyId: string }[] = [];
    const r = await runCli(['--stack', 'Tracepool-dev', '--profile', 'ops', 'ips', 'list', '--json'], () => ({ status: 200, body: { ips: [] } }), {
      lookupStack: async (target, credentials) => {
        lookups.push({ target, accessKeyId: (await credentials()).accessKeyId });
        return { url: 'https://api.example/', region: 'eu-west-1' };
      },
    });
    expect(r.exitCode).toBe(0);
    expect(lookups).toEqual([{ target: { stack: 'Tracepool-dev', profile: 'ops', region: undefined }, accessKeyId: 'AKIAOPSPROFILE' }]);
    expect(r.requests).toHaveLength(1);
    expect(r.requests[0]!.url).toBe('https://api.example/admin/ips');
    expect(r.requests[0]!.headers.authorization).toMatch(/^AWS4-HMAC-SHA256 Credential=AKIAOPSPROFILE\/\d{8}\/eu-west-1\/execute-api\/aws4_request/);
  });

  it('without --profile the default chain signs', async () => {
    const r = await runCli(['--stack', 'Tracepool-dev', 'ips', 'list'], () => ({ status: 200, body: { ips: [] } }), {
      lookupStack: async () => ({ url: 'https://api.example/', region: 'us-east-1' }),
    });
    expect(r.requests[0]!.headers.authorization).toMatch(/Credential=AKIADEFAULT\//);
  });

  it('is refused without --stack (the local stack takes a token, not AWS credentials)', async () => {
    const r = await runCli(['--profile', 'ops', 'ips', 'list'], () => ({ status: 200, body: { ips: [] } }));
    expect(r).toMatchObject({ exitCode: 1, err: 'error: --profile signs calls to a deployed stack: give --stack too\n', requests: [] });
  });
});
