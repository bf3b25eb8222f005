// Public API of the redirect-chain tracer: trace() and the building blocks the CLI and tests use.
import { traceAuto, type AutoTraceOptions } from './auto-tracer';
import { traceBrowser } from './browser-tracer';
import { traceHttp } from './http-tracer';
import { buildResult } from './result';
import type { TraceResult } from './types';

export type TraceModeOption = 'auto' | 'http' | 'browser';

export interface TraceOptions extends AutoTraceOptions {
  /** Default 'auto'. */
  mode?: TraceModeOption;
}

/**
 * Traces a redirect chain. Never throws: every failure comes back as a result with an outcome and
 * an `error` whose class tells the pipeline whom to blame.
 */
export async function trace(url: string, options: TraceOptions = {}): Promise<TraceResult> {
  try {
    switch (options.mode ?? 'auto') {
      case 'http':
        return (await traceHttp(url, options)).result;
      case 'browser':
        return await traceBrowser(url, options);
      default:
        return await traceAuto(url, options);
    }
  } catch (e) {
    return buildResult({
      outcome: 'error',
      finalUrl: url,
      mode: options.mode === 'browser' ? 'browser' : 'http',
      hops: [{ url, status: 0, kind: 'start', ms: 0 }],
      proxyBytes: 0,
      ms: 0,
      clickIdParams: options.clickIdParams,
      error: { class: 'internal', message: e instanceof Error ? e.message : String(e) },
    });
  }
}

export { traceHttp, type HttpTraceOptions, type HttpTraceRun } from './http-tracer';
export { traceBrowser, type BrowserTraceOptions, type BrowserCookie, DEFAULT_SETTLE_MS } from './browser-tracer';
export { traceAuto, InMemoryModeMemory, type ModeMemory, type AutoTraceOptions } from './auto-tracer';
export { createBrowserProvider, sharedBrowser, launchChromium, resolveExecutablePath, chromiumArgs, type BrowserProvider } from './chromium-launcher';
export { parseDeclarativeRefresh, type DeclarativeRefresh } from './declarative-refresh';
export { analyzeScript, type ScriptVerdict, type StaticNavigation } from './js-redirect';
export { analyzePage, type PageDecision, type PageInput } from './page-analysis';
export { type NeedsBrowserVerdict, type NeedsBrowserReason } from './needs-browser';
export { classifyAddress, checkAddress, assertUrlAllowed, assertHostResolvesAllowed, SsrfBlockedError, type SsrfPolicy } from './ssrf-guard';
export { adsCompatibility } from './ads-compatibility';
export { trackClickIds, STANDARD_CLICK_IDS } from './click-ids';
export { LIMITS, type Truncation } from './limits';
export * from './types';
