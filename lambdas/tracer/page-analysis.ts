// Decides where a fetched page sends the visitor next without running it: the Refresh header,
// <meta http-equiv=refresh> and static script redirects, in the order a browser would act on them.
import { parseDeclarativeRefresh } from './declarative-refresh';
import { scanHtml, type PageScan } from './html-scan';
import { detectJsRedirect, type JsRedirectScan } from './js-redirect';
import { needsBrowser, type NeedsBrowserVerdict } from './needs-browser';

export type PageNavigationKind = 'refresh-header' | 'meta-refresh' | 'js';

export interface PageNavigation {
  url: string;
  kind: PageNavigationKind;
  delaySeconds: number;
}

export interface PageAnalysis {
  next?: PageNavigation;
  scan: PageScan;
  js: JsRedirectScan;
  needsBrowser: NeedsBrowserVerdict;
}

const sameDocument = (a: string, b: string): boolean => a.replace(/#.*$/, '') === b.replace(/#.*$/, '');

/**
 * Order: an immediate declarative refresh (header before meta, as the header is processed first),
 * then a static script redirect (scripts run during parsing, before a delayed refresh fires), then
 * a delayed refresh, and last a <noscript> refresh, which only a script-less visitor would follow.
 * A refresh without a URL, or to the page itself, is a reload, not a redirect.
 */
export function analyzePage(pageUrl: string, html: string, refreshHeader?: string): PageAnalysis {
  const scan = scanHtml(html);
  let base = pageUrl;
  if (scan.baseHref !== undefined) {
    try {
      base = new URL(scan.baseHref, pageUrl).href;
    } catch {
      // invalid <base href>: the document URL stays the base
    }
  }
  const js = detectJsRedirect(scan.scripts.map((s) => s.text).concat(scan.bodyHandlers));
  const candidates: Array<PageNavigation & { rank: number }> = [];
  const consider = (value: string, kind: PageNavigationKind, baseUrl: string, rankNow: number, rankLater: number): boolean => {
    const parsed = parseDeclarativeRefresh(value, baseUrl);
    if (!parsed) return false;
    if (parsed.url && !sameDocument(parsed.url, pageUrl)) {
      candidates.push({ url: parsed.url, kind, delaySeconds: parsed.delaySeconds, rank: parsed.delaySeconds === 0 ? rankNow : rankLater });
    }
    return true;
  };
  // The header is resolved against the response URL; meta against the document base URL.
  if (refreshHeader !== undefined) consider(refreshHeader, 'refresh-header', pageUrl, 0, 3);
  const meta = scan.metaRefresh.find((m) => !m.inNoscript && parseDeclarativeRefresh(m.content, base));
  if (meta) consider(meta.content, 'meta-refresh', base, 1, 4);
  if (js.url !== undefined) {
    try {
      candidates.push({ url: new URL(js.url, base).href, kind: 'js', delaySeconds: 0, rank: 2 });
    } catch {
      // unparseable literal: treat as if absent
    }
  }
  const noscript = scan.metaRefresh.find((m) => m.inNoscript);
  if (noscript) consider(noscript.content, 'meta-refresh', base, 5, 5);
  candidates.sort((a, b) => a.rank - b.rank);
  const best = candidates[0];
  const next = best ? { url: best.url, kind: best.kind, delaySeconds: best.delaySeconds } : undefined;
  return { next, scan, js, needsBrowser: next ? { needed: false } : needsBrowser(scan, js) };
}

/** True once the text read so far already determines the next navigation. */
export function redirectIsKnown(pageUrl: string, html: string, refreshHeader?: string): boolean {
  const { next } = analyzePage(pageUrl, html, refreshHeader);
  if (!next) return false;
  if (next.kind === 'meta-refresh' && next.delaySeconds === 0) return true;
  if (next.kind === 'refresh-header' && next.delaySeconds === 0) return true;
  // A script redirect could still be preceded by an immediate meta refresh further down the head.
  return next.kind === 'js' && /<body[\s>]|<\/head\s*>/i.test(html);
}
