/**
 * The operator console in a real browser (the project's headless Chromium, driven from a child
 * process) against the local stack, IAM enforced: sign in with the admin token, every page by its
 * navigation link, each one free of serious or critical axe-core findings, of CSP refusals and of
 * script errors, at 1280×800 and on a phone; a screenshot of each page under
 * .tracepool/test-output/console/. One stack and one browser for the whole file.
 */
import { randomUUID } from 'node:crypto';
import { mkdtempSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type { LocalStack } from '../../local/stack';
import { startTestStack, STACK_START_MS } from '../support/test-stack';
import { startConsoleBrowser, type ConsoleBrowser } from '../support/console-browser';
import type { TraceRecord } from '../../lambdas/traces/trace-record';

let stack: LocalStack;
let browser: ConsoleBrowser;

beforeAll(async () => {
  browser = startConsoleBrowser();
  [stack] = await Promise.all([
    startTestStack('e2e-console', {
      schedules: false,
      proxyCount: 2,
      env: { LEASE_COOLDOWN_MS: '100', TRACKIER_MIN_CREATE_INTERVAL_MS: '20' },
      log: (line) => process.env.E2E_DEBUG && console.log(line),
    }),
    browser.open({ width: 1280, height: 800 }),
  ]);
}, STACK_START_MS);

afterAll(async () => {
  await browser?.close();
  await stack?.stepFunctions?.idle();
  await stack?.stop();
}, 60_000);

/** The page is clean: no serious or critical axe finding, no CSP refusal, no script error. */
async function expectCleanPage(name: string): Promise<void> {
  expect({ page: name, violations: await browser.axe() }).toEqual({ page: name, violations: [] });
  const seen = await browser.diagnostics();
  expect({ page: name, csp: seen.cspViolations, errors: seen.pageErrors }).toEqual({ page: name, csp: [], errors: [] });
  await browser.screenshot(name);
}

test('signs in with the admin token and shows the overview, clean and keyboard-reachable', async () => {
  await browser.goto(`${stack.url}/console`);
  await browser.waitForText('Sign in to Tracepool');
  await expectCleanPage('sign-in');

  await browser.fill('Admin token', 'not-the-token');
  await browser.click('Sign in', 'button');
  await browser.waitForText('That admin token was not accepted.');
  await browser.diagnostics(); // the refused sign-in's 403 is expected

  await browser.fill('Admin token', stack.adminToken);
  await browser.click('Sign in', 'button');
  await browser.waitForText('Health:');
  await browser.waitForText('Pool by country and state');
  expect(await browser.names('link')).toEqual(expect.arrayContaining(['Overview', 'Offers', 'Traces', 'Pool', 'Alerts', 'Trackier', 'Analytics']));
  const text = await browser.text();
  expect(text).toMatch(/Queue depth/);
  expect(text).toMatch(/Success rate/);
  expect(text).toMatch(/Trace time/);
  expect(text).toMatch(/\bUS\b/); // the demo pool's country
  await expectCleanPage('overview');

  // The keyboard: the skip link comes first, then the navigation, in order.
  await browser.goto(`${stack.url}/console`);
  await browser.waitForText('Health:');
  const tabbed: string[] = [];
  for (let i = 0; i < 4; i++) {
    await browser.press('Tab');
    tabbed.push((await browser.focused())?.name ?? '');
  }
  expect(tabbed).toEqual(['Skip to content', 'Tracepool console home', 'Overview', 'Offers']);
  await browser.press('Enter');
  await browser.waitForText('New offer', 20_000);
  expect(await browser.url()).toBe(`${stack.url}/console/offers`);
}, 90_000);

const OFFER = 'console-e2e';
const GCLID = 'console-e2e-click';

/** The offer's trace of this click, once it is final (through the admin API, as the CLI would read it). */
async function finalTrace(gclid: string): Promise<TraceRecord> {
  for (const deadline = Date.now() + 30_000; Date.now() < deadline; await new Promise((r) => setTimeout(r, 250))) {
    const res = await fetch(`${stack.url}/admin/traces?offerId=${OFFER}&limit=20`, { headers: { authorization: `Bearer ${stack.adminToken}` } });
    const trace = ((await res.json()) as { traces: TraceRecord[] }).traces.find((t) => t.request.params.gclid === gclid);
    if (trace && !['queued', 'running', 'retry_scheduled'].includes(trace.status)) return trace;
  }
  throw new Error(`no final trace of ${gclid}`);
}

test('creates an offer, clicks it as a browser would, and shows its trace with the hop chain', async () => {
  await browser.goto(`${stack.url}/console/offers`);
  await browser.click('New offer', 'button');
  await browser.fill('Offer id', OFFER);
  await browser.fill('Redirect URL', `${stack.url}/demo/landing`);
  await browser.fill('Tracking URL', `${stack.url}/demo/aff/click`);
  await browser.fill('Country', 'us');
  await expectCleanPage('offer-new');
  await browser.click('Save', 'button');
  await browser.waitForText('Click URL');
  expect(await browser.url()).toBe(`${stack.url}/console/offers/${OFFER}`);
  await browser.waitForText('Not resolved yet');

  // The click, in the browser (a desktop Chrome's user agent: headless Chromium's own is a bot's).
  const clickUrl = await browser.href(`${stack.url}/c/${OFFER}`);
  const landed = await browser.goto(`${clickUrl}?gclid=${GCLID}`);
  expect(landed.url).toMatch(new RegExp(`^${stack.url}/demo/landing\\?gclid=${GCLID}`));
  const trace = await finalTrace(GCLID);
  expect(trace.status).toBe('completed');
  expect(trace.hops!.length).toBeGreaterThanOrEqual(3);

  await browser.goto(`${stack.url}/console/traces?offer=${OFFER}`);
  await browser.waitForText('completed');
  await browser.click(`Trace ${trace.traceId}`, 'link');
  await browser.waitForText('Hop chain (');
  const page = await browser.text();
  for (const hop of trace.hops!) expect(page).toContain(hop.url);
  expect(page).toMatch(/Google Ads parallel tracking/);
  expect(page).toMatch(/Click-id survival/);
  await expectCleanPage('trace');

  await browser.click('Traces', 'link');
  await browser.waitForText('Requeue failed traces');
  await browser.click('Requeue all', 'button');
  await browser.waitForText('Requeue done:');
  await expectCleanPage('traces');
}, 90_000);

test("shows an offer's resolution, history, hourly chart and recent traces, and traces it now", async () => {
  await browser.goto(`${stack.url}/console/offers/${OFFER}`);
  await browser.waitForText('Clicks and trace outcomes by hour');
  await browser.waitForText(`${stack.url}/demo/landing?gclid=${GCLID}`);
  await browser.click('Trace now', 'button');
  await browser.waitForText('completed in', 60_000);
  const made = await browser.text();
  expect(made).toContain(`${stack.url}/demo/aff/click`);
  expect(made).toContain(`${stack.url}/demo/aff/route`);
  await expectCleanPage('offer');

  await browser.click('Offers', 'link');
  await browser.waitForText('Current landing');
  await expectCleanPage('offers');
}, 90_000);

test('manages the pool: disables and enables an IP, imports a CSV with its progress', async () => {
  const proxy = stack.proxies!.proxies[0]!;
  const name = `${proxy.host}:${proxy.port}`;
  await browser.click('Pool', 'link');
  await browser.waitForText(name);
  await browser.click(`Disable ${name}`, 'button');
  await browser.waitForText(`${name} disabled.`);
  await browser.click(`Enable ${name}`, 'button');
  await browser.waitForText(`${name} enabled.`);

  const dir = mkdtempSync(path.join(os.tmpdir(), 'console-e2e-'));
  const csv = path.join(dir, 'ips.csv');
  writeFileSync(csv, 'host,port,country,provider\n203.0.113.10,8080,de,local\n203.0.113.11,8080,de,local\nnot a host,x,de,local\n');
  await browser.upload('CSV file', csv);
  await browser.click('Import', 'button');
  await browser.waitForText('Import done');
  const text = await browser.text();
  expect(text).toContain('3 of 3 records sent: 2 new, 0 updated, 1 rejected');
  expect(text).toMatch(/line 4: /);
  await expectCleanPage('pool');
}, 60_000);

test('lists the open and resolved alerts, with what each means', async () => {
  await stack.runSchedule('HealthCheck');
  await browser.click('Alerts', 'link');
  await browser.waitForText('Resolved lately');
  expect(await browser.text()).toMatch(/Open \(\d+\)/);
  await expectCleanPage('alerts');
}, 60_000);

test("creates an offer's Trackier pairs with their progress, disables one, exports the CSV", async () => {
  await browser.click('Trackier', 'link');
  await browser.fill('Offer id', OFFER);
  await browser.click('Show pairs', 'button');
  await browser.waitForText('no Trackier pairs yet');
  await browser.fill('Pairs', '2');
  await browser.fill('Advertiser id', '7');
  await browser.click('Create pairs', 'button');
  await browser.waitForText('All pairs ready', 30_000);
  await browser.waitForText('2 of 2 pairs ready');
  await browser.waitForText('2 pairs, 2 enabled');
  await browser.click('Disable pair 2', 'button');
  await browser.waitForText('Pair 2 disabled.');
  await browser.click('Export CSV', 'button');
  await browser.waitForText('CSV exported.');
  await expectCleanPage('trackier');
}, 60_000);

test("charts a campaign's hourly impressions and clicks", async () => {
  const campaign = randomUUID();
  const qs = `ad_unit_id=${randomUUID()}&campaign_id=${campaign}&creative_id=${randomUUID()}&page_url=${encodeURIComponent('https://news.example/a')}`;
  await Promise.all([...Array.from({ length: 3 }, () => fetch(`${stack.url}/event/impression?${qs}`)), fetch(`${stack.url}/event/click?${qs}`, { method: 'POST' })]);
  for (let deadline = Date.now() + 30_000; Date.now() < deadline; await new Promise((r) => setTimeout(r, 250))) {
    const res = await fetch(`${stack.url}/admin/metrics/hourly?campaign_id=${campaign}`, { headers: { authorization: `Bearer ${stack.adminToken}` } });
    if (((await res.json()) as { totals: { clicks: number } }).totals.clicks === 1) break;
  }
  await browser.click('Analytics', 'link');
  await browser.fill('Campaign id', campaign);
  await browser.click('Show', 'button');
  await browser.waitForText('3 impressions · 1 click ·');
  await browser.waitForText('Impressions and clicks by hour');
  await expectCleanPage('analytics');
}, 60_000);

test('fits a phone: no sideways scroll, still clean', async () => {
  await browser.open({ width: 390, height: 844, mobile: true });
  await browser.goto(`${stack.url}/console`);
  // sessionStorage is per tab: a new tab signs in again.
  await browser.fill('Admin token', stack.adminToken);
  await browser.click('Sign in', 'button');
  await browser.waitForText('Health:');
  const fits = async () => {
    const { scrollWidth, innerWidth } = await browser.layout();
    expect(scrollWidth).toBeLessThanOrEqual(innerWidth);
  };
  await fits();
  await expectCleanPage('overview-phone');
  // A page of long URLs: they wrap, tables scroll inside their own region.
  await browser.goto(`${stack.url}/console/offers/${OFFER}`);
  await browser.waitForText('Clicks and trace outcomes by hour');
  await fits();
  await expectCleanPage('offer-phone');
}, 60_000);
