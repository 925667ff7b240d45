import { createHash } from 'node:crypto';
import { Agent as HttpAgent, request as httpRequest } from 'node:http';
import { Agent as HttpsAgent, request as httpsRequest } from 'node:https';
import { webhookSignature } from './message.js';

export const CHANNELS = ['wecom_bot', 'webhook', 'manual'] as const;
export type Channel = (typeof CHANNELS)[number];

/** What one send attempt came to; the deliver job turns it into the row's next state. */
export type SendOutcome =
  | { kind: 'sent' }
  /** WeCom 45009: over the robot's 20 a minute. Wait and retry; not a failed attempt. */
  | { kind: 'rate_limited'; error: string }
  /** WeCom 93000 (invalid webhook URL): no retry can help; the channel is flagged broken. */
  | { kind: 'broken'; error: string }
  /** Anything else (network, 5xx, other errcodes): retried with backoff up to the maximum. */
  | { kind: 'error'; error: string };

export const WECOM_OVER_LIMIT = 45009;
export const WECOM_INVALID_WEBHOOK = 93000;

/** WeCom answers errors with HTTP 200 and a non-zero errcode; read both. */
export function classifyWecomAnswer(httpStatus: number, body: unknown): SendOutcome {
  const answer = (typeof body === 'object' && body !== null ? body : {}) as {
    errcode?: unknown;
    errmsg?: unknown;
  };
  if (httpStatus < 200 || httpStatus >= 300) return { kind: 'error', error: `HTTP ${httpStatus}` };
  if (typeof answer.errcode !== 'number')
    return { kind: 'error', error: 'the robot answered without an errcode' };
  const text = `errcode ${answer.errcode}: ${String(answer.errmsg ?? '')}`.trim();
  if (answer.errcode === 0) return { kind: 'sent' };
  if (answer.errcode === WECOM_OVER_LIMIT) return { kind: 'rate_limited', error: text };
  if (answer.errcode === WECOM_INVALID_WEBHOOK) return { kind: 'broken', error: text };
  return { kind: 'error', error: text };
}

/** A WeCom robot URL must carry its key; the key is the secret that lets anyone post to the group. */
export function parseWecomUrl(raw: string): { key: string } | null {
  let u: URL;
  try {
    u = new URL(raw);
  } catch {
    return null;
  }
  if (!['https:', 'http:'].includes(u.protocol)) return null;
  const key = u.searchParams.get('key');
  if (!key || !/^[A-Za-z0-9-]{8,128}$/.test(key)) return null;
  return { key };
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
 * Kept-alive connections for the sends, one pool per scheme: a fan-out posts thousands of messages
 * to the same host (qyapi.weixin.qq.com), so each send reuses a connection instead of opening one.
 * Idle sockets close after 4 s (sooner when the server announces a shorter keep-alive).
 */
const AGENT_OPTIONS = { keepAlive: true, timeout: 4000, scheduling: 'lifo' as const };
const httpAgent = new HttpAgent(AGENT_OPTIONS);
const httpsAgent = new HttpsAgent(AGENT_OPTIONS);

/**
 * One POST through the kept-alive agents (node:http, cheaper per request than fetch). Redirects
 * are not followed (a 3xx is an answer like any non-2xx); `timeoutMs` bounds the whole exchange.
 */
function post(
  url: string,
  body: string,
  headers: Record<string, string>,
  timeoutMs: number,
): Promise<{ status: number; json: unknown }> {
  return new Promise((resolve, reject) => {
    const u = new URL(url);
    if (u.protocol !== 'http:' && u.protocol !== 'https:') {
      reject(new Error(`unsupported protocol ${u.protocol}`));
      return;
    }
    const send = u.protocol === 'https:' ? httpsRequest : httpRequest;
    const req = send(
      u,
      {
        method: 'POST',
        agent: u.protocol === 'https:' ? httpsAgent : httpAgent,
        headers: {
          'content-type': 'application/json',
          'content-length': String(Buffer.byteLength(body)),
          ...headers,
        },
      },
      (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (c: Buffer) => chunks.push(c));
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
    const timer = setTimeout(
      () => req.destroy(new Error(`no answer within ${timeoutMs} ms`)),
      timeoutMs,
    );
    function fail(err: Error) {
      clearTimeout(timer);
      reject(err);
    }
    req.on('error', fail);
    req.end(body);
  });
}

export async function sendWecom(
  url: string,
  markdown: string,
  timeoutMs: number,
): Promise<SendOutcome> {
  try {
    const { status, json } = await post(
      url,
      JSON.stringify({ msgtype: 'markdown', markdown: { content: markdown } }),
      {},
      timeoutMs,
    );
    return classifyWecomAnswer(status, json);
  } catch (err) {
    return { kind: 'error', error: (err as Error).message };
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
 * (the rare resend after a worker died between the send and its record).
 */
export async function sendWebhook(
  url: string,
  secret: string,
  message: WebhookMessage,
  nowMs: number,
  timeoutMs: number,
): Promise<SendOutcome> {
  const body = JSON.stringify(message);
  const timestamp = String(Math.floor(nowMs / 1000));
  try {
    const { status } = await post(
      url,
      body,
      {
        'x-jingwang-timestamp': timestamp,
        'x-jingwang-signature': webhookSignature(secret, timestamp, body),
        'x-jingwang-delivery': `${message.deliveryId}:${message.kind}`,
      },
      timeoutMs,
    );
    if (status >= 200 && status < 300) return { kind: 'sent' };
    if (status === 410) return { kind: 'broken', error: 'HTTP 410: the receiver is gone' };
    return { kind: 'error', error: `HTTP ${status}` };
  } catch (err) {
    return { kind: 'error', error: (err as Error).message };
  }
}

/** Exponential backoff of the n-th failed attempt (1-based), capped at an hour. */
export function backoffMs(baseMs: number, attempt: number): number {
  return Math.min(3600_000, baseMs * 2 ** Math.max(0, attempt - 1));
}
