/**
 * Moving between the console's pages without reloading: the History API, and an event the app
 * listens to (with popstate, for back and forward).
 */
import { parseRoute, type Route } from './router';

const EVENT = 'tracepool:navigate';

let moved = false;
/** Whether the operator has moved within the console since it loaded (a fresh load keeps the browser's own focus order). */
export const hasNavigated = (): boolean => moved;

export const currentRoute = (): Route => parseRoute(location.pathname, location.search);

/** Goes to `href` (a console path); `replace` rewrites the current entry instead (a filter change). */
export function navigate(href: string, options: { replace?: boolean } = {}): void {
  if (href === `${location.pathname}${location.search}`) return;
  moved = true;
  if (options.replace) history.replaceState(null, '', href);
  else history.pushState(null, '', href);
  window.dispatchEvent(new Event(EVENT));
}

/** Calls `listener` after every change of location; returns the unsubscribe. */
export function onNavigate(listener: () => void): () => void {
  window.addEventListener(EVENT, listener);
  const popped = () => {
    moved = true;
    listener();
  };
  window.addEventListener('popstate', popped);
  return () => {
    window.removeEventListener(EVENT, listener);
    window.removeEventListener('popstate', popped);
  };
}

/** A plain left click without modifiers: one the console handles itself (others open tabs, windows…). */
export const isPlainClick = (e: MouseEvent): boolean => e.button === 0 && !e.metaKey && !e.ctrlKey && !e.shiftKey && !e.altKey && !e.defaultPrevented;
