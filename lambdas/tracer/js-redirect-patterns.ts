// What a piece of script denotes, decided from the tree alone: the global object, the document, the
// page's location, a navigation in one of the recognised forms, an IIFE, code that cannot throw,
// a location reference handed on. The names that matter (globals, timers, listeners, events) are
// here too. js-redirect.ts walks the script and asks these.
import { propName, staticString, type N, type Scope } from './js-redirect-ast';

export type NavigationHow = 'href' | 'assign' | 'replace' | 'open' | 'search' | 'pathname' | 'host' | 'hostname' | 'port' | 'protocol' | 'hash';

export const GLOBAL_OBJECTS = new Set(['window', 'self', 'top', 'parent', 'globalThis', 'frames']);
/** Names whose rebinding or overwriting would change what a navigation does. */
export const PROTECTED = new Set([...GLOBAL_OBJECTS, 'location', 'document', 'open', 'history', 'navigation', 'eval']);
export const LOCATION_SETTERS = new Set<NavigationHow>(['search', 'pathname', 'host', 'hostname', 'port', 'protocol', 'hash']);
/** Events that need a visitor's hand: their listeners never run in a trace. */
export const INTERACTION_EVENTS = new Set([
  'click',
  'dblclick',
  'auxclick',
  'contextmenu',
  'mousedown',
  'mouseup',
  'mouseover',
  'mouseout',
  'mouseenter',
  'mouseleave',
  'mousemove',
  'pointerdown',
  'pointerup',
  'pointerover',
  'pointerout',
  'pointerenter',
  'pointerleave',
  'pointermove',
  'pointercancel',
  'touchstart',
  'touchend',
  'touchmove',
  'touchcancel',
  'keydown',
  'keyup',
  'keypress',
  'input',
  'change',
  'submit',
  'reset',
  'wheel',
  'drag',
  'dragstart',
  'dragend',
  'dragenter',
  'dragleave',
  'dragover',
  'drop',
  'copy',
  'cut',
  'paste',
  'beforeinput',
]);
export const TIMERS = new Set(['setTimeout', 'setInterval', 'setImmediate', 'requestAnimationFrame', 'requestIdleCallback', 'queueMicrotask']);
export const LISTEN_METHODS = new Set(['addEventListener', 'attachEvent', 'on', 'one', 'bind', 'live', 'delegate']);
export const ACTIVE_ELEMENTS = new Set(['script', 'iframe', 'frame', 'object', 'embed']);
export const STORAGE = new Set(['localStorage', 'sessionStorage']);
export const ACTIVE_MARKUP = /<\s*(?:meta|base|iframe|frame|form|script|object|embed)\b|refresh/i;
export const STRING_CONVERTERS = new Set(['String', 'encodeURIComponent', 'encodeURI', 'escape']);

export interface Ctx {
  scope: Scope;
  /** Code that runs later or maybe never (functions, callbacks, branches): a navigation here is a concern. */
  deferred: boolean;
  /** Only runs on a visitor's click or key: ignored. */
  interaction: boolean;
  /** `this` is the global object (top level of a classic script). */
  globalThis: boolean;
}

export function isGlobalObject(e: N, ctx: Ctx): boolean {
  if (e.type === 'Identifier') return GLOBAL_OBJECTS.has(e.name as string) && !ctx.scope.has(e.name as string);
  if (e.type === 'ThisExpression') return ctx.globalThis;
  if (e.type === 'MemberExpression') return GLOBAL_OBJECTS.has(propName(e) ?? '') && isGlobalObject(e.object as N, ctx);
  return false;
}

export function isDocument(e: N, ctx: Ctx): boolean {
  if (e.type === 'Identifier') return e.name === 'document' && !ctx.scope.has('document');
  return e.type === 'MemberExpression' && propName(e) === 'document' && isGlobalObject(e.object as N, ctx);
}

/** 'global': the page's Location; 'other': something named location whose owner is unknown. */
export function locationRef(e: N, ctx: Ctx): 'global' | 'other' | undefined {
  if (e.type === 'Identifier' && e.name === 'location') return ctx.scope.has('location') ? 'other' : 'global';
  if (e.type === 'MemberExpression' && propName(e) === 'location') {
    const owner = e.object as N;
    return isGlobalObject(owner, ctx) || isDocument(owner, ctx) ? 'global' : 'other';
  }
  return undefined;
}

/** A navigation the expression performs when evaluated, if it is one of the recognised forms. */
export function navigationOf(e: N, ctx: Ctx): { how: NavigationHow; value: N | undefined; ref: 'global' | 'other' } | undefined {
  if (e.type === 'AssignmentExpression') {
    const left = e.left as N;
    const whole = locationRef(left, ctx);
    if (whole) return { how: 'href', value: e.operator === '=' ? (e.right as N) : undefined, ref: whole };
    if (left.type === 'MemberExpression') {
      const ref = locationRef(left.object as N, ctx);
      if (!ref) return undefined;
      const prop = propName(left);
      if (prop === undefined) return { how: 'href', value: undefined, ref };
      if (prop === 'href' || LOCATION_SETTERS.has(prop as NavigationHow)) return { how: prop as NavigationHow, value: e.operator === '=' ? (e.right as N) : undefined, ref };
    }
    return undefined;
  }
  if (e.type === 'CallExpression') {
    const callee = e.callee as N;
    const args = e.arguments as N[];
    if (callee.type === 'MemberExpression') {
      const ref = locationRef(callee.object as N, ctx);
      const method = propName(callee);
      if (ref && (method === 'assign' || method === 'replace')) return { how: method, value: args[0], ref };
      if (ref && method === undefined) return { how: 'href', value: undefined, ref };
    }
    if (isOpen(callee, ctx)) {
      const target = args[1] === undefined ? '_blank' : staticString(args[1]);
      if (target === undefined) return { how: 'open', value: undefined, ref: 'global' };
      if (['_self', '_top', '_parent'].includes(target.toLowerCase())) return { how: 'open', value: args[0], ref: 'global' };
    }
  }
  return undefined;
}

export function isOpen(callee: N, ctx: Ctx): boolean {
  if (callee.type === 'Identifier') return callee.name === 'open' && !ctx.scope.has('open');
  return callee.type === 'MemberExpression' && propName(callee) === 'open' && isGlobalObject(callee.object as N, ctx);
}

/** `(function () {…})()`, `!function () {…}()`, `(() => …)()`, `(function () {…}).call(this)`. */
export function iifeBody(e: N): { fn: N & { body: N; params: N[]; id?: N }; args: N[] } | undefined {
  let x = e;
  while (x.type === 'UnaryExpression' && (x.operator === '!' || x.operator === 'void' || x.operator === '+' || x.operator === '-')) x = x.argument as N;
  if (x.type !== 'CallExpression') return undefined;
  let callee = x.callee as N;
  let args = x.arguments as N[];
  if (callee.type === 'MemberExpression' && (propName(callee) === 'call' || propName(callee) === 'apply')) {
    callee = callee.object as N;
    args = propName(x.callee as N) === 'call' ? args.slice(1) : [];
  }
  if ((callee.type === 'FunctionExpression' || callee.type === 'ArrowFunctionExpression') && !callee.async && !callee.generator) {
    return { fn: callee as N & { body: N; params: N[]; id?: N }, args };
  }
  return undefined;
}

/** An expression that cannot throw or have effects: literals, functions, reads of ever-present objects. */
export function isSafe(e: N, ctx: Ctx): boolean {
  switch (e.type) {
    case 'Literal':
    case 'FunctionExpression':
    case 'ArrowFunctionExpression':
      return true;
    case 'TemplateLiteral':
      return (e.expressions as N[]).every((x) => isSafe(x, ctx));
    case 'Identifier':
      return (
        ['undefined', 'NaN', 'Infinity', ...GLOBAL_OBJECTS, 'document', 'location', 'navigator', 'screen'].includes(e.name as string) && !ctx.scope.has(e.name as string)
      );
    case 'ThisExpression':
      return true;
    case 'BinaryExpression':
    case 'LogicalExpression':
      return e.operator !== 'in' && e.operator !== 'instanceof' && isSafe(e.left as N, ctx) && isSafe(e.right as N, ctx);
    case 'UnaryExpression':
      return e.operator !== 'delete' && (e.operator === 'typeof' || isSafe(e.argument as N, ctx));
    case 'ConditionalExpression':
      return isSafe(e.test as N, ctx) && isSafe(e.consequent as N, ctx) && isSafe(e.alternate as N, ctx);
    case 'ArrayExpression':
      return (e.elements as Array<N | null>).every((x) => x === null || (x.type !== 'SpreadElement' && isSafe(x, ctx)));
    case 'ObjectExpression':
      return (e.properties as N[]).every((p) => p.type === 'Property' && !p.computed && p.kind === 'init' && isSafe(p.value as N, ctx));
    case 'MemberExpression': {
      const o = e.object as N;
      return (
        !e.computed &&
        o.type === 'Identifier' &&
        ['document', 'location', 'navigator', 'screen', ...GLOBAL_OBJECTS].includes(o.name as string) &&
        !ctx.scope.has(o.name as string)
      );
    }
    case 'AssignmentExpression':
      // A cookie set with a literal cannot throw (the write is reported on its own).
      if (e.operator === '=' && (e.left as N).type === 'MemberExpression' && propName(e.left as N) === 'cookie' && isDocument((e.left as N).object as N, ctx))
        return isSafe(e.right as N, ctx);
      return (
        e.operator === '=' &&
        (e.left as N).type === 'Identifier' &&
        !PROTECTED.has((e.left as N).name as string) &&
        !ctx.scope.has((e.left as N).name as string) &&
        isSafe(e.right as N, ctx)
      );
    default:
      return false;
  }
}

/** Whether a reference to the location object is handed somewhere it could be navigated through. */
export function escapes(ref: N, parent: N): boolean {
  switch (parent.type) {
    case 'MemberExpression':
      return parent.object !== ref; // `location.href` reads; `x[location]` converts
    case 'BinaryExpression':
    case 'TemplateLiteral':
    case 'UnaryExpression':
    case 'LogicalExpression':
    case 'IfStatement':
    case 'ConditionalExpression':
      return false;
    case 'CallExpression': {
      const callee = parent.callee as N;
      return !(callee.type === 'Identifier' && STRING_CONVERTERS.has(callee.name as string));
    }
    default:
      return true;
  }
}
