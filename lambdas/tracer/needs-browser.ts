// Auto mode: decides whether the page where the HTTP trace stopped can only be resolved by
// running it in a browser. Conservative: a normal landing page (text, links, no navigation in
// script) stays with HTTP, because the browser costs seconds and proxy bytes.
import type { PageScan } from './html-scan';
import type { JsRedirectScan } from './js-redirect';

export type NeedsBrowserReason = 'computed-js-redirect' | 'auto-submit-form' | 'empty-redirector-shell';

export interface NeedsBrowserVerdict {
  needed: boolean;
  reason?: NeedsBrowserReason;
}

const SUBMIT = /\.\s*(?:submit|requestSubmit)\s*\(|\.\s*click\s*\(\s*\)/;
/** Below this much visible text, a page that runs scripts is a redirector, not a landing page. */
export const SHELL_TEXT_LIMIT = 200;

export function needsBrowser(scan: PageScan, js: JsRedirectScan): NeedsBrowserVerdict {
  if (js.computed && js.url === undefined) return { needed: true, reason: 'computed-js-redirect' };
  const code = [...scan.scripts.map((s) => s.text), ...scan.bodyHandlers];
  if (scan.forms.length > 0 && code.some((c) => SUBMIT.test(c))) return { needed: true, reason: 'auto-submit-form' };
  const runsScript = scan.scripts.length > 0 || scan.bodyHandlers.length > 0;
  if (runsScript && scan.textLength < SHELL_TEXT_LIMIT && scan.links === 0) return { needed: true, reason: 'empty-redirector-shell' };
  return { needed: false };
}
