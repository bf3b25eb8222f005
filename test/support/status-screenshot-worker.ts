// Child-process side of the status page screenshot test (puppeteer does not load inside jest):
// renders an HTML file in the project's headless Chromium, writes a full-page PNG and prints one
// JSON line with what the test checks. Run: node --import tsx status-screenshot-worker.ts <html> <png>
import { readFile, stat } from 'node:fs/promises';
import { launchChromium } from '../../lambdas/tracer/chromium-launcher';

async function main(): Promise<void> {
  const [htmlPath, pngPath] = process.argv.slice(2);
  if (!htmlPath || !pngPath) throw new Error('usage: status-screenshot-worker <html> <png>');
  const html = await readFile(htmlPath, 'utf8');
  const browser = await launchChromium();
  try {
    const page = await browser.newPage();
    const console: string[] = [];
    const requests: string[] = [];
    page.on('console', (m) => console.push(m.text()));
    page.on('request', (r) => requests.push(r.url()));
    await page.setViewport({ width: 1200, height: 800 });
    await page.setContent(html, { waitUntil: 'load', timeout: 20_000 });
    const probe = await page.evaluate(() => ({
      title: document.title,
      // The inline style only applies if the CSP hash matches it.
      bodyMaxWidth: getComputedStyle(document.body).maxWidth,
      tables: document.querySelectorAll('table').length,
      hops: document.querySelectorAll('ol.chain li').length,
      scripts: document.scripts.length,
    }));
    await page.screenshot({ path: pngPath as `${string}.png`, fullPage: true });
    const { size } = await stat(pngPath);
    process.stdout.write(
      `${JSON.stringify({ ...probe, pngBytes: size, cspErrors: console.filter((c) => /Content Security Policy/i.test(c)), requests: requests.filter((u) => !u.startsWith('about:')) })}\n`,
    );
  } finally {
    await browser.close();
  }
}

main().catch((e: unknown) => {
  process.stderr.write(`${e instanceof Error ? e.stack : String(e)}\n`);
  process.exit(1);
});
