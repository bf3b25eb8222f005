// Reads a script as code (acorn), to learn whether running it navigates and where — without running
// it. Only what is certain counts as a static redirect: an assignment to the location (or a call of
// its assign/replace, or window.open(url, "_self")) whose target is a string literal or a
// concatenation of literals, in top-level code that certainly reaches it (nothing before it that
// could throw). Redirects in comments and strings are not code, so they are never seen. Anything
// else that could navigate — computed targets, conditions, functions, timers, listeners, form
// submissions, clicks, document.write, aliases of the location — is a concern: only a browser can
// tell. Cookie and storage writes are reported, since the next hop may depend on them.
import { parse } from 'acorn';

/** Why HTTP mode cannot know what the script does to navigation. */
export type ScriptConcern = 'computed-navigation' | 'form-or-click' | 'dynamic-markup' | 'unreadable';

export type NavigationHow = 'href' | 'assign' | 'replace' | 'open' | 'search' | 'pathname' | 'host' | 'hostname' | 'port' | 'protocol' | 'hash';

export interface StaticNavigation {
  how: NavigationHow;
  /** The literal target (for `href`/`assign`/`replace`/`open` a URL to resolve; otherwise the new component). */
  target: string;
}

export interface ScriptVerdict {
  /** The navigation running the script certainly starts (the last one: a later one replaces an earlier). */
  navigation?: StaticNavigation;
  concerns: ScriptConcern[];
  /** Writes cookies or web storage, which a later page may read. */
  writesState: boolean;
  /** Loads code or content whose effect is unknown (like an external script): eval, created scripts or frames. */
  loadsCode: boolean;
  /** Global names the script declares (a later script redeclaring one of them fails to run). */
  declares: { lexical: string[]; var: string[] };
}

export interface ScriptContext {
  module?: boolean;
  /** An event handler attribute's body (`return` allowed). */
  handler?: boolean;
  /** Global names earlier scripts of the page declared. */
  globals?: { lexical: ReadonlySet<string>; var: ReadonlySet<string> };
}

// A deliberately loose AST type: the walker reads only the fields it knows per node type.
interface N {
  type: string;
  [key: string]: unknown;
}

const GLOBAL_OBJECTS = new Set(['window', 'self', 'top', 'parent', 'globalThis', 'frames']);
/** Names whose rebinding or overwriting would change what a navigation does. */
const PROTECTED = new Set([...GLOBAL_OBJECTS, 'location', 'document', 'open', 'history', 'navigation', 'eval']);
const LOCATION_SETTERS = new Set<NavigationHow>(['search', 'pathname', 'host', 'hostname', 'port', 'protocol', 'hash']);
/** Events that need a visitor's hand: their listeners never run in a trace. */
export const INTERACTION_EVENTS = new Set([
  'click', 'dblclick', 'auxclick', 'contextmenu', 'mousedown', 'mouseup', 'mouseover', 'mouseout', 'mouseenter', 'mouseleave', 'mousemove',
  'pointerdown', 'pointerup', 'pointerover', 'pointerout', 'pointerenter', 'pointerleave', 'pointermove', 'pointercancel',
  'touchstart', 'touchend', 'touchmove', 'touchcancel', 'keydown', 'keyup', 'keypress', 'input', 'change', 'submit', 'reset',
  'wheel', 'drag', 'dragstart', 'dragend', 'dragenter', 'dragleave', 'dragover', 'drop', 'copy', 'cut', 'paste', 'beforeinput',
]);
const TIMERS = new Set(['setTimeout', 'setInterval', 'setImmediate', 'requestAnimationFrame', 'requestIdleCallback', 'queueMicrotask']);
const LISTEN_METHODS = new Set(['addEventListener', 'attachEvent', 'on', 'one', 'bind', 'live', 'delegate']);
const ACTIVE_ELEMENTS = new Set(['script', 'iframe', 'frame', 'object', 'embed']);
const STORAGE = new Set(['localStorage', 'sessionStorage']);
const ACTIVE_MARKUP = /<\s*(?:meta|base|iframe|frame|form|script|object|embed)\b|refresh/i;
const STRING_CONVERTERS = new Set(['String', 'encodeURIComponent', 'encodeURI', 'escape']);

/** Fields that hold names, not references: `a.location`, `{ location: 1 }`, labels. */
const isName = (n: N, key: string): boolean =>
  (key === 'property' && n.type === 'MemberExpression' && !n.computed) ||
  (key === 'key' && (n.type === 'Property' || n.type === 'MethodDefinition' || n.type === 'PropertyDefinition') && !n.computed) ||
  key === 'label' ||
  n.type === 'MetaProperty';
const isNode = (v: unknown): v is N => typeof v === 'object' && v !== null && typeof (v as N).type === 'string';
const str = (v: unknown): string | undefined => (typeof v === 'string' ? v : undefined);

/** The value of an expression made only of string (and number) literals joined with `+`. */
export function staticString(e: N | undefined | null): string | undefined {
  if (!e) return undefined;
  if (e.type === 'Literal') return typeof e.value === 'string' ? e.value : typeof e.value === 'number' ? String(e.value) : undefined;
  if (e.type === 'TemplateLiteral') {
    const quasis = e.quasis as Array<{ value: { cooked: string | null } }>;
    return (e.expressions as N[]).length === 0 && quasis.length === 1 ? (quasis[0]!.value.cooked ?? undefined) : undefined;
  }
  if (e.type === 'BinaryExpression' && e.operator === '+') {
    const l = staticString(e.left as N);
    const r = l === undefined ? undefined : staticString(e.right as N);
    // Number + number is arithmetic, not text.
    if (l === undefined || r === undefined) return undefined;
    if (isNumberLiteral(e.left as N) && isNumberLiteral(e.right as N)) return undefined;
    return l + r;
  }
  return undefined;
}
const isNumberLiteral = (e: N): boolean => e.type === 'Literal' && typeof e.value === 'number';

/** A member's property name when it is known statically (`a.b`, `a["b"]`). */
function propName(m: N): string | undefined {
  if (!m.computed) return str((m.property as N).name);
  return staticString(m.property as N);
}

class Scope {
  constructor(
    readonly names: Set<string>,
    readonly parent?: Scope,
  ) {}
  has(name: string): boolean {
    return this.names.has(name) || (this.parent?.has(name) ?? false);
  }
}

/** Names declared directly in a function body or program (not in nested functions), params included. */
function declaredNames(body: N[], params: N[] = []): { lexical: Set<string>; var: Set<string> } {
  const lexical = new Set<string>();
  const vars = new Set<string>();
  const addPattern = (p: N | null | undefined, into: Set<string>): void => {
    if (!p) return;
    switch (p.type) {
      case 'Identifier': into.add(p.name as string); break;
      case 'ObjectPattern': for (const prop of p.properties as N[]) addPattern((prop.type === 'RestElement' ? prop.argument : prop.value) as N, into); break;
      case 'ArrayPattern': for (const el of p.elements as Array<N | null>) addPattern(el, into); break;
      case 'RestElement': addPattern(p.argument as N, into); break;
      case 'AssignmentPattern': addPattern(p.left as N, into); break;
      default: break;
    }
  };
  for (const p of params) addPattern(p, vars);
  const visit = (n: N, top: boolean): void => {
    switch (n.type) {
      case 'VariableDeclaration':
        for (const d of n.declarations as N[]) addPattern(d.id as N, n.kind === 'var' ? vars : top ? lexical : vars);
        break;
      case 'FunctionDeclaration':
        if (n.id) (top ? vars : vars).add((n.id as N).name as string);
        return;
      case 'ClassDeclaration':
        if (n.id) (top ? lexical : vars).add((n.id as N).name as string);
        return;
      case 'FunctionExpression': case 'ArrowFunctionExpression': case 'ClassExpression':
        return;
      case 'CatchClause':
        addPattern(n.param as N, vars);
        break;
      default: break;
    }
    for (const [key, v] of Object.entries(n)) {
      if (key === 'type') continue;
      if (Array.isArray(v)) for (const c of v) { if (isNode(c)) visit(c, false); }
      else if (isNode(v)) visit(v, false);
    }
  };
  for (const s of body) visit(s, true);
  return { lexical, var: vars };
}

interface Ctx {
  scope: Scope;
  /** Code that runs later or maybe never (functions, callbacks, branches): a navigation here is a concern. */
  deferred: boolean;
  /** Only runs on a visitor's click or key: ignored. */
  interaction: boolean;
  /** `this` is the global object (top level of a classic script). */
  globalThis: boolean;
}

class Analysis {
  readonly verdict: ScriptVerdict = { concerns: [], writesState: false, loadsCode: false, declares: { lexical: [], var: [] } };

  concern(c: ScriptConcern): void {
    if (!this.verdict.concerns.includes(c)) this.verdict.concerns.push(c);
  }

  // — what an expression denotes —

  isGlobalObject(e: N, ctx: Ctx): boolean {
    if (e.type === 'Identifier') return GLOBAL_OBJECTS.has(e.name as string) && !ctx.scope.has(e.name as string);
    if (e.type === 'ThisExpression') return ctx.globalThis;
    if (e.type === 'MemberExpression') return GLOBAL_OBJECTS.has(propName(e) ?? '') && this.isGlobalObject(e.object as N, ctx);
    return false;
  }

  isDocument(e: N, ctx: Ctx): boolean {
    if (e.type === 'Identifier') return e.name === 'document' && !ctx.scope.has('document');
    return e.type === 'MemberExpression' && propName(e) === 'document' && this.isGlobalObject(e.object as N, ctx);
  }

  /** 'global': the page's Location; 'other': something named location whose owner is unknown. */
  locationRef(e: N, ctx: Ctx): 'global' | 'other' | undefined {
    if (e.type === 'Identifier' && e.name === 'location') return ctx.scope.has('location') ? 'other' : 'global';
    if (e.type === 'MemberExpression' && propName(e) === 'location') {
      const owner = e.object as N;
      return this.isGlobalObject(owner, ctx) || this.isDocument(owner, ctx) ? 'global' : 'other';
    }
    return undefined;
  }

  /** A navigation the expression performs when evaluated, if it is one of the recognised forms. */
  navigationOf(e: N, ctx: Ctx): { how: NavigationHow; value: N | undefined; ref: 'global' | 'other' } | undefined {
    if (e.type === 'AssignmentExpression') {
      const left = e.left as N;
      const whole = this.locationRef(left, ctx);
      if (whole) return { how: 'href', value: e.operator === '=' ? (e.right as N) : undefined, ref: whole };
      if (left.type === 'MemberExpression') {
        const ref = this.locationRef(left.object as N, ctx);
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
        const ref = this.locationRef(callee.object as N, ctx);
        const method = propName(callee);
        if (ref && (method === 'assign' || method === 'replace')) return { how: method, value: args[0], ref };
        if (ref && method === undefined) return { how: 'href', value: undefined, ref };
      }
      if (this.isOpen(callee, ctx)) {
        const target = args[1] === undefined ? '_blank' : staticString(args[1]);
        if (target === undefined) return { how: 'open', value: undefined, ref: 'global' };
        if (['_self', '_top', '_parent'].includes(target.toLowerCase())) return { how: 'open', value: args[0], ref: 'global' };
      }
    }
    return undefined;
  }

  isOpen(callee: N, ctx: Ctx): boolean {
    if (callee.type === 'Identifier') return callee.name === 'open' && !ctx.scope.has('open');
    return callee.type === 'MemberExpression' && propName(callee) === 'open' && this.isGlobalObject(callee.object as N, ctx);
  }

  // — straight-line top-level code —

  /**
   * Runs through statements that execute in order when the script runs. `certain` says whether
   * every statement so far is known to complete (not throw), so a navigation after them happens.
   * Returns whether the statements certainly complete.
   */
  straight(statements: N[], ctx: Ctx, certain: boolean): boolean {
    for (const s of statements) certain = this.statement(s, ctx, certain);
    return certain;
  }

  statement(s: N, ctx: Ctx, certain: boolean): boolean {
    switch (s.type) {
      case 'ExpressionStatement':
        return this.expressionStatement(s.expression as N, ctx, certain);
      case 'EmptyStatement':
        return certain;
      case 'BlockStatement':
        return this.straight(s.body as N[], ctx, certain);
      case 'VariableDeclaration': {
        let safe = certain;
        for (const d of s.declarations as N[]) {
          const init = d.init as N | null;
          if (init) {
            this.walk(init, ctx);
            safe = safe && this.isSafe(init, ctx);
          }
        }
        return safe;
      }
      case 'FunctionDeclaration':
        this.walkFunction(s, { ...ctx, deferred: true });
        return certain;
      case 'TryStatement': {
        // The handler runs only if something in the block threw; a navigation there is not certain.
        this.straight(((s.block as N).body as N[]), ctx, certain);
        const handler = s.handler as N | null;
        if (handler) this.walk(handler, { ...ctx, deferred: true });
        // After the statement, code runs on unless the handler itself may throw.
        const handlerSafe = !handler || ((handler.body as N).body as N[]).every((h) => h.type === 'EmptyStatement' || (h.type === 'ExpressionStatement' && this.isSafe(h.expression as N, ctx)));
        const after = certain && handlerSafe;
        if (s.finalizer) return this.straight(((s.finalizer as N).body as N[]), ctx, after);
        return after;
      }
      default:
        // Branches, loops, returns, throws, classes…: what follows may or may not run.
        this.walk(s, { ...ctx, deferred: true });
        return false;
    }
  }

  expressionStatement(e: N, ctx: Ctx, certain: boolean): boolean {
    if (e.type === 'SequenceExpression') {
      for (const x of e.expressions as N[]) certain = this.expressionStatement(x, ctx, certain);
      return certain;
    }
    const iife = this.iifeBody(e);
    if (iife) {
      const { fn, args } = iife;
      for (const a of args) this.walk(a, ctx);
      const names = declaredNames(fn.body.type === 'BlockStatement' ? ((fn.body as N).body as N[]) : [], fn.params as N[]);
      if (fn.id) names.var.add((fn.id as N).name as string);
      const scope = new Scope(new Set([...names.lexical, ...names.var]), ctx.scope);
      const inner: Ctx = { ...ctx, scope, globalThis: fn.type === 'ArrowFunctionExpression' ? ctx.globalThis : false };
      const argsSafe = args.every((a) => this.isSafe(a, ctx));
      if (fn.body.type === 'BlockStatement') {
        // A return ends the function early: what follows in it is not certain.
        const body = (fn.body as N).body as N[];
        let c = certain && argsSafe;
        for (const st of body) {
          if (st.type === 'ReturnStatement') {
            this.walk(st, { ...inner, deferred: true });
            c = false;
            continue;
          }
          c = this.statement(st, inner, c);
        }
        return c;
      }
      return this.expressionStatement(fn.body as N, inner, certain && argsSafe);
    }
    const nav = this.navigationOf(e, ctx);
    if (nav) {
      const target = staticString(nav.value);
      const args = e.type === 'CallExpression' ? (e.arguments as N[]) : [e.right as N];
      for (const a of args) if (a && staticString(a) === undefined) this.walk(a, ctx);
      if (nav.ref !== 'global' || target === undefined || !certain || ctx.deferred) {
        if (!ctx.interaction) this.concern('computed-navigation');
        return false;
      }
      this.verdict.navigation = { how: nav.how, target };
      return true;
    }
    this.walk(e, ctx);
    return certain && this.isSafe(e, ctx);
  }

  /** `(function () {…})()`, `!function () {…}()`, `(() => …)()`, `(function () {…}).call(this)`. */
  iifeBody(e: N): { fn: N & { body: N; params: N[]; id?: N }; args: N[] } | undefined {
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
  isSafe(e: N, ctx: Ctx): boolean {
    switch (e.type) {
      case 'Literal': case 'FunctionExpression': case 'ArrowFunctionExpression':
        return true;
      case 'TemplateLiteral':
        return (e.expressions as N[]).every((x) => this.isSafe(x, ctx));
      case 'Identifier':
        return ['undefined', 'NaN', 'Infinity', ...GLOBAL_OBJECTS, 'document', 'location', 'navigator', 'screen'].includes(e.name as string) && !ctx.scope.has(e.name as string);
      case 'ThisExpression':
        return true;
      case 'BinaryExpression': case 'LogicalExpression':
        return e.operator !== 'in' && e.operator !== 'instanceof' && this.isSafe(e.left as N, ctx) && this.isSafe(e.right as N, ctx);
      case 'UnaryExpression':
        return e.operator !== 'delete' && (e.operator === 'typeof' || this.isSafe(e.argument as N, ctx));
      case 'ConditionalExpression':
        return this.isSafe(e.test as N, ctx) && this.isSafe(e.consequent as N, ctx) && this.isSafe(e.alternate as N, ctx);
      case 'ArrayExpression':
        return (e.elements as Array<N | null>).every((x) => x === null || (x.type !== 'SpreadElement' && this.isSafe(x, ctx)));
      case 'ObjectExpression':
        return (e.properties as N[]).every((p) => p.type === 'Property' && !p.computed && p.kind === 'init' && this.isSafe(p.value as N, ctx));
      case 'MemberExpression': {
        const o = e.object as N;
        return !e.computed && o.type === 'Identifier' && ['document', 'location', 'navigator', 'screen', ...GLOBAL_OBJECTS].includes(o.name as string) && !ctx.scope.has(o.name as string);
      }
      case 'AssignmentExpression':
        // A cookie set with a literal cannot throw (the write is reported on its own).
        if (e.operator === '=' && (e.left as N).type === 'MemberExpression' && propName(e.left as N) === 'cookie' && this.isDocument((e.left as N).object as N, ctx)) return this.isSafe(e.right as N, ctx);
        return e.operator === '=' && (e.left as N).type === 'Identifier' && !PROTECTED.has((e.left as N).name as string) && !ctx.scope.has((e.left as N).name as string) && this.isSafe(e.right as N, ctx);
      default:
        return false;
    }
  }

  // — everything else: effects anywhere in the code —

  walkFunction(fn: N, ctx: Ctx): void {
    const body = fn.body as N;
    const names = declaredNames(body.type === 'BlockStatement' ? (body.body as N[]) : [], fn.params as N[]);
    if (fn.type === 'FunctionExpression' && fn.id) names.var.add((fn.id as N).name as string);
    const inner: Ctx = { ...ctx, scope: new Scope(new Set([...names.lexical, ...names.var]), ctx.scope), globalThis: fn.type === 'ArrowFunctionExpression' ? ctx.globalThis : false };
    for (const p of fn.params as N[]) this.walk(p, inner);
    this.walk(body, inner);
  }

  walk(n: N, ctx: Ctx, parent?: N): void {
    if (ctx.interaction) return; // a listener for a click or a key: never runs in a trace
    switch (n.type) {
      case 'FunctionExpression': case 'ArrowFunctionExpression': case 'FunctionDeclaration':
        return this.walkFunction(n, { ...ctx, deferred: true });
      case 'WithStatement':
        this.concern('computed-navigation');
        break;
      case 'ImportExpression':
        this.verdict.loadsCode = true;
        break;
      case 'AssignmentExpression':
        if (this.assignment(n, ctx)) return;
        break;
      case 'CallExpression': case 'NewExpression':
        if (this.call(n, ctx)) return;
        break;
      case 'MemberExpression':
        this.member(n, ctx, parent);
        break;
      case 'Identifier':
        // Without a parent the reference is a value handed on (an initializer, an argument).
        if (n.name === 'location' && !ctx.scope.has('location') && (!parent || this.escapes(n, parent))) this.concern('computed-navigation');
        break;
      default:
        break;
    }
    for (const [key, v] of Object.entries(n)) {
      if (key === 'type' || isName(n, key)) continue;
      if (Array.isArray(v)) for (const c of v) { if (isNode(c)) this.walk(c, ctx, n); }
      else if (isNode(v)) this.walk(v, ctx, n);
    }
  }

  /** Whether a reference to the location object is handed somewhere it could be navigated through. */
  escapes(ref: N, parent: N): boolean {
    switch (parent.type) {
      case 'MemberExpression': return parent.object !== ref; // `location.href` reads; `x[location]` converts
      case 'BinaryExpression': case 'TemplateLiteral': case 'UnaryExpression': case 'LogicalExpression': case 'IfStatement': case 'ConditionalExpression':
        return false;
      case 'CallExpression': {
        const callee = parent.callee as N;
        return !(callee.type === 'Identifier' && STRING_CONVERTERS.has(callee.name as string));
      }
      default:
        return true;
    }
  }

  /** Returns true when it walked the node's parts itself. */
  assignment(n: N, ctx: Ctx): boolean {
    const left = n.left as N;
    const nav = this.navigationOf(n, ctx);
    if (nav) {
      this.concern('computed-navigation');
      this.walk(n.right as N, ctx, n);
      return true;
    }
    if (left.type === 'Identifier' && PROTECTED.has(left.name as string) && !ctx.scope.has(left.name as string)) this.concern('computed-navigation');
    if (left.type === 'MemberExpression') {
      const prop = propName(left);
      const owner = left.object as N;
      if (prop === undefined && (this.isGlobalObject(owner, ctx) || this.isDocument(owner, ctx))) this.concern('computed-navigation');
      else if (prop !== undefined && PROTECTED.has(prop) && this.isGlobalObject(owner, ctx)) this.concern('computed-navigation');
      else if (prop === 'location') this.concern('computed-navigation'); // someObject.location = … (an alias of window?)
      else if (prop === 'cookie' && this.isDocument(owner, ctx)) this.verdict.writesState = true;
      else if (owner.type === 'Identifier' && STORAGE.has(owner.name as string)) this.verdict.writesState = true;
      else if (prop === 'innerHTML' || prop === 'outerHTML' || prop === 'srcdoc') this.markup(n.right as N);
      else if (prop !== undefined && /^on/.test(prop) && isNode(n.right)) {
        // el.onclick = function () {…}: a handler; the interaction ones never run.
        const right = n.right as N;
        if (right.type === 'FunctionExpression' || right.type === 'ArrowFunctionExpression') {
          this.walkFunction(right, { ...ctx, deferred: true, interaction: INTERACTION_EVENTS.has(prop.slice(2)) });
          this.walk(left, ctx, n);
          return true;
        }
        if (staticString(right) !== undefined || right.type !== 'Identifier') this.verdict.loadsCode = true;
      }
    }
    return false;
  }

  /** Markup put into the page: what it holds decides whether HTTP can still read the page. */
  markup(value: N | undefined): void {
    const s = staticString(value);
    if (s === undefined) this.verdict.loadsCode = true;
    else if (ACTIVE_MARKUP.test(s)) this.concern('dynamic-markup');
  }

  call(n: N, ctx: Ctx): boolean {
    const callee = n.callee as N;
    const args = n.arguments as N[];
    const nav = n.type === 'CallExpression' ? this.navigationOf(n, ctx) : undefined;
    if (nav) {
      this.concern('computed-navigation');
      return false;
    }
    const name = callee.type === 'Identifier' ? (callee.name as string) : callee.type === 'MemberExpression' ? propName(callee) : undefined;
    const owner = callee.type === 'MemberExpression' ? (callee.object as N) : undefined;
    if (name === undefined) return false;
    if (callee.type === 'Identifier' && ctx.scope.has(name)) return false;
    if (name === 'eval' || name === 'execScript' || (name === 'Function' && (callee.type === 'Identifier' || (owner && this.isGlobalObject(owner, ctx))))) {
      this.verdict.loadsCode = true;
      return false;
    }
    if (TIMERS.has(name) && (callee.type === 'Identifier' || (owner && this.isGlobalObject(owner, ctx)))) {
      const first = args[0];
      if (first && (first.type === 'FunctionExpression' || first.type === 'ArrowFunctionExpression')) return false; // walked as deferred code
      const code = staticString(first);
      if (code !== undefined) {
        const inner = analyzeScript(code);
        if (inner.navigation || inner.concerns.length) this.concern('computed-navigation');
        if (inner.writesState) this.verdict.writesState = true;
        if (inner.loadsCode) this.verdict.loadsCode = true;
      } else if (first && first.type !== 'Identifier' && first.type !== 'MemberExpression') this.verdict.loadsCode = true;
      return false;
    }
    if (owner && LISTEN_METHODS.has(name)) {
      const event = staticString(args[0])?.replace(/^on/, '').toLowerCase();
      const interaction = event !== undefined && event.split(/\s+/).every((ev) => INTERACTION_EVENTS.has(ev.split('.')[0]!));
      for (const a of args) {
        if (a.type === 'FunctionExpression' || a.type === 'ArrowFunctionExpression') this.walkFunction(a, { ...ctx, deferred: true, interaction });
        else this.walk(a, ctx, n);
      }
      this.walk(callee, ctx, n);
      return true;
    }
    if (owner && (name === 'submit' || name === 'requestSubmit' || name === 'click')) {
      // jQuery's .click(fn) / .submit(fn) register a handler; with no function they trigger one.
      const handler = args.find((a) => a.type === 'FunctionExpression' || a.type === 'ArrowFunctionExpression');
      if (handler && name !== 'requestSubmit') {
        this.walkFunction(handler, { ...ctx, deferred: true, interaction: true });
        this.walk(callee, ctx, n);
        return true;
      }
      this.concern('form-or-click');
      return false;
    }
    if (owner && (name === 'dispatchEvent' || name === 'fireEvent')) this.concern('form-or-click');
    if (owner && this.isDocument(owner, ctx) && (name === 'write' || name === 'writeln' || name === 'open')) this.concern('dynamic-markup');
    if (owner && (name === 'go' || name === 'back' || name === 'forward' || name === 'navigate' || name === 'traverseTo')) {
      if (owner.type === 'Identifier' && (owner.name === 'history' || owner.name === 'navigation')) this.concern('computed-navigation');
      else if (owner.type === 'MemberExpression' && ['history', 'navigation'].includes(propName(owner) ?? '')) this.concern('computed-navigation');
      else if (name === 'navigate') this.concern('computed-navigation');
    }
    if (owner && this.locationRef(owner, ctx) && name === 'reload') this.concern('computed-navigation');
    if (owner && (name === 'createElement' || name === 'createElementNS')) {
      const tag = staticString(args[name === 'createElement' ? 0 : 1])?.toLowerCase();
      if (tag === undefined || ACTIVE_ELEMENTS.has(tag)) this.verdict.loadsCode = true;
      else if (tag === 'meta' || tag === 'base') this.concern('dynamic-markup');
    }
    if (owner && (name === 'insertAdjacentHTML' || name === 'createContextualFragment' || name === 'setHTMLUnsafe')) this.markup(args[name === 'insertAdjacentHTML' ? 1 : 0]);
    if (owner && name === 'setAttribute') {
      const a = staticString(args[0])?.toLowerCase();
      if (a === 'http-equiv' || a === 'srcdoc') this.concern('dynamic-markup');
      else if (a === undefined || /^on/.test(a)) this.verdict.loadsCode = true;
    }
    if (owner && owner.type === 'Identifier' && STORAGE.has(owner.name as string) && ['setItem', 'removeItem', 'clear'].includes(name)) this.verdict.writesState = true;
    if (owner && owner.type === 'Identifier' && owner.name === 'cookieStore' && (name === 'set' || name === 'delete')) this.verdict.writesState = true;
    if (owner && owner.type === 'Identifier' && owner.name === 'indexedDB' && name === 'open') this.verdict.writesState = true;
    return false;
  }

  member(n: N, ctx: Ctx, parent?: N): void {
    const owner = n.object as N;
    if (n.computed && propName(n) === undefined && (this.isGlobalObject(owner, ctx) || this.isDocument(owner, ctx) || this.locationRef(owner, ctx))) {
      // window[name], document[key]…: any property, the location included.
      this.concern('computed-navigation');
      return;
    }
    if (this.locationRef(n, ctx) === 'global' && (!parent || this.escapes(n, parent))) this.concern('computed-navigation');
  }
}

/**
 * Analyses one script (or event handler body). Never throws: code acorn cannot parse is
 * `unreadable` (a browser would skip a script with a syntax error, but a syntax acorn lacks must
 * not hide a redirect).
 */
export function analyzeScript(source: string, context: ScriptContext = {}): ScriptVerdict {
  const analysis = new Analysis();
  let program: N;
  try {
    program = parse(source, {
      ecmaVersion: 'latest',
      sourceType: context.module ? 'module' : 'script',
      allowReturnOutsideFunction: context.handler === true,
      allowHashBang: false,
    }) as unknown as N;
  } catch {
    analysis.concern('unreadable');
    return analysis.verdict;
  }
  const body = program.body as N[];
  const names = declaredNames(body);
  const verdict = analysis.verdict;
  verdict.declares = { lexical: [...names.lexical], var: [...names.var] };
  const globals = context.globals;
  const isGlobalScope = !context.module && !context.handler;
  if (isGlobalScope) {
    // A global declaration of a protected name fails (the location is unforgeable) or rebinds it;
    // a redeclared lexical name makes the whole script fail to run.
    for (const name of [...names.lexical, ...names.var]) if (PROTECTED.has(name)) analysis.concern('computed-navigation');
    if (globals) {
      for (const name of names.lexical) if (globals.lexical.has(name) || globals.var.has(name)) analysis.concern('unreadable');
      for (const name of names.var) if (globals.lexical.has(name)) analysis.concern('unreadable');
    }
  }
  const scopeNames = isGlobalScope ? new Set<string>() : new Set([...names.lexical, ...names.var]);
  const ctx: Ctx = { scope: new Scope(scopeNames), deferred: context.handler === true, interaction: false, globalThis: !context.module && !context.handler };
  analysis.straight(body, ctx, true);
  return verdict;
}
