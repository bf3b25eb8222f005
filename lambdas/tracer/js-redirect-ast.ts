// Reading acorn's tree: the node type the scanner walks, literal strings, property names known
// statically, and the names a body or program declares (its scope). Nothing here knows what
// navigates; js-redirect-patterns.ts and js-redirect.ts do.

// A deliberately loose AST type: the walker reads only the fields it knows per node type.
export interface N {
  type: string;
  [key: string]: unknown;
}

/** Fields that hold names, not references: `a.location`, `{ location: 1 }`, labels. */
export const isName = (n: N, key: string): boolean =>
  (key === 'property' && n.type === 'MemberExpression' && !n.computed) ||
  (key === 'key' && (n.type === 'Property' || n.type === 'MethodDefinition' || n.type === 'PropertyDefinition') && !n.computed) ||
  key === 'label' ||
  n.type === 'MetaProperty';
export const isNode = (v: unknown): v is N => typeof v === 'object' && v !== null && typeof (v as N).type === 'string';
export const str = (v: unknown): string | undefined => (typeof v === 'string' ? v : undefined);

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
export const isNumberLiteral = (e: N): boolean => e.type === 'Literal' && typeof e.value === 'number';

/** A member's property name when it is known statically (`a.b`, `a["b"]`). */
export function propName(m: N): string | undefined {
  if (!m.computed) return str((m.property as N).name);
  return staticString(m.property as N);
}

export class Scope {
  constructor(
    readonly names: Set<string>,
    readonly parent?: Scope,
  ) {}
  has(name: string): boolean {
    return this.names.has(name) || (this.parent?.has(name) ?? false);
  }
}

/** Names declared directly in a function body or program (not in nested functions), params included. */
export function declaredNames(body: N[], params: N[] = []): { lexical: Set<string>; var: Set<string> } {
  const lexical = new Set<string>();
  const vars = new Set<string>();
  const addPattern = (p: N | null | undefined, into: Set<string>): void => {
    if (!p) return;
    switch (p.type) {
      case 'Identifier':
        into.add(p.name as string);
        break;
      case 'ObjectPattern':
        for (const prop of p.properties as N[]) addPattern((prop.type === 'RestElement' ? prop.argument : prop.value) as N, into);
        break;
      case 'ArrayPattern':
        for (const el of p.elements as Array<N | null>) addPattern(el, into);
        break;
      case 'RestElement':
        addPattern(p.argument as N, into);
        break;
      case 'AssignmentPattern':
        addPattern(p.left as N, into);
        break;
      default:
        break;
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
      case 'FunctionExpression':
      case 'ArrowFunctionExpression':
      case 'ClassExpression':
        return;
      case 'CatchClause':
        addPattern(n.param as N, vars);
        break;
      default:
        break;
    }
    for (const [key, v] of Object.entries(n)) {
      if (key === 'type') continue;
      if (Array.isArray(v))
        for (const c of v) {
          if (isNode(c)) visit(c, false);
        }
      else if (isNode(v)) visit(v, false);
    }
  };
  for (const s of body) visit(s, true);
  return { lexical, var: vars };
}
