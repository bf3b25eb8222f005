// The differential suite: every corpus page (test/support/tracer-corpus.ts) traced in browser,
// auto and HTTP mode against the bundled Chromium. The browser must land where the page says
// Chromium lands; auto must give the browser's answer; HTTP mode must give it too, or hand the
// page to the browser — never land somewhere else. One browser serves the whole file.
import { CORPUS, answerOf, startCorpusServer, type CorpusPage, type CorpusServer } from '../../support/tracer-corpus';
import { startRedirectFixtures, type RedirectFixtures } from '../../support/redirect-fixtures';
import { startTraceWorker, type TraceWorker, type WorkerTrace, type WorkerTraceOptions } from '../../support/trace-worker-client';

interface Traced {
  browser: WorkerTrace;
  auto: WorkerTrace;
  http: WorkerTrace;
}

let corpus: CorpusServer;
let fx: RedirectFixtures;
let worker: TraceWorker;
const traced = new Map<string, Traced>();
const options: WorkerTraceOptions = { allowPrivate: true, hopTimeoutMs: 5_000, deadlineMs: 20_000 };
/** Browser traces at once: enough to overlap the pages' own waits, few enough for two cores. */
const CONCURRENCY = 4;

const originOf = (page: CorpusPage): string => (page.start?.startsWith('fixture:') ? fx.origin : corpus.origin);
const startOf = (page: CorpusPage): string => (page.start?.startsWith('fixture:') ? fx.url(page.start.slice('fixture:'.length)) : corpus.url(page.start ?? `/c/${page.id}`));
const expected = (page: CorpusPage): string => (/^[a-z][a-z0-9+.-]*:/i.test(page.lands) ? page.lands : `${originOf(page)}${page.lands}`);
const show = (answer: string, page: CorpusPage): string => answer.replace(originOf(page), '');

beforeAll(async () => {
  corpus = await startCorpusServer();
  fx = await startRedirectFixtures();
  worker = startTraceWorker();
  const queue = [...CORPUS];
  await Promise.all(
    Array.from({ length: CONCURRENCY }, async () => {
      for (let page = queue.shift(); page; page = queue.shift()) {
        const url = startOf(page);
        const [browser, auto, http] = await Promise.all([
          worker.traceDetailed(url, { ...options, mode: 'browser' }),
          worker.traceDetailed(url, { ...options, mode: 'auto' }),
          worker.traceDetailed(url, { ...options, mode: 'http' }),
        ]);
        traced.set(page.id, { browser, auto, http });
      }
    }),
  );
}, 240_000);

afterAll(async () => {
  await worker?.close();
  await fx?.close();
  await corpus?.close();
});

test('the corpus is large enough to mean something', () => {
  expect(CORPUS.length).toBeGreaterThanOrEqual(60);
  expect(new Set(CORPUS.map((p) => p.id)).size).toBe(CORPUS.length);
});

describe.each(CORPUS.map((p) => [p.id, p] as const))('%s', (_id, page) => {
  test(page.what, () => {
    const t = traced.get(page.id)!;
    const browser = answerOf(t.browser.result);
    const deferred = t.http.needsBrowser?.needed === true;
    // The browser lands where Chromium lands (checked by hand against the same binary).
    expect({ browser: show(browser, page) }).toEqual({ browser: show(expected(page), page) });
    // Auto mode gives the browser's answer.
    expect({ auto: show(answerOf(t.auto.result), page) }).toEqual({ auto: show(browser, page) });
    // HTTP mode gives it too, or hands the page over; never a different landing page.
    if (!deferred) expect({ http: show(answerOf(t.http.result), page) }).toEqual({ http: show(browser, page) });
    if (page.http === 'resolves') expect({ httpDeferred: deferred, reason: t.http.needsBrowser?.reason }).toEqual({ httpDeferred: false, reason: undefined });
    if (page.http === 'defers') expect({ httpDeferred: deferred }).toEqual({ httpDeferred: true });
  });
});
