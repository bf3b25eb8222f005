// Decides where a fetched page sends the visitor next without running it, by replaying what
// Chromium does with the page, in the order it does it:
//   1. The Refresh header is scheduled when the document is created.
//   2. The parser reads the document in order. A <base> applies from where it stands. Each
//      <meta http-equiv=refresh> is scheduled, replacing the scheduled one unless its delay is
//      longer (a javascript: refresh is refused and replaces nothing). Each inline classic script
//      runs when its end tag is read; the first one that navigates starts the navigation and
//      stops the parser: later markup, scripts and refreshes never run.
//   3. After parsing and the load event, the scheduled refresh fires after its delay.
// Wherever that replay depends on something HTTP mode cannot read — code it cannot see or
// evaluate, markup written by scripts, cookies a script sets for the next hop, an encoding it
// cannot write — the page goes to the browser instead (needs-browser.ts). The verified behaviours
// are in the differential corpus (test/support/tracer-corpus.ts).
import { MAX_REFRESH_WAIT_S, parseRefreshValue } from './declarative-refresh';
import { decodeDocument, documentEncoding, type DocumentEncoding } from './document-encoding';
import { scanHtml, type PageScan } from './html-scan';
import { analyzeScript, INTERACTION_EVENTS, type ScriptVerdict, type StaticNavigation } from './js-redirect';
import { browserNeeded, isShell, type NeedsBrowserReason, type NeedsBrowserVerdict } from './needs-browser';
import { isAsciiUrl, resolveUrl } from './url-encoding';

export type PageNavigationKind = 'refresh-header' | 'meta-refresh' | 'js';

export interface PageNavigation {
  url: string;
  kind: PageNavigationKind;
  delaySeconds: number;
}

export interface PageInput {
  /** The document's URL (the response URL). */
  url: string;
  contentType?: string;
  contentDisposition?: string;
  refreshHeader?: string;
  /** A Content-Security-Policy header was sent (report-only ones do not count). */
  csp?: boolean;
  /** The body as read; absent when it was not read. */
  body?: Uint8Array;
  /** The body was cut at the read cap. */
  truncated?: boolean;
  /** More of the body may still come: decide only what no later byte can change. */
  partial?: boolean;
}

export type PageDecision =
  | { kind: 'navigate'; next: PageNavigation }
  | { kind: 'stay' }
  | { kind: 'browser'; verdict: NeedsBrowserVerdict }
  /** Partial input only: the rest of the body is needed. */
  | { kind: 'undecided' };

export type DocumentKind = 'html' | 'xml' | 'other';

const XML_TYPE = /^(?:application\/xhtml\+xml|application\/xml|text\/xml|image\/svg\+xml|[a-z]+\/[^;]*\+xml)$/i;
/** The tags Chromium's MIME sniffer recognises at the start of an untyped body as HTML. */
const SNIFFED_HTML = /^[\t\n\f\r ]*<(?:!doctype html|html|head|script|iframe|h1|div|font|table|a|style|title|b|body|br|p|!--)[\t\n\f\r >]/i;

export function documentKind(contentType: string | undefined, head?: Uint8Array): DocumentKind {
  const essence = (contentType ?? '').split(';')[0]!.trim().toLowerCase();
  if (essence === 'text/html') return 'html';
  if (XML_TYPE.test(essence)) return 'xml';
  if (essence === '' && head) {
    const start = Buffer.from(head.subarray(0, 512)).toString('latin1');
    if (SNIFFED_HTML.test(start)) return 'html';
    if (/^[\t\n\f\r ]*<\?xml/.test(start)) return 'xml';
  }
  return 'other';
}

/** Whether the body must be read to decide (HTML, XML, or an untyped body to sniff). */
export function bodyMatters(contentType: string | undefined): boolean {
  const essence = (contentType ?? '').split(';')[0]!.trim().toLowerCase();
  return essence === '' || essence === 'text/html' || XML_TYPE.test(essence);
}

const stripFragment = (u: string): string => u.replace(/#.*$/, '');
const attachment = (disposition: string | undefined): boolean => /^\s*attachment\b/i.test(disposition ?? '');

interface Scheduled {
  delaySeconds: number;
  kind: PageNavigationKind;
  target: Target;
}

type Target = { ok: true; url: string } | { ok: false; reason: NeedsBrowserReason };

class Replay {
  readonly docUrl: string;
  base: string;
  baseSet = false;
  scheduled?: Scheduled;
  csp: boolean;
  /** Code HTTP mode cannot read has run (or may have) before the current point of the parse. */
  unreadNow = false;
  /** Code HTTP mode cannot read runs before the load event (deferred and module scripts too). */
  unreadBeforeLoad = false;
  writesState = false;
  readonly globals = { lexical: new Set<string>(), var: new Set<string>() };

  constructor(
    input: PageInput,
    readonly encoding: DocumentEncoding,
  ) {
    this.docUrl = input.url;
    this.base = input.url;
    this.csp = input.csp === true;
  }

  /** A URL the page names, resolved as the browser would, or why HTTP mode cannot tell. */
  resolve(text: string, base: string): Target {
    if (this.encoding.source === 'guess' && !isAsciiUrl(text)) return { ok: false, reason: 'encoding' };
    const r = resolveUrl(text, base, this.encoding.encoding);
    if (!r.ok) return { ok: false, reason: r.why === 'encoding' ? 'encoding' : 'unusual-target' };
    return { ok: true, url: r.href };
  }

  /** A navigation target the browser would treat specially: javascript:, data:, this page or its fragment. */
  special(url: string): boolean {
    const scheme = url.slice(0, url.indexOf(':') + 1).toLowerCase();
    return scheme === 'javascript:' || scheme === 'data:' || stripFragment(url) === stripFragment(this.docUrl);
  }

  setBase(href: string): void {
    if (this.baseSet) return; // the first <base href> in the document is the one that counts
    this.baseSet = true;
    const r = this.resolve(href, this.docUrl);
    // An unparsable base, or a data:/javascript: one, leaves the document URL as the base.
    if (r.ok && !/^(?:data|javascript):/i.test(r.url)) this.base = r.url;
    else if (!r.ok && r.reason === 'encoding') this.base = '';
  }

  /** Schedules a refresh as Chromium does: a later one replaces the scheduled one unless its delay is longer. */
  refresh(value: string, kind: PageNavigationKind, base: string): void {
    const parsed = parseRefreshValue(value);
    if (!parsed) return;
    let target: Target;
    if (parsed.urlText === null) target = { ok: false, reason: 'unusual-target' };
    else if (base === '') target = { ok: false, reason: 'encoding' };
    else target = this.resolve(parsed.urlText, base);
    // Refused outright (and nothing is replaced): a refresh to javascript:.
    if (target.ok && /^javascript:/i.test(target.url)) return;
    if (!target.ok && /^[\t\n\r ]*javascript:/i.test(parsed.urlText ?? '')) return;
    if (this.scheduled && this.scheduled.delaySeconds < parsed.delaySeconds) return;
    this.scheduled = { delaySeconds: parsed.delaySeconds, kind, target };
  }

  /** Where a static script navigation goes, or why only the browser can tell. */
  scriptTarget(nav: StaticNavigation): Target {
    if (this.base === '') return { ok: false, reason: 'encoding' };
    if (nav.how === 'href' || nav.how === 'assign' || nav.how === 'replace' || nav.how === 'open') return this.resolve(nav.target, this.base);
    if (nav.how === 'hash' || nav.how === 'protocol') return { ok: false, reason: 'unusual-target' };
    // The location's setters change one part of the document's URL (the query in UTF-8).
    try {
      const u = new URL(this.docUrl);
      u[nav.how] = nav.target;
      return { ok: true, url: u.href };
    } catch {
      return { ok: false, reason: 'unusual-target' };
    }
  }

  script(verdict: ScriptVerdict): void {
    for (const n of verdict.declares.lexical) this.globals.lexical.add(n);
    for (const n of verdict.declares.var) this.globals.var.add(n);
    if (verdict.writesState) this.writesState = true;
    if (verdict.loadsCode) {
      this.unreadNow = true;
      this.unreadBeforeLoad = true;
    }
  }
}

const REASON_OF_CONCERN: Record<ScriptVerdict['concerns'][number], NeedsBrowserReason> = {
  'computed-navigation': 'computed-js-redirect',
  'form-or-click': 'auto-submit-form',
  'dynamic-markup': 'dynamic-markup',
  unreadable: 'unreadable-script',
};

const toBrowser = (reason: NeedsBrowserReason): PageDecision => ({ kind: 'browser', verdict: browserNeeded(reason) });

/** The decision for a navigation that is about to happen, given what else the page did. */
function navigateTo(replay: Replay, target: Target, kind: PageNavigationKind, delaySeconds: number, unread: boolean): PageDecision {
  if (!target.ok) return toBrowser(target.reason);
  if (replay.special(target.url)) return toBrowser('unusual-target');
  if (unread) return toBrowser('unread-code-before-navigation');
  if (replay.writesState) return toBrowser('cookie-or-storage-write');
  if (replay.csp) return toBrowser('content-security-policy');
  return { kind: 'navigate', next: { url: target.url, kind, delaySeconds } };
}

/** After the whole document: the scheduled refresh, if it fires within the wait, or staying. */
function afterParsing(replay: Replay, scan: PageScan | undefined): PageDecision {
  const s = replay.scheduled;
  if (s && s.delaySeconds <= MAX_REFRESH_WAIT_S) return navigateTo(replay, s.target, s.kind, s.delaySeconds, replay.unreadBeforeLoad);
  if (scan && replay.unreadBeforeLoad && isShell(scan)) return toBrowser('empty-redirector-shell');
  return { kind: 'stay' };
}

function frameIsOwn(replay: Replay, src: string | undefined, srcdoc: boolean): boolean {
  if (srcdoc || src === undefined) return true;
  const r = replay.base === '' ? undefined : resolveUrl(src, replay.base, replay.encoding.encoding);
  if (!r?.ok) return true;
  const u = new URL(r.href);
  if (u.protocol === 'data:') return false; // an opaque origin, foreign to the page
  if (u.protocol !== 'http:' && u.protocol !== 'https:') return true;
  return u.origin === new URL(replay.docUrl).origin;
}

export function analyzePage(input: PageInput): PageDecision {
  const bytes = input.body ?? new Uint8Array();
  const kind = input.contentType === undefined && !input.body ? 'other' : documentKind(input.contentType, bytes);
  const encoding = documentEncoding(bytes, input.contentType);
  const replay = new Replay(input, encoding);

  // A download never becomes a document, so nothing on it runs.
  if (attachment(input.contentDisposition)) return input.partial ? { kind: 'undecided' } : { kind: 'stay' };
  if (input.refreshHeader !== undefined) replay.refresh(input.refreshHeader, 'refresh-header', replay.docUrl);
  if (kind === 'other') return afterParsing(replay, undefined);
  if (kind === 'xml') {
    if (input.partial) return { kind: 'undecided' };
    const text = decodeDocument(bytes, encoding.encoding);
    return /<(?:[a-z]+:)?(?:script|iframe|frame|object|embed)\b|http-equiv|\bon[a-z]+\s*=/i.test(text) ? toBrowser('xml-document') : afterParsing(replay, undefined);
  }

  const scan = scanHtml(decodeDocument(bytes, encoding.encoding));
  for (const ev of scan.events) {
    switch (ev.kind) {
      case 'base':
        replay.setBase(ev.href);
        break;
      case 'meta-refresh':
        replay.refresh(ev.content, 'meta-refresh', replay.base);
        break;
      case 'meta-csp':
        replay.csp = true;
        break;
      case 'frame':
        if (frameIsOwn(replay, ev.src, ev.srcdoc)) return toBrowser('frame');
        replay.unreadNow = true;
        replay.unreadBeforeLoad = true;
        break;
      case 'handler': {
        if (INTERACTION_EVENTS.has(ev.name.slice(2).toLowerCase())) break;
        const v = analyzeScript(ev.code, { handler: true });
        if (v.concerns.length) return toBrowser(REASON_OF_CONCERN[v.concerns[0]!]);
        replay.script(v);
        break;
      }
      case 'script': {
        if (ev.runs === 'no') break;
        if (ev.runs === 'unknown') return toBrowser('unreadable-script');
        if (ev.text === undefined) {
          // An external script runs where it stands (or, async, whenever it arrives); deferred and
          // module ones after parsing, before the load event.
          if (ev.runs === 'classic' && (!ev.defer || ev.async)) replay.unreadNow = true;
          replay.unreadBeforeLoad = true;
          break;
        }
        if (!ev.complete) return input.partial ? { kind: 'undecided' } : toBrowser('page-too-large');
        const module = ev.runs === 'module';
        const v = analyzeScript(ev.text, { module, globals: replay.globals });
        if (v.concerns.length) return toBrowser(REASON_OF_CONCERN[v.concerns[0]!]);
        const unreadBefore = replay.unreadNow;
        replay.script(v);
        if (v.navigation) {
          // A module runs after parsing, when later markup has been read too: left to the browser.
          if (module) return toBrowser('computed-js-redirect');
          return navigateTo(replay, replay.scriptTarget(v.navigation), 'js', 0, unreadBefore);
        }
        break;
      }
    }
  }
  if (input.partial) return { kind: 'undecided' };
  if (input.truncated) return toBrowser('page-too-large');
  return afterParsing(replay, scan);
}
