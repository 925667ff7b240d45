import { createHmac, timingSafeEqual } from 'node:crypto';
import type { Severity } from '../warnings/warning-status.js';

/** WeCom group robots refuse markdown content over 4096 bytes (UTF-8). */
export const WECOM_MAX_BYTES = 4096;

/** The closing line of every warning: the four 反诈 reminders and the 96110 hotline. */
export const CLOSING_LINE = '不轻信、不透露、不转账、及时报案 96110';

export const SEVERITY_ZH: Record<Severity, string> = {
  extreme: '特别严重',
  severe: '严重',
  moderate: '较重',
  minor: '一般',
};

export interface WarningMessageInput {
  title: string;
  body: string;
  fraudTypeZh: string;
  typicalScript: string;
  severity: Severity;
  unitName: string;
  ackUrl: string;
  /** Where the whole text can be read when the body has to be cut. */
  fullTextUrl: string;
}

/**
 * Unicode bidirectional controls: embeddings and overrides (U+202A–U+202E), isolates
 * (U+2066–U+2069) and the marks (U+200E, U+200F, U+061C). Invisible, they reorder what a reader
 * sees ("Trojan Source"): a title could show a different phone number or link than it carries.
 */
const BIDI_CONTROLS = /[\u202A-\u202E\u2066-\u2069\u200E\u200F\u061C]/g;

/** Free text as it may go out (WeChat messages, webhooks, CAP): without bidirectional controls. */
export function stripBidiControls(s: string): string {
  return s.replace(BIDI_CONTROLS, '');
}

const bytes = (s: string) => Buffer.byteLength(s, 'utf8');

/** The longest prefix of `s` (whole code points) that fits in `maxBytes` of UTF-8. */
export function cutToBytes(s: string, maxBytes: number): string {
  if (bytes(s) <= maxBytes) return s;
  let out = '';
  let used = 0;
  for (const ch of s) {
    const n = bytes(ch);
    if (used + n > maxBytes) break;
    out += ch;
    used += n;
  }
  return out;
}

/**
 * The warning as WeCom markdown: title, type and severity, body, the type's typical script, the
 * closing line and an acknowledgement link. When it would exceed 4096 bytes the body is cut at a
 * character boundary and a link to the full text is added; the rest always stays whole.
 */
export function renderWarningMarkdown(m: WarningMessageInput): string {
  const head =
    `# 【反诈预警】${m.title}\n` +
    `> 诈骗类型：<font color="warning">${m.fraudTypeZh}</font>\n` +
    `> 预警级别：${SEVERITY_ZH[m.severity]}\n` +
    `> 发布单位：${m.unitName}\n\n`;
  const tail =
    `\n\n**典型话术**：${m.typicalScript}\n\n` +
    `<font color="warning">${CLOSING_LINE}</font>\n\n` +
    `[已收到，点此确认](${m.ackUrl})`;
  const whole = head + m.body + tail;
  if (bytes(whole) <= WECOM_MAX_BYTES) return whole;
  const more = `……\n[阅读全文](${m.fullTextUrl})`;
  const room = WECOM_MAX_BYTES - bytes(head) - bytes(tail) - bytes(more);
  const body = cutToBytes(m.body, Math.max(0, room));
  // Still too long (an enormous title or script): cut the whole thing, keeping it valid text.
  return cutToBytes(head + body + more + tail, WECOM_MAX_BYTES);
}

/** The short notice sent to groups that already received a warning that was then withdrawn. */
export function renderWithdrawalMarkdown(m: {
  title: string;
  unitName: string;
  reason: string | null;
}): string {
  const text =
    `# 【预警撤回】${m.title}\n` +
    `> 发布单位：${m.unitName}\n\n` +
    `此前推送的预警“${m.title}”已撤回，请勿再转发。` +
    (m.reason ? `\n撤回原因：${m.reason}` : '') +
    `\n\n<font color="warning">${CLOSING_LINE}</font>`;
  return cutToBytes(text, WECOM_MAX_BYTES);
}

/**
 * The warning as plain text, for the manual channel: a coordinator pastes it into an ordinary
 * WeChat group, where WeCom markdown would show as literal `<font>` and `**`. The same content as
 * the markdown (labels in Chinese, line breaks kept, the link as a bare URL), and never cut: a
 * pasted message has no 4096-byte limit.
 */
export function renderWarningText(m: Omit<WarningMessageInput, 'fullTextUrl'>): string {
  return (
    `【反诈预警】${m.title}\n` +
    `诈骗类型：${m.fraudTypeZh}\n` +
    `预警级别：${SEVERITY_ZH[m.severity]}\n` +
    `发布单位：${m.unitName}\n\n` +
    `${m.body}\n\n` +
    (m.typicalScript ? `典型话术：${m.typicalScript}\n\n` : '') +
    `${CLOSING_LINE}\n\n` +
    `已收到请点此确认：${m.ackUrl}`
  );
}

/** The withdrawal notice as plain text (see renderWarningText). */
export function renderWithdrawalText(m: {
  title: string;
  unitName: string;
  reason: string | null;
}): string {
  return (
    `【预警撤回】${m.title}\n` +
    `发布单位：${m.unitName}\n\n` +
    `此前推送的预警“${m.title}”已撤回，请勿再转发。` +
    (m.reason ? `\n撤回原因：${m.reason}` : '') +
    `\n\n${CLOSING_LINE}`
  );
}

/**
 * A signed, expiring token for the acknowledgement link: `<expiry epoch s>.<HMAC-SHA256>`, bound to
 * one delivery. Nothing is stored; the key is derived from the app's secret.
 */
export function signAckToken(key: Buffer, deliveryId: string, expiresAtSeconds: number): string {
  const mac = createHmac('sha256', key).update(`ack:${deliveryId}:${expiresAtSeconds}`).digest();
  return `${expiresAtSeconds}.${mac.toString('base64url')}`;
}

export type AckTokenVerdict = 'ok' | 'invalid' | 'expired';

export function verifyAckToken(
  key: Buffer,
  deliveryId: string,
  token: string,
  nowSeconds: number,
): AckTokenVerdict {
  const match = /^(\d{1,12})\.([A-Za-z0-9_-]{43})$/.exec(token);
  if (!match) return 'invalid';
  const expected = Buffer.from(
    signAckToken(key, deliveryId, Number(match[1])).split('.')[1],
    'base64url',
  );
  const given = Buffer.from(match[2], 'base64url');
  if (given.length !== expected.length || !timingSafeEqual(given, expected)) return 'invalid';
  return Number(match[1]) < nowSeconds ? 'expired' : 'ok';
}

/** Signature header of the generic webhook channel: HMAC-SHA256 over `<timestamp>.<body>`. */
export function webhookSignature(secret: string, timestamp: string, body: string): string {
  return 'sha256=' + createHmac('sha256', secret).update(`${timestamp}.${body}`).digest('hex');
}
