// Reads a script as code (acorn), to learn whether running it navigates and where — without running
// it. Only what is certain counts as a static redirect: an assignment to the location (or a call of
// its assign/replace, or window.open(url, "_self")) whose target is a string literal or a
// concatenation of literals, in top-level code that certainly reaches it (nothing before it that
// could throw). Redirects in comments and strings are not code, so they are never seen. Anything
// else that could navigate — computed targets, conditions, functions, timers, listeners, form
// submissions, clicks, document.write, aliases of the location — is a concern: only a browser can
// tell. Cookie and storage writes are reported, since the next hop may depend on them.
import { parse } from 'acorn';
import { declaredNames, isName, isNode, propName, Scope, staticString, type N } from './js-redirect-ast';
import {
  ACTIVE_ELEMENTS,
  ACTIVE_MARKUP,
  INTERACTION_EVENTS,
  LISTEN_METHODS,
  PROTECTED,
  STORAGE,
  TIMERS,
  escapes,
  iifeBody,
  isDocument,
  isGlobalObject,
  isSafe,
  locationRef,
  navigationOf,
  type Ctx,
  type NavigationHow,
} from './js-redirect-patterns';

export { staticString } from './js-redirect-ast';
export { INTERACTION_EVENTS, type NavigationHow } from './js-redirect-patterns';

/** Why HTTP mode cannot know what the script does to navigation. */
export type ScriptConcern = 'computed-navigation' | 'form-or-click' | 'dynamic-markup' | 'unreadable';

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

// Walks the script, statement by statement where it runs in order; what a node denotes (the
// location, a navigation, code that cannot throw) is asked of js-redirect-patterns.ts.
class Analysis {
  readonly verdict: ScriptVerdict = { concerns: [], writesState: false, loadsCode: false, declares: { lexical: [], var: [] } };

  concern(c: ScriptConcern): void {
    if (!this.verdict.concerns.includes(c)) this.verdict.concerns.push(c);
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
            safe = safe && isSafe(init, ctx);
          }
        }
        return safe;
      }
      case 'FunctionDeclaration':
        this.walkFunction(s, { ...ctx, deferred: true });
        return certain;
      case 'TryStatement': {
        // The handler runs only if something in the block threw; a navigation there is not certain.
        this.straight((s.block as N).body as N[], ctx, certain);
        const handler = s.handler as N | null;
        if (handler) this.walk(handler, { ...ctx, deferred: true });
        // After the statement, code runs on unless the handler itself may throw.
        const handlerSafe =
          !handler || ((handler.body as N).body as N[]).every((h) => h.type === 'EmptyStatement' || (h.type === 'ExpressionStatement' && isSafe(h.expression as N, ctx)));
        const after = certain && handlerSafe;
        if (s.finalizer) return this.straight((s.finalizer as N).body as N[], ctx, after);
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
    const iife = iifeBody(e);
    if (iife) {
      const { fn, args } = iife;
      for (const a of args) this.walk(a, ctx);
      const names = declaredNames(fn.body.type === 'BlockStatement' ? ((fn.body as N).body as N[]) : [], fn.params as N[]);
      if (fn.id) names.var.add((fn.id as N).name as string);
      const scope = new Scope(new Set([...names.lexical, ...names.var]), ctx.scope);
      const inner: Ctx = { ...ctx, scope, globalThis: fn.type === 'ArrowFunctionExpression' ? ctx.globalThis : false };
      const argsSafe = args.every((a) => isSafe(a, ctx));
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
    const nav = navigationOf(e, ctx);
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
    return certain && isSafe(e, ctx);
  }

  // — everything else: effects anywhere in the code —

  walkFunction(fn: N, ctx: Ctx): void {
    const body = fn.body as N;
    const names = declaredNames(body.type === 'BlockStatement' ? (body.body as N[]) : [], fn.params as N[]);
    if (fn.type === 'FunctionExpression' && fn.id) names.var.add((fn.id as N).name as string);
    const inner: Ctx = {
      ...ctx,
      scope: new Scope(new Set([...names.lexical, ...names.var]), ctx.scope),
      globalThis: fn.type === 'ArrowFunctionExpression' ? ctx.globalThis : false,
    };
    for (const p of fn.params as N[]) this.walk(p, inner);
    this.walk(body, inner);
  }

  walk(n: N, ctx: Ctx, parent?: N): void {
    if (ctx.interaction) return; // a listener for a click or a key: never runs in a trace
    switch (n.type) {
      case 'FunctionExpression':
      case 'ArrowFunctionExpression':
      case 'FunctionDeclaration':
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
      case 'CallExpression':
      case 'NewExpression':
        if (this.call(n, ctx)) return;
        break;
      case 'MemberExpression':
        this.member(n, ctx, parent);
        break;
      case 'Identifier':
        // Without a parent the reference is a value handed on (an initializer, an argument).
        if (n.name === 'location' && !ctx.scope.has('location') && (!parent || escapes(n, parent))) this.concern('computed-navigation');
        break;
      default:
        break;
    }
    for (const [key, v] of Object.entries(n)) {
      if (key === 'type' || isName(n, key)) continue;
      if (Array.isArray(v))
        for (const c of v) {
          if (isNode(c)) this.walk(c, ctx, n);
        }
      else if (isNode(v)) this.walk(v, ctx, n);
    }
  }

  /** Returns true when it walked the node's parts itself. */
  assignment(n: N, ctx: Ctx): boolean {
    const left = n.left as N;
    const nav = navigationOf(n, ctx);
    if (nav) {
      this.concern('computed-navigation');
      this.walk(n.right as N, ctx, n);
      return true;
    }
    if (left.type === 'Identifier' && PROTECTED.has(left.name as string) && !ctx.scope.has(left.name as string)) this.concern('computed-navigation');
    if (left.type === 'MemberExpression') {
      const prop = propName(left);
      const owner = left.object as N;
      if (prop === undefined && (isGlobalObject(owner, ctx) || isDocument(owner, ctx))) this.concern('computed-navigation');
      else if (prop !== undefined && PROTECTED.has(prop) && isGlobalObject(owner, ctx)) this.concern('computed-navigation');
      else if (prop === 'location')
        this.concern('computed-navigation'); // someObject.location = … (an alias of window?)
      else if (prop === 'cookie' && isDocument(owner, ctx)) this.verdict.writesState = true;
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
    const nav = n.type === 'CallExpression' ? navigationOf(n, ctx) : undefined;
    if (nav) {
      this.concern('computed-navigation');
      return false;
    }
    const name = callee.type === 'Identifier' ? (callee.name as string) : callee.type === 'MemberExpression' ? propName(callee) : undefined;
    const owner = callee.type === 'MemberExpression' ? (callee.object as N) : undefined;
    if (name === undefined) return false;
    if (callee.type === 'Identifier' && ctx.scope.has(name)) return false;
    if (name === 'eval' || name === 'execScript' || (name === 'Function' && (callee.type === 'Identifier' || (owner && isGlobalObject(owner, ctx))))) {
      this.verdict.loadsCode = true;
      return false;
    }
    if (TIMERS.has(name) && (callee.type === 'Identifier' || (owner && isGlobalObject(owner, ctx)))) {
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
    if (owner && isDocument(owner, ctx) && (name === 'write' || name === 'writeln' || name === 'open')) this.concern('dynamic-markup');
    if (owner && (name === 'go' || name === 'back' || name === 'forward' || name === 'navigate' || name === 'traverseTo')) {
      if (owner.type === 'Identifier' && (owner.name === 'history' || owner.name === 'navigation')) this.concern('computed-navigation');
      else if (owner.type === 'MemberExpression' && ['history', 'navigation'].includes(propName(owner) ?? '')) this.concern('computed-navigation');
      else if (name === 'navigate') this.concern('computed-navigation');
    }
    if (owner && locationRef(owner, ctx) && name === 'reload') this.concern('computed-navigation');
    if (owner && (name === 'createElement' || name === 'createElementNS')) {
      const tag = staticString(args[name === 'createElement' ? 0 : 1])?.toLowerCase();
      if (tag === undefined || ACTIVE_ELEMENTS.has(tag)) this.verdict.loadsCode = true;
      else if (tag === 'meta' || tag === 'base') this.concern('dynamic-markup');
    }
    if (owner && (name === 'insertAdjacentHTML' || name === 'createContextualFragment' || name === 'setHTMLUnsafe'))
      this.markup(args[name === 'insertAdjacentHTML' ? 1 : 0]);
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
    if (n.computed && propName(n) === undefined && (isGlobalObject(owner, ctx) || isDocument(owner, ctx) || locationRef(owner, ctx))) {
      // window[name], document[key]…: any property, the location included.
      this.concern('computed-navigation');
      return;
    }
    if (locationRef(n, ctx) === 'global' && (!parent || escapes(n, parent))) this.concern('computed-navigation');
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
