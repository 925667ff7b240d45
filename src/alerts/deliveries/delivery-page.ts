import { createHash } from 'node:crypto';
import { chinaTime } from '../../common/china-time.js';
import { escapeHtml } from '../../common/http/html.js';
import { CLOSING_LINE, SEVERITY_ZH } from './message.js';
import type { Severity } from '../warnings/warning-status.js';

/** What the page of one delivery shows: the warning and whether the group acknowledged it. */
export interface DeliveryPageView {
  deliveryId: string;
  /** The link's token: sent back in the form body when the button is pressed. */
  token: string;
  title: string;
  body: string;
  fraudTypeZh: string;
  typicalScript: string;
  severity: Severity;
  unitName: string;
  publishedAt: Date | null;
  acknowledgedAt: Date | null;
  /** Whether the button may be offered (the message was sent, not cancelled or failed). */
  canAcknowledge: boolean;
}

/** Why a page cannot be shown; each has its own status and a friendly Chinese explanation. */
export type DeliveryPageProblem = 'invalid' | 'expired' | 'not_found' | 'withdrawn';

const PROBLEMS: Record<DeliveryPageProblem, { status: number; title: string; text: string }> = {
  invalid: {
    status: 403,
    title: '链接无效',
    text: '这个链接不完整或已被改动。请从群消息中重新点开链接，或联系推送预警的社区民警。',
  },
  expired: {
    status: 403,
    title: '链接已过期',
    text: '这个确认链接已超过有效期。如需确认收到，请联系推送预警的社区民警。',
  },
  not_found: {
    status: 404,
    title: '未找到这条消息',
    text: '这条预警消息不存在或已被删除。请联系推送预警的社区民警。',
  },
  withdrawn: {
    status: 410,
    title: '该预警已撤回',
    text: '发布单位已撤回这条预警，请勿再转发。',
  },
};

const STYLE = `
*{box-sizing:border-box}
body{margin:0;padding:16px;font:18px/1.6 -apple-system,"PingFang SC","Microsoft YaHei",sans-serif;color:#1a1a1a;background:#f4f4f4;overflow-wrap:anywhere}
main{max-width:640px;margin:0 auto}
.card{background:#fff;border-radius:12px;padding:16px;margin-bottom:16px}
.tag{display:inline-block;background:#c62828;color:#fff;border-radius:6px;padding:2px 10px;font-size:16px}
h1{font-size:24px;line-height:1.4;margin:12px 0}
dl{margin:0;display:grid;grid-template-columns:auto 1fr;gap:4px 12px;font-size:16px;color:#555}
dd{margin:0;color:#1a1a1a}
.body{white-space:pre-wrap;margin:0}
h2{font-size:18px;margin:0 0 8px;color:#c62828}
.closing{font-weight:bold;color:#c62828;text-align:center}
.tel{display:block;text-align:center;background:#fff;border:2px solid #c62828;color:#c62828;border-radius:12px;padding:14px;font-size:22px;font-weight:bold;text-decoration:none;margin-bottom:16px}
button{display:block;width:100%;min-height:56px;border:0;border-radius:12px;background:#1b5e20;color:#fff;font-size:22px;font-weight:bold}
.done{margin:0;text-align:center;background:#e8f5e9;color:#1b5e20;border-radius:12px;padding:14px;font-size:22px;font-weight:bold}
.done small{display:block;font-size:15px;font-weight:normal;color:#555}
`;

/**
 * The page's Content-Security-Policy: its own style block (by hash), no scripts, no other source;
 * the form may post only to this origin.
 */
export const DELIVERY_PAGE_CSP =
  `default-src 'none'; style-src 'sha256-${createHash('sha256').update(STYLE).digest('base64')}'; ` +
  "frame-ancestors 'none'; base-uri 'none'; form-action 'self'";

function page(title: string, main: string): string {
  return `<!DOCTYPE html>
<html lang="zh-CN">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<meta name="robots" content="noindex, nofollow">
<title>${escapeHtml(title)}</title>
<style>${STYLE}</style>
</head>
<body>
<main>
${main}
<a class="tel" href="tel:96110">拨打 96110 反诈专线</a>
</main>
</body>
</html>
`;
}

/** The warning of one delivery, for the phone of whoever tapped the link in the group message. */
export function deliveryPageHtml(v: DeliveryPageView): string {
  const e = escapeHtml;
  const meta = [
    ['诈骗类型', v.fraudTypeZh],
    ['预警级别', SEVERITY_ZH[v.severity]],
    ['发布单位', v.unitName],
    ['发布时间', v.publishedAt ? chinaTime(v.publishedAt) : ''],
  ]
    .filter(([, value]) => value)
    .map(([k, value]) => `<dt>${e(k)}</dt><dd>${e(value)}</dd>`)
    .join('');
  const script = v.typicalScript
    ? `<section class="card"><h2>典型话术</h2><p class="body">${e(v.typicalScript)}</p></section>`
    : '';
  // The token goes back in the form body: a POST to the page's own path, never by GET.
  const ack = v.acknowledgedAt
    ? `<p class="done" role="status">已确认收到<small>确认时间：${e(chinaTime(v.acknowledgedAt))}</small></p>`
    : v.canAcknowledge
      ? `<form method="post" action="/m/deliveries/${e(v.deliveryId)}">` +
        `<input type="hidden" name="token" value="${e(v.token)}">` +
        `<button type="submit">已收到，点此确认</button></form>`
      : '';
  return page(
    `【反诈预警】${v.title}`,
    `<article class="card">
<span class="tag">反诈预警</span>
<h1>${e(v.title)}</h1>
<dl>${meta}</dl>
</article>
<section class="card"><p class="body">${e(v.body)}</p></section>
${script}
<p class="closing">${e(CLOSING_LINE)}</p>
${ack ? `<section class="card">${ack}</section>` : ''}`,
  );
}

/** A friendly page for a link that cannot be shown, with its HTTP status. */
export function deliveryProblemHtml(problem: DeliveryPageProblem): {
  status: number;
  html: string;
} {
  const p = PROBLEMS[problem];
  return {
    status: p.status,
    html: page(
      p.title,
      `<article class="card"><h1>${escapeHtml(p.title)}</h1><p>${escapeHtml(p.text)}</p></article>`,
    ),
  };
}
