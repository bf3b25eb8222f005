/**
 * Which inbound query parameters may travel on: only names the offer allows (exact names, or
 * prefixes like utm_*), only values of sane size without control characters. Anything else is
 * dropped — never reflected raw — and reported so the handler can log why.
 */
export const MAX_PARAM_VALUE_LENGTH = 512;
export const MAX_PARAMS = 30;

export interface DroppedParam {
  readonly name: string;
  readonly reason: 'not_allowed' | 'too_long' | 'malformed' | 'too_many';
}

export interface SelectedParams {
  readonly params: Record<string, string>;
  readonly dropped: DroppedParam[];
}

// eslint-disable-next-line no-control-regex
const CONTROL = /[\u0000-\u001f\u007f]/;

export function isAllowedName(name: string, allowed: readonly string[]): boolean {
  return allowed.some((rule) => (rule.endsWith('*') ? name.startsWith(rule.slice(0, -1)) : name === rule));
}

export function selectPassthrough(query: Readonly<Record<string, string | undefined>>, allowed: readonly string[]): SelectedParams {
  const params: Record<string, string> = {};
  const dropped: DroppedParam[] = [];
  let count = 0;
  for (const [name, value] of Object.entries(query)) {
    if (value === undefined) continue;
    if (name.length > 64 || !isAllowedName(name, allowed)) {
      dropped.push({ name: name.slice(0, 64), reason: 'not_allowed' });
      continue;
    }
    // API Gateway joins repeated parameters with commas; a click id is never a list.
    if (value.length > MAX_PARAM_VALUE_LENGTH) dropped.push({ name, reason: 'too_long' });
    else if (CONTROL.test(value) || value.includes(',')) dropped.push({ name, reason: 'malformed' });
    else if (count >= MAX_PARAMS) dropped.push({ name, reason: 'too_many' });
    else {
      params[name] = value;
      count++;
    }
  }
  return { params, dropped };
}
