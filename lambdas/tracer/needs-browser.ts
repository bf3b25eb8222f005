// Why HTTP mode hands a page to the browser: it never resolves a page it cannot read the way a
// browser does. Each reason names what HTTP mode could not know.
import type { PageScan } from './html-scan';

export type NeedsBrowserReason =
  /** A script navigates, but its target or its moment is computed, conditional, in a function, timer or listener. */
  | 'computed-js-redirect'
  /** A script submits a form or clicks (a link, a button). */
  | 'auto-submit-form'
  /** Little text and no links, but code HTTP mode cannot read (an external script, a frame). */
  | 'empty-redirector-shell'
  /** A script writes cookies or storage before the page moves on: the next page may read them. */
  | 'cookie-or-storage-write'
  /** Code HTTP mode cannot read (an external or async script, created scripts, eval, a frame) runs before the navigation. */
  | 'unread-code-before-navigation'
  /** A frame of the page's own origin, which may navigate the top window. */
  | 'frame'
  /** A script writes markup (document.write, innerHTML) that may hold a refresh or a form. */
  | 'dynamic-markup'
  /** A script acorn cannot parse, or of a type the browser may or may not run. */
  | 'unreadable-script'
  /** The URL's text depends on an encoding HTTP mode cannot decide or write (undeclared, multi-byte). */
  | 'encoding'
  /** A Content-Security-Policy may block the scripts or the refresh. */
  | 'content-security-policy'
  /** A navigation to javascript:, data:, an invalid URL, the page itself or its fragment. */
  | 'unusual-target'
  /** An XML document (XHTML, SVG): parsed by the XML parser, not read here. */
  | 'xml-document'
  /** The body is larger than HTTP mode reads. */
  | 'page-too-large';

export interface NeedsBrowserVerdict {
  needed: boolean;
  reason?: NeedsBrowserReason;
}

/** Below this much visible text and without links, a page running unread code is a redirector, not a landing page. */
export const SHELL_TEXT_LIMIT = 200;

export const isShell = (scan: PageScan): boolean => scan.textLength < SHELL_TEXT_LIMIT && scan.links === 0;

export const browserNeeded = (reason: NeedsBrowserReason): NeedsBrowserVerdict => ({ needed: true, reason });
