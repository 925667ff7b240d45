import type { AppConfig } from '../../common/config/config.js';
import { classifyIp, isPublicIp } from '../../common/net/ip-range.js';

/**
 * Where alert deliveries may go (docs/ARCHITECTURE.md, Trust boundaries). A coordinator's URL is typed by a
 * community officer, and the worker POSTs to it from inside the police network: without these
 * rules it could reach the server itself, its database, the cloud metadata service or any
 * internal host, and the delivery's error would tell what answered.
 */
export interface OutboundPolicy {
  /** WECOM_API_BASE: every robot URL is `<base>?key=…`; its host is trusted as configured. */
  wecomApiBase: string;
  /** WEBHOOK_ALLOWED_HOSTS, normalized `host` (any port) or `host:port`: exempt from the address rules. */
  webhookAllowedHosts: string[];
  /** Production: webhooks only over https. */
  requireHttps: boolean;
}

export function outboundPolicy(config: AppConfig): OutboundPolicy {
  return {
    wecomApiBase: config.alerts.wecomApiBase,
    webhookAllowedHosts: config.alerts.webhookAllowedHosts,
    requireHttps: config.nodeEnv === 'production',
  };
}

/** Why a URL is refused: `problem` for the officer registering it, `refusal` for a delivery's lastError. */
export interface UrlRefusal {
  problem: string;
  refusal: 'refused: address not allowed' | 'refused: url not allowed';
}

const urlRefused = (problem: string): UrlRefusal => ({
  problem,
  refusal: 'refused: url not allowed',
});
const addressRefused = (problem: string): UrlRefusal => ({
  problem,
  refusal: 'refused: address not allowed',
});

function parse(raw: string): URL | null {
  try {
    return new URL(raw);
  } catch {
    return null;
  }
}

const ROBOT_KEY = /^[A-Za-z0-9-]{8,128}$/;

/** WECOM_API_BASE parsed once (every robot send checks its URL against it). */
let lastBase: { raw: string; url: URL } | undefined;
function parsedBase(base: string): URL {
  if (lastBase?.raw !== base) lastBase = { raw: base, url: new URL(base) };
  return lastBase.url;
}

/**
 * A WeCom robot URL is the configured base (same origin and path) with one query parameter, `key`:
 * nothing else may ride along (no credentials, fragment or extra parameters).
 */
export function checkWecomUrl(raw: string, base: string): { key: string } | UrlRefusal {
  const u = parse(raw);
  const b = parsedBase(base);
  const problem = `must be a WeCom robot URL: ${b.origin}${b.pathname}?key=<robot key>`;
  if (!u || u.origin !== b.origin || u.pathname !== b.pathname) return urlRefused(problem);
  if (u.username || u.password || u.hash) return urlRefused(problem);
  const names = [...u.searchParams.keys()];
  const key = u.searchParams.get('key');
  if (names.length !== 1 || names[0] !== 'key' || !key || !ROBOT_KEY.test(key))
    return urlRefused(`${problem} (the key: 8-128 letters, digits or -)`);
  return { key };
}

const DEFAULT_PORT: Record<string, string> = { 'http:': '80', 'https:': '443' };

/** Is the URL's host (with its port, or any port) on the allow-list? */
export function isAllowListed(u: URL, allowed: string[]): boolean {
  const port = u.port || DEFAULT_PORT[u.protocol];
  return allowed.includes(u.hostname) || allowed.includes(`${u.hostname}:${port}`);
}

/** What a webhook URL that passed the rules is, for the sender. */
export interface CheckedWebhookUrl {
  url: URL;
  /** On WEBHOOK_ALLOWED_HOSTS: sent as is. */
  allowListed: boolean;
  /**
   * The host is an IP literal (already checked) rather than a name; a name is checked again on
   * each connection, address by address, after DNS.
   */
  ipLiteral: boolean;
}

/**
 * The rules a webhook URL must pass without looking anything up: the scheme (https in production),
 * no credentials, and unless its host is allow-listed, no IP literal other than a public address.
 * WHATWG URL parsing has already turned odd IPv4 spellings (0x7f000001, 2130706433, 127.1,
 * 0177.0.0.1) into dotted quads and IPv4-mapped IPv6 into hex (::ffff:7f00:1). A host name
 * (localhost included) is judged by what it resolves to, at registration and on each connection.
 */
export function checkWebhookUrl(
  raw: string,
  policy: OutboundPolicy,
): CheckedWebhookUrl | UrlRefusal {
  const u = parse(raw);
  if (!u) return urlRefused('must be a valid absolute URL');
  if (u.protocol !== 'https:' && (policy.requireHttps || u.protocol !== 'http:'))
    return urlRefused(policy.requireHttps ? 'must be an https URL' : 'must be an http(s) URL');
  if (u.username || u.password)
    return urlRefused('must not carry a user name or password (user:password@host)');
  if (isAllowListed(u, policy.webhookAllowedHosts))
    return { url: u, allowListed: true, ipLiteral: classifyIp(u.hostname) !== null };
  const range = classifyIp(u.hostname);
  if (range !== null && range !== 'public')
    return addressRefused(`must not point to a ${range} address`);
  return { url: u, allowListed: false, ipLiteral: range !== null };
}

export function isRefusal(v: object): v is UrlRefusal {
  return 'refusal' in v;
}

/** Resolved addresses of a name that may be connected to: every one must be public. */
export function allPublic(addresses: { address: string }[]): boolean {
  return addresses.length > 0 && addresses.every((a) => isPublicIp(a.address));
}
