/** bin/commands/output.ts: the one place the CLI prints from. */
import { CliError, EXIT, Output, apiError, exitCodeOfStatus, formatError, respond, table, toCliError } from '../../../bin/commands/output';

const capture = () => {
  let out = '';
  let err = '';
  return {
    io: { stdout: (c: string) => void (out += c), stderr: (c: string) => void (err += c) },
    get out() {
      return out;
    },
    get err() {
      return err;
    },
  };
};

test('a 4xx is a rejected input; a 5xx or any other failing status is unreachable', () => {
  expect([400, 403, 404, 409, 422, 499].map(exitCodeOfStatus)).toEqual([1, 1, 1, 1, 1, 1]);
  expect([500, 502, 503, 504, 302].map(exitCodeOfStatus)).toEqual([2, 2, 2, 2, 2]);
});

test('apiError: one line with the API message, the structured error kept as details', () => {
  const e = apiError('offer shoes', { status: 400, body: { error: 'bad_request', message: 'invalid country' } });
  expect(e).toMatchObject({ message: 'offer shoes: HTTP 400: invalid country', exitCode: 1, details: { error: 'bad_request', message: 'invalid country' } });
  const text = apiError('ips list', { status: 403, body: 'Forbidden\n<html>' });
  expect(text).toMatchObject({ message: 'ips list: HTTP 403: Forbidden', exitCode: 1, details: undefined });
  expect(apiError('traces', { status: 502, body: { code: 'upstream' } })).toMatchObject({ message: 'traces: HTTP 502: upstream', exitCode: 2 });
});

test('thrown errors: network failures and timeouts are unreachable, AWS answers keep their status', () => {
  expect(toCliError(new TypeError('fetch failed'))).toMatchObject({ exitCode: 2, message: 'fetch failed — is the local stack running (npm start)?' });
  expect(toCliError(new DOMException('The operation was aborted due to timeout', 'TimeoutError')).exitCode).toBe(2);
  const missing = Object.assign(new Error('Stack with id Nope-Stateless does not exist'), { $metadata: { httpStatusCode: 400 } });
  expect(toCliError(missing)).toMatchObject({ exitCode: 1, message: 'Stack with id Nope-Stateless does not exist' });
  const throttled = Object.assign(new Error('Rate exceeded'), { $metadata: { httpStatusCode: 503 } });
  expect(toCliError(throttled).exitCode).toBe(2);
  const noCredentials = Object.assign(new Error('Could not resolve credentials using profile: [nope]'), { name: 'CredentialsProviderError' });
  expect(toCliError(noCredentials).exitCode).toBe(1);
  const own = new CliError('--pairs must be an integer from 1 to 20');
  expect(toCliError(own)).toBe(own);
});

test('one error style: error: <message> with the API error indented; a JSON document with --json', () => {
  const e = new CliError('offer shoes: HTTP 400: invalid country', EXIT.rejected, { error: 'bad_request', field: 'country' });
  expect(formatError(e, false)).toBe('error: offer shoes: HTTP 400: invalid country\n  {\n    "error": "bad_request",\n    "field": "country"\n  }');
  expect(formatError(new CliError('no details'), false)).toBe('error: no details');
  expect(JSON.parse(formatError(e, true))).toEqual({
    error: { message: 'offer shoes: HTTP 400: invalid country', exitCode: 1, details: { error: 'bad_request', field: 'country' } },
  });
  expect(JSON.parse(formatError(new CliError('down', EXIT.unreachable), true))).toEqual({ error: { message: 'down', exitCode: 2 } });
});

test('table: columns padded to the widest cell, from rightFrom on right-aligned, no trailing spaces', () => {
  expect(
    table(
      ['NAME', 'N', 'NOTE'],
      [
        ['a', '1', ''],
        ['long name', '100', 'x'],
      ],
    ),
  ).toEqual(['NAME       N    NOTE', 'a          1', 'long name  100  x']);
  expect(
    table(
      ['HOUR', 'CLICKS'],
      [
        ['10', '5'],
        ['11', '120'],
      ],
      { rightFrom: 1 },
    ),
  ).toEqual(['HOUR  CLICKS', '10         5', '11       120']);
});

test('Output: the result as text or as JSON; lines and notes only in text mode', () => {
  const text = capture();
  const t = new Output(text.io, false);
  t.result({ n: 2 }, (v) => `n is ${v.n}`);
  t.line('more');
  t.note('hint: look');
  expect(text.out).toBe('n is 2\nmore\n');
  expect(text.err).toBe('hint: look\n');
  const json = capture();
  const j = new Output(json.io, true);
  j.result({ n: 2 }, () => 'unused');
  j.line('more');
  j.note('hint: look');
  expect(JSON.parse(json.out)).toEqual({ n: 2 });
  expect(json.err).toBe('');
});

describe('respond', () => {
  const before = process.exitCode;
  afterEach(() => (process.exitCode = before));

  it('sets the exit code the body returns, or the error it throws', async () => {
    const c = capture();
    process.exitCode = 0;
    await respond(c.io, {}, async () => EXIT.rejected);
    expect(process.exitCode).toBe(1);
    process.exitCode = 0;
    await respond(c.io, { json: true }, async () => {
      throw new TypeError('fetch failed');
    });
    expect(process.exitCode).toBe(2);
    expect(JSON.parse(c.err).error.exitCode).toBe(2);
    process.exitCode = 0;
    await respond(c.io, {}, async () => undefined);
    expect(process.exitCode).toBe(0);
  });
});
