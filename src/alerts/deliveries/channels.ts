import { createHash } from 'node:crypto';
import { lookup as dnsLookup } from 'node:dns';
import { Agent as HttpAgent, request as httpRequest } from 'node:http';
import { Agent as HttpsAgent, request as httpsRequest } from 'node:https';
import type { LookupFunction } from 'node:net';
import type { ResolveHost } from './host-resolver.js';
import { webhookSignature } from './message.js';
import {
  allPublic,
  checkWebhookUrl,
  checkWecomUrl,
  isRefusal,
  OutboundPolicy,
} from './url-policy.js';

export const CHANNELS = ['wecom_bot', 'webhook', 'manual'] as const;
export type Channel = (typeof CHANNELS)[number];

/** What one send attempt came to; the deliver job turns it into the row's next state. */
export type SendOutcome =
  | { kind: 'sent' }
  /** WeCom 45009: over the robot's 20 a minute. Wait and retry; not a failed attempt. */
  | { kind: 'rate_limited'; error: string }
  /** WeCom 93000 (invalid webhook URL): no retry can help; the channel is flagged broken. */
  | { kind: 'broken'; error: string }
  /**
   * Anything else (network, 5xx, other errcodes): retried with backoff up to the maximum. `error`
   * is a category a user may see; `code` (ECONNREFUSED…) is for the log only.
   */
  | { kind: 'error'; error: string; code?: string };

export const WECOM_OVER_LIMIT = 45009;
export const WECOM_INVALID_WEBHOOK = 93000;

/** WeCom answers errors with HTTP 200 and a non-zero errcode; read both. */
export function classifyWecomAnswer(httpStatus: number, body: unknown): SendOutcome {
  const answer = (typeof body === 'object' && body !== null ? body : {}) as {
    errcode?: unknown;
    errmsg?: unknown;
  };
  if (httpStatus < 200 || httpStatus >= 300) return { kind: 'error', error: `http ${httpStatus}` };
  if (typeof answer.errcode !== 'number')
    return { kind: 'error', error: 'the robot answered without an errcode' };
  const text = `errcode ${answer.errcode}: ${String(answer.errmsg ?? '').slice(0, 200)}`.trim();
  if (answer.errcode === 0) return { kind: 'sent' };
  if (answer.errcode === WECOM_OVER_LIMIT) return { kind: 'rate_limited', error: text };
  if (answer.errcode === WECOM_INVALID_WEBHOOK) return { kind: 'broken', error: text };
  return { kind: 'error', error: text };
}

/** The robot key as the rate-limit key and in logs: a hash, never the key itself. */
export function robotKeyHash(key: string): string {
  return createHash('sha256').update(key).digest('hex');
}

/** `https://qyapi.weixin.qq.com/cgi-bin/webhook/send?key=****1a2b`: enough to recognise, not to use. */
export function maskWebhookUrl(raw: string, channel: Channel): string {
  const u = new URL(raw);
  if (channel === 'wecom_bot') {
    const key = u.searchParams.get('key') ?? '';
    return `${u.origin}${u.pathname}?key=****${key.slice(-4)}`;
  }
  return `${u.origin}${u.pathname}`;
}

/**
 * Kept-alive connections for the sends: a fan-out posts thousands of messages to the same host
 * (qyapi.weixin.qq.com), so each send reuses a connection instead of opening one. Idle sockets
 * close after 4 s (sooner when the server announces a shorter keep-alive). Robots and webhooks
 * never share a pool: a socket opened to the trusted WeCom host must not carry a webhook's
 * request, whose connections are only opened to checked addresses.
 */
const AGENT_OPTIONS = { keepAlive: true, timeout: 4000, scheduling: 'lifo' as const };
const robotAgents = { http: new HttpAgent(AGENT_OPTIONS), https: new HttpsAgent(AGENT_OPTIONS) };
const webhookAgents = { http: new HttpAgent(AGENT_OPTIONS), https: new HttpsAgent(AGENT_OPTIONS) };

/** Answers are small JSON; a receiver streaming more is cut off. */
const MAX_ANSWER_BYTES = 64 * 1024;

/**
 * A failure told by its category only. lastError is shown on the deliveries page: raw socket
 * errors ("connect ECONNREFUSED 10.0.0.7:5432") would make it a scanner of the server's network.
 */
export class SendFailure extends Error {
  constructor(
    readonly category: string,
    /** For the log: a code such as ECONNREFUSED, never shown to users. */
    readonly code?: string,
  ) {
    super(category);
    this.name = 'SendFailure';
  }
}

/**
 * The DNS lookup of a webhook's connection: it resolves the name and fails unless every address is
 * public, and the socket then connects to exactly those addresses. Checking inside the connection
 * leaves DNS no moment to change its answer between the check and the connect (DNS rebinding).
 * An IP literal never reaches a lookup; checkWebhookUrl has classified it.
 */
export const guardedLookup: LookupFunction = (hostname, options, callback) => {
  dnsLookup(hostname, { ...options, all: true }, (err, addresses) => {
    if (err) return callback(err, '');
    if (!allPublic(addresses))
      return callback(new SendFailure('refused: address not allowed', 'EADDRNOTALLOWED'), '');
    if (options.all) return callback(null, addresses);
    callback(null, addresses[0].address, addresses[0].family);
  });
};

/**
 * At registration: does the name resolve (through `resolve`, the HostResolver) to public addresses
 * only? A name that does not resolve (yet, or not from here within a few seconds) passes: the send
 * checks again, on its connection. It may take those seconds: never call it inside a transaction.
 */
export async function resolvesOnlyToPublic(
  hostname: string,
  resolve: ResolveHost,
): Promise<boolean> {
  let timer: NodeJS.Timeout | undefined;
  const gaveUp = new Promise<null>((r) => (timer = setTimeout(() => r(null), 3000)));
  try {
    const found = await Promise.race([resolve(hostname), gaveUp]);
    return found === null || allPublic(found);
  } catch {
    return true;
  } finally {
    clearTimeout(timer);
  }
}

/** What a user may read of a failed exchange. */
function category(err: unknown): SendFailure {
  if (err instanceof SendFailure) return err;
  const code = (err as NodeJS.ErrnoException | null)?.code;
  return new SendFailure('network error', typeof code === 'string' ? code : undefined);
}

interface PostOptions {
  agents: { http: HttpAgent; https: HttpsAgent };
  /** A webhook's connections resolve through guardedLookup. */
  lookup?: LookupFunction;
  timeoutMs: number;
}

/**
 * One POST through the kept-alive agents (node:http, cheaper per request than fetch). Redirects
 * are never followed (node:http does not; a 3xx is an answer like any non-2xx); `timeoutMs` bounds
 * the whole exchange. Rejects with a SendFailure only.
 */
function post(
  u: URL,
  body: string,
  headers: Record<string, string>,
  opts: PostOptions,
): Promise<{ status: number; json: unknown }> {
  return new Promise((resolve, reject) => {
    const https = u.protocol === 'https:';
    const send = https ? httpsRequest : httpRequest;
    // Encoded once: the length header and the socket take the same bytes, and the request goes
    // out as its head and this buffer instead of one string made of both.
    const payload = Buffer.from(body, 'utf8');
    const req = send(
      {
        protocol: u.protocol,
        // node:http wants an IPv6 literal without its brackets.
        hostname: u.hostname.startsWith('[') ? u.hostname.slice(1, -1) : u.hostname,
        port: u.port || undefined,
        path: `${u.pathname}${u.search}`,
        method: 'POST',
        agent: https ? opts.agents.https : opts.agents.http,
        ...(opts.lookup ? { lookup: opts.lookup } : {}),
        headers: {
          'content-type': 'application/json',
          'content-length': String(payload.length),
          ...headers,
        },
      },
      (res) => {
        const chunks: Buffer[] = [];
        let size = 0;
        res.on('data', (c: Buffer) => {
          size += c.length;
          if (size > MAX_ANSWER_BYTES) req.destroy(new SendFailure('answer too large'));
          else chunks.push(c);
        });
        res.on('error', fail);
        res.on('end', () => {
          clearTimeout(timer);
          let json: unknown;
          try {
            json = JSON.parse(Buffer.concat(chunks).toString('utf8'));
          } catch {
            json = null;
          }
          resolve({ status: res.statusCode ?? 0, json });
        });
      },
    );
    const timer = setTimeout(() => req.destroy(new SendFailure('timeout')), opts.timeoutMs);
    function fail(err: Error) {
      clearTimeout(timer);
      reject(category(err));
    }
    req.on('error', fail);
    req.end(payload);
  });
}

/** A send that failed before or during the exchange, as an outcome: refusals cannot heal by retrying. */
function failed(err: unknown): SendOutcome {
  const f = category(err);
  return f.category.startsWith('refused')
    ? { kind: 'broken', error: f.category }
    : { kind: 'error', error: f.category, code: f.code };
}

export async function sendWecom(
  url: string,
  markdown: string,
  timeoutMs: number,
  policy: OutboundPolicy,
): Promise<SendOutcome> {
  // Checked again at send time: a row stored before the rules, or under another base.
  const robot = checkWecomUrl(url, policy.wecomApiBase);
  if (isRefusal(robot)) return { kind: 'broken', error: robot.refusal };
  try {
    const { status, json } = await post(
      new URL(url),
      JSON.stringify({ msgtype: 'markdown', markdown: { content: markdown } }),
      {},
      { agents: robotAgents, timeoutMs },
    );
    return classifyWecomAnswer(status, json);
  } catch (err) {
    return failed(err);
  }
}

export interface WebhookMessage {
  deliveryId: string;
  warningId: string;
  kind: 'warning' | 'withdrawal';
  title: string;
  markdown: string;
  ackUrl: string | null;
}

/**
 * The generic webhook: JSON body, signed with the coordinator's secret in `X-Jingwang-Signature`
 * over `<X-Jingwang-Timestamp>.<body>`. `X-Jingwang-Delivery` lets the receiver drop a repeat
 * (the rare resend after a worker died between the send and its record). The URL passes the rules
 * again here, and a host name is resolved and checked by the connection itself (guardedLookup).
 */
export async function sendWebhook(
  url: string,
  secret: string,
  message: WebhookMessage,
  nowMs: number,
  timeoutMs: number,
  policy: OutboundPolicy,
): Promise<SendOutcome> {
  const checked = checkWebhookUrl(url, policy);
  if (isRefusal(checked)) return { kind: 'broken', error: checked.refusal };
  const body = JSON.stringify(message);
  const timestamp = String(Math.floor(nowMs / 1000));
  try {
    const { status } = await post(
      checked.url,
      body,
      {
        'x-jingwang-timestamp': timestamp,
        'x-jingwang-signature': webhookSignature(secret, timestamp, body),
        'x-jingwang-delivery': `${message.deliveryId}:${message.kind}`,
      },
      {
        agents: webhookAgents,
        lookup: checked.allowListed || checked.ipLiteral ? undefined : guardedLookup,
        timeoutMs,
      },
    );
    if (status >= 200 && status < 300) return { kind: 'sent' };
    if (status === 410) return { kind: 'broken', error: 'http 410: the receiver is gone' };
    return { kind: 'error', error: `http ${status}` };
  } catch (err) {
    return failed(err);
  }
}

/** Exponential backoff of the n-th failed attempt (1-based), capped at an hour. */
export function backoffMs(baseMs: number, attempt: number): number {
  return Math.min(3600_000, baseMs * 2 ** Math.max(0, attempt - 1));
}
