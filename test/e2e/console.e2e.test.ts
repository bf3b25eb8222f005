/**
 * The operator console in a real browser (the project's headless Chromium, driven from a child
 * process) against the local stack, IAM enforced: sign in with the admin token, every page by its
 * navigation link, each one free of serious or critical axe-core findings, of CSP refusals and of
 * script errors, at 1280×800 and on a phone; a screenshot of each page under
 * .tracepool/test-output/console/. One stack and one browser for the whole file.
 */
import type { LocalStack } from '../../local/stack';
import { startTestStack, STACK_START_MS } from '../support/test-stack';
import { startConsoleBrowser, type ConsoleBrowser } from '../support/console-browser';

let stack: LocalStack;
let browser: ConsoleBrowser;

beforeAll(async () => {
  browser = startConsoleBrowser();
  [stack] = await Promise.all([
    startTestStack('e2e-console', { schedules: false, proxyCount: 1, log: (line) => process.env.E2E_DEBUG && console.log(line) }),
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
  await browser.waitForText(['New offer', 'not in the console yet'], 20_000);
  expect(await browser.url()).toBe(`${stack.url}/console/offers`);
}, 90_000);

test('fits a phone: no sideways scroll, still clean', async () => {
  await browser.open({ width: 390, height: 844, mobile: true });
  await browser.goto(`${stack.url}/console`);
  // sessionStorage is per tab: a new tab signs in again.
  await browser.fill('Admin token', stack.adminToken);
  await browser.click('Sign in', 'button');
  await browser.waitForText('Health:');
  const { scrollWidth, innerWidth } = await browser.layout();
  expect(scrollWidth).toBeLessThanOrEqual(innerWidth);
  await expectCleanPage('overview-phone');
}, 60_000);
