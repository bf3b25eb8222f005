// Reads an HTML document with parse5, the HTML standard's tokenizer and tree builder, with
// scripting on — as Chromium reads it: comments, <noscript> content (text when scripting is on),
// <template> content (inert), raw-text elements, foreign content (a <meta> breaks out of <svg>, an
// SVG <script> runs), character references in attributes (`&num=5` stays as written). What a
// redirect tracer needs comes back as events in the order the parser meets them, because order
// decides: a <base> applies only to what follows it, and the first script that navigates stops
// the parser.
import { parse, type DefaultTreeAdapterTypes } from 'parse5';

type Element = DefaultTreeAdapterTypes.Element;
type ChildNode = DefaultTreeAdapterTypes.ChildNode;
type ParentNode = DefaultTreeAdapterTypes.ParentNode;

const HTML_NS = 'http://www.w3.org/1999/xhtml';
const SVG_NS = 'http://www.w3.org/2000/svg';

export type ScriptRuns = 'classic' | 'module' | 'no' | 'unknown';

export type DocumentEvent =
  | { kind: 'base'; at: number; href: string }
  | { kind: 'meta-refresh'; at: number; content: string }
  | { kind: 'meta-csp'; at: number }
  | {
      kind: 'script';
      at: number;
      runs: ScriptRuns;
      /** Inline source; absent for an external script. */
      text?: string;
      src?: string;
      async: boolean;
      defer: boolean;
      /** The end tag was read: only then does a browser run an inline script. */
      complete: boolean;
    }
  | { kind: 'handler'; at: number; element: string; name: string; code: string }
  | { kind: 'frame'; at: number; element: string; src?: string; srcdoc: boolean };

export interface PageScan {
  events: DocumentEvent[];
  forms: number;
  links: number;
  /** Text a visitor would see (scripts, styles and <noscript> excluded), whitespace collapsed, capped. */
  textLength: number;
}

/** The HTML standard's JavaScript MIME type essences. */
const JS_TYPES = new Set([
  'application/ecmascript',
  'application/javascript',
  'application/x-ecmascript',
  'application/x-javascript',
  'text/ecmascript',
  'text/javascript',
  'text/javascript1.0',
  'text/javascript1.1',
  'text/javascript1.2',
  'text/javascript1.3',
  'text/javascript1.4',
  'text/javascript1.5',
  'text/jscript',
  'text/livescript',
  'text/x-ecmascript',
  'text/x-javascript',
]);
const trimAscii = (s: string): string => s.replace(/^[\t\n\f\r ]+|[\t\n\f\r ]+$/g, '');
const MAX_TEXT = 10_000;

function attr(el: Element, name: string): string | undefined {
  return el.attrs.find((a) => a.name === name && !a.prefix)?.value;
}

/** Whether and how a <script> runs, from its type and language attributes. */
export function scriptRuns(el: Element): ScriptRuns {
  const type = attr(el, 'type');
  let runs: ScriptRuns;
  if (type !== undefined) {
    const t = trimAscii(type).toLowerCase();
    if (t === '' || JS_TYPES.has(t)) runs = 'classic';
    else if (t === 'module' && el.namespaceURI === HTML_NS) runs = 'module';
    // A type with parameters is not a script per the standard; not worth betting a trace on.
    else if (t.includes(';') && JS_TYPES.has(trimAscii(t.split(';')[0]!))) runs = 'unknown';
    else runs = 'no';
  } else {
    const language = attr(el, 'language');
    runs = language === undefined || language === '' || JS_TYPES.has(`text/${language.toLowerCase()}`) ? 'classic' : 'no';
  }
  // Chromium runs modules, so it skips classic scripts marked nomodule.
  if (runs === 'classic' && el.namespaceURI === HTML_NS && attr(el, 'nomodule') !== undefined) runs = 'no';
  return runs;
}

const isElement = (n: ChildNode): n is Element => 'tagName' in n;

export function scanHtml(html: string): PageScan {
  const document = parse(html, { sourceCodeLocationInfo: true, scriptingEnabled: true });
  const scan: PageScan = { events: [], forms: 0, links: 0, textLength: 0 };
  let text = 0;

  const visit = (node: ParentNode, hidden: boolean): void => {
    for (const child of node.childNodes) {
      if (child.nodeName === '#text') {
        if (!hidden && text < MAX_TEXT) text += (child as DefaultTreeAdapterTypes.TextNode).value.replace(/\s+/g, ' ').trim().length;
        continue;
      }
      if (!isElement(child)) continue;
      const el = child;
      const at = el.sourceCodeLocation?.startOffset ?? -1;
      const tag = el.tagName;
      const html = el.namespaceURI === HTML_NS;
      for (const a of el.attrs) {
        if (!a.prefix && a.name.startsWith('on') && a.name.length > 2) scan.events.push({ kind: 'handler', at, element: tag, name: a.name, code: a.value });
      }
      if (html && tag === 'meta') {
        const equiv = attr(el, 'http-equiv')?.toLowerCase();
        const content = attr(el, 'content');
        // Matched case-insensitively but not trimmed: " refresh " is no refresh in Chromium.
        if (equiv === 'refresh' && content !== undefined) scan.events.push({ kind: 'meta-refresh', at, content });
        if (equiv === 'content-security-policy' && content !== undefined) scan.events.push({ kind: 'meta-csp', at });
      } else if (html && tag === 'base') {
        const href = attr(el, 'href');
        if (href !== undefined) scan.events.push({ kind: 'base', at, href });
      } else if (tag === 'script' && (html || el.namespaceURI === SVG_NS)) {
        const src = html ? attr(el, 'src') : (attr(el, 'href') ?? el.attrs.find((a) => a.name === 'href' && a.prefix === 'xlink')?.value);
        const inline = el.childNodes.map((c) => (c.nodeName === '#text' ? (c as DefaultTreeAdapterTypes.TextNode).value : '')).join('');
        scan.events.push({
          kind: 'script',
          at,
          runs: scriptRuns(el),
          ...(src !== undefined ? { src } : { text: inline }),
          async: html && attr(el, 'async') !== undefined,
          defer: html && attr(el, 'defer') !== undefined,
          complete: Boolean(el.sourceCodeLocation?.endTag),
        });
        continue;
      } else if (html && (tag === 'iframe' || tag === 'frame')) {
        const src = attr(el, 'src');
        const srcdoc = tag === 'iframe' && attr(el, 'srcdoc') !== undefined;
        if (srcdoc || (src !== undefined && trimAscii(src) !== '' && trimAscii(src).toLowerCase() !== 'about:blank')) {
          scan.events.push({ kind: 'frame', at, element: tag, ...(src !== undefined ? { src } : {}), srcdoc });
        }
      } else if (html && (tag === 'object' || tag === 'embed')) {
        const src = attr(el, tag === 'object' ? 'data' : 'src');
        if (src !== undefined && trimAscii(src) !== '') scan.events.push({ kind: 'frame', at, element: tag, src, srcdoc: false });
      } else if (html && tag === 'form') scan.forms++;
      else if (html && (tag === 'a' || tag === 'area') && attr(el, 'href') !== undefined) scan.links++;
      // <template> content lives in its own fragment, never visited: it is inert.
      visit(el, hidden || (html && (tag === 'style' || tag === 'noscript' || tag === 'script')));
    }
  };
  visit(document, false);
  scan.textLength = Math.min(text, MAX_TEXT);
  // The tree puts some elements elsewhere than where they were read (foster parenting); the
  // parser met them in source order.
  scan.events.sort((a, b) => a.at - b.at);
  return scan;
}
