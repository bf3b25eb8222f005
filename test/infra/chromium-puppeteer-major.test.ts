/**
 * puppeteer-core speaks the DevTools protocol of one Chrome major (its "revision"); the browser
 * tracer drives the Chromium that @sparticuz/chromium packages. When the two majors drift apart, CDP
 * methods and events the tracer relies on can change or vanish, and nothing on a developer machine
 * notices until a trace fails in Lambda. Bumping one package without the other fails here.
 */
import fs from 'node:fs';
import path from 'node:path';
import zlib from 'node:zlib';

const ROOT = path.resolve(__dirname, '../..');
const packageDir = (name: string) => path.join(ROOT, 'node_modules', name);
const major = (version: string) => Number(version.split('.')[0]);

/** The Chrome version the installed puppeteer-core targets (its revisions module, wherever the release keeps it). */
function puppeteerChromeVersion(): string {
  const candidates = ['lib/puppeteer/revisions.js', 'lib/cjs/puppeteer/revisions.js', 'lib/esm/puppeteer/revisions.js'];
  const file = candidates.map((c) => path.join(packageDir('puppeteer-core'), c)).find((f) => fs.existsSync(f));
  if (!file) throw new Error(`puppeteer-core: no revisions module among ${candidates.join(', ')}`);
  const match = /\bchrome:\s*['"](\d+\.\d+\.\d+\.\d+)['"]/.exec(fs.readFileSync(file, 'utf8'));
  if (!match) throw new Error(`${file} names no chrome revision`);
  return match[1]!;
}

const chromiumPackageVersion = (): string =>
  (JSON.parse(fs.readFileSync(path.join(packageDir('@sparticuz/chromium'), 'package.json'), 'utf8')) as { version: string }).version;

it("puppeteer-core targets the packaged Chromium's major", () => {
  expect(major(puppeteerChromeVersion())).toBe(major(chromiumPackageVersion()));
});

it('the packaged Chromium binary is the major its package claims', () => {
  // The package version is a label; the binary's own user-agent string is what runs.
  const binary = zlib.brotliDecompressSync(fs.readFileSync(path.join(packageDir('@sparticuz/chromium'), 'bin', 'chromium.br')));
  const needle = Buffer.from('Chrome/');
  let embedded: RegExpExecArray | null = null;
  // Buffer.indexOf, not a regex over a 200 MB string: the first "Chrome/<a.b.c.d>" is the version.
  for (let at = binary.indexOf(needle); at !== -1 && !embedded; at = binary.indexOf(needle, at + 1)) {
    embedded = /^Chrome\/(\d+)\.\d+\.\d+\.\d+/.exec(binary.subarray(at, at + 32).toString('latin1'));
  }
  expect(embedded).not.toBeNull();
  expect(Number(embedded![1])).toBe(major(chromiumPackageVersion()));
});
