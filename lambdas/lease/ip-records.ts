/**
 * Validation of one proxy endpoint record as an operator provisions it (JSON or a CSV row).
 * Pure: no I/O. The result is either a normalised IpRecord or a reason fit to show the operator.
 */
import { createHash } from 'node:crypto';
import { isIP } from 'node:net';
import { LeaseConfigError } from './errors';

export interface IpRecord {
  readonly ipId: string;
  /** Lowercase hostname, IPv4, or IPv6 without brackets. */
  readonly host: string;
  readonly port: number;
  /** ISO 3166-1 alpha-2, lowercase. */
  readonly country: string;
  readonly provider: string;
  readonly enabled: boolean;
}

export interface IpRecordConfig {
  /** Providers with a credentials secret; anything else is rejected. Required, non-empty. */
  readonly providers: readonly string[];
}

export type RecordCheck = { readonly ok: true; readonly record: IpRecord } | { readonly ok: false; readonly reason: string };

/** ISO 3166-1 alpha-2, officially assigned codes. */
const ISO_COUNTRIES = new Set(
  (
    'ad ae af ag ai al am ao aq ar as at au aw ax az ba bb bd be bf bg bh bi bj bl bm bn bo bq br bs bt bv bw by bz ' +
    'ca cc cd cf cg ch ci ck cl cm cn co cr cu cv cw cx cy cz de dj dk dm do dz ec ee eg eh er es et fi fj fk fm fo fr ' +
    'ga gb gd ge gf gg gh gi gl gm gn gp gq gr gs gt gu gw gy hk hm hn hr ht hu id ie il im in io iq ir is it je jm jo jp ' +
    'ke kg kh ki km kn kp kr kw ky kz la lb lc li lk lr ls lt lu lv ly ma mc md me mf mg mh mk ml mm mn mo mp mq mr ms mt ' +
    'mu mv mw mx my mz na nc ne nf ng ni nl no np nr nu nz om pa pe pf pg ph pk pl pm pn pr ps pt pw py qa re ro rs ru rw ' +
    'sa sb sc sd se sg sh si sj sk sl sm sn so sr ss st sv sx sy sz tc td tf tg th tj tk tl tm tn to tr tt tv tw tz ' +
    'ua ug um us uy uz va vc ve vg vi vn vu wf ws ye yt za zm zw'
  ).split(' '),
);
/**
 * Exceptionally reserved codes people use in place of the assigned one. Geo lookups return the
 * assigned code (GB), so an IP tagged 'uk' would never match a UK click: normalise instead.
 */
const COUNTRY_ALIASES: Readonly<Record<string, string>> = { uk: 'gb' };

export const COUNTRY_CODE_COUNT = ISO_COUNTRIES.size;

/** Lowercase ISO 3166-1 alpha-2 code, or undefined when `input` is not one. */
export function normalizeCountry(input: string): string | undefined {
  const code = input.trim().toLowerCase();
  const resolved = COUNTRY_ALIASES[code] ?? code;
  return ISO_COUNTRIES.has(resolved) ? resolved : undefined;
}

const PROVIDER_NAME = /^[a-z0-9][a-z0-9_-]{0,31}$/;
const IP_ID = /^[A-Za-z0-9][A-Za-z0-9._:@-]{0,127}$/;
const HOST_LABEL = /^[a-z0-9_]([a-z0-9_-]{0,61}[a-z0-9_])?$/;

/** Checks the provider list once, so every record check can trust it. */
export function resolveRecordConfig(config: IpRecordConfig): IpRecordConfig {
  if (!config.providers.length) throw new LeaseConfigError('providers: at least one known provider is required');
  for (const p of config.providers) {
    if (!PROVIDER_NAME.test(p)) throw new LeaseConfigError(`providers: '${p}' is not a valid provider name (a-z, 0-9, _ and -)`);
  }
  return { providers: [...config.providers] };
}

/** Deterministic, so importing the same endpoint twice updates one item instead of adding two. */
export function deriveIpId(provider: string, host: string, port: number): string {
  const digest = createHash('sha256').update(`${provider}\n${host}\n${port}`).digest('hex');
  return `${provider}-${digest.slice(0, 16)}`;
}

function checkHost(raw: string): { host: string } | { reason: string } {
  let host = raw.trim().toLowerCase();
  if (!host) return { reason: 'host is empty' };
  if (/^[a-z][a-z0-9+.-]*:\/\//.test(host)) return { reason: `host '${raw}' must be a bare host name or address, not a URL` };
  if (host.startsWith('[') && host.endsWith(']')) host = host.slice(1, -1);
  if (isIP(host)) return { host };
  if (/^[0-9.]+$/.test(host)) return { reason: `host '${raw}' is not a valid IPv4 address` };
  if (host.includes(':')) return { reason: `host '${raw}' must not include a port (use the port field)` };
  const name = host.endsWith('.') ? host.slice(0, -1) : host;
  if (name.length > 253 || !name.split('.').every((label) => HOST_LABEL.test(label))) {
    return { reason: `host '${raw}' is not a valid host name or IP address` };
  }
  return { host: name };
}

function checkPort(raw: unknown): { port: number } | { reason: string } {
  const text = typeof raw === 'number' ? String(raw) : typeof raw === 'string' ? raw.trim() : undefined;
  if (text === undefined || text === '') return { reason: 'port is required' };
  if (!/^\d+$/.test(text)) return { reason: `port '${text}' is not an integer` };
  const port = Number(text);
  if (port < 1 || port > 65535) return { reason: `port ${text} is out of range 1-65535` };
  return { port };
}

function checkEnabled(raw: unknown): { enabled: boolean } | { reason: string } {
  if (raw === undefined || raw === null || raw === '') return { enabled: true };
  if (typeof raw === 'boolean') return { enabled: raw };
  if (typeof raw === 'string' && /^(true|false)$/i.test(raw.trim())) return { enabled: raw.trim().toLowerCase() === 'true' };
  return { reason: `enabled must be true or false, got '${String(raw)}'` };
}

const FIELDS = new Set(['host', 'port', 'country', 'provider', 'ipId', 'enabled']);

/** Validates one record. `raw` is a JSON object or a CSV row keyed by header name. */
export function checkIpRecord(raw: unknown, config: IpRecordConfig): RecordCheck {
  const fail = (reason: string): RecordCheck => ({ ok: false, reason });
  if (typeof raw !== 'object' || raw === null || Array.isArray(raw)) return fail('record must be an object');
  const r = raw as Record<string, unknown>;
  const unknown = Object.keys(r).filter((k) => !FIELDS.has(k));
  if (unknown.length) return fail(`unknown field(s): ${unknown.join(', ')}`);

  if (typeof r.host !== 'string') return fail('host is required');
  const host = checkHost(r.host);
  if ('reason' in host) return fail(host.reason);

  const port = checkPort(r.port);
  if ('reason' in port) return fail(port.reason);

  if (typeof r.country !== 'string' || !r.country.trim()) return fail('country is required');
  const country = normalizeCountry(r.country);
  if (!country) return fail(`country '${r.country}' is not an ISO 3166-1 alpha-2 code`);

  if (typeof r.provider !== 'string' || !r.provider.trim()) return fail('provider is required');
  const provider = r.provider.trim().toLowerCase();
  if (!config.providers.includes(provider)) {
    return fail(`unknown provider '${r.provider}' (known: ${config.providers.join(', ')})`);
  }

  const enabled = checkEnabled(r.enabled);
  if ('reason' in enabled) return fail(enabled.reason);

  let ipId: string;
  if (r.ipId === undefined || r.ipId === null || r.ipId === '') {
    ipId = deriveIpId(provider, host.host, port.port);
  } else if (typeof r.ipId !== 'string' || !IP_ID.test(r.ipId.trim())) {
    return fail(`ipId '${String(r.ipId)}' is invalid (1-128 of A-Z a-z 0-9 . _ : @ -, starting alphanumeric)`);
  } else {
    ipId = r.ipId.trim();
  }

  return { ok: true, record: { ipId, host: host.host, port: port.port, country, provider, enabled: enabled.enabled } };
}
