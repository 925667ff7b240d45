import { createHash } from 'node:crypto';
import { chinaTime } from '../../common/china-time.js';
import { escapeHtml } from '../../common/http/html.js';
import { formatYuan, type Fen } from '../../common/money.js';
import type { ReportCeremony } from './monthly-report.repository.js';

/** One fraud type among the month's most frequent, with its typical script (典型手法). */
export interface ReportFraudTypeLine {
  code: string;
  zh: string;
  cases: number;
  lossFen: Fen;
  typicalScript: string;
}

/** Everything the monthly report (月度统计报告) shows; figures come from the statistics service. */
export interface MonthlyReportView {
  /** YYYY-MM */
  month: string;
  unitName: string;
  generatedAt: Date;
  cases: {
    total: number;
    /** Past 报案, not 不予立案. */
    registered: number;
    /** Solved, or solved and since closed. */
    solved: number;
    solvedRate: number | null;
    lossFen: Fen;
  };
  /** The month before, for the change (环比). */
  previous: { total: number; lossFen: Fen };
  money: {
    stoppedFen: Fen;
    frozenFen: Fen;
    recoveredFen: Fen;
    returnedFen: Fen;
  };
  hits: number;
  fraudTypes: ReportFraudTypeLine[];
  warnings: {
    published: number;
    deliveriesSent: number;
    acknowledged: number;
    acknowledgedShare: number | null;
  };
  ceremonies: ReportCeremony[];
}

/** Fraud types listed, and of those, how many with their typical script: two pages at most. */
export const REPORT_TOP_TYPES = 5;
export const REPORT_SCRIPTS = 3;
/** Ceremonies listed by name; more are summed up in one line. */
export const REPORT_CEREMONIES = 6;

const STYLE = `
@page{size:A4;margin:18mm 16mm 16mm}
*{box-sizing:border-box}
body{margin:0;font:11pt/1.65 "SimSun","Songti SC","Noto Serif CJK SC","Source Han Serif SC",serif;color:#000}
main{max-width:178mm;margin:0 auto;padding:8mm 0}
header{text-align:center;border-bottom:2px solid #c00;padding-bottom:3mm;margin-bottom:4mm}
.org{font:bold 13pt "SimHei","Heiti SC","Noto Sans CJK SC",sans-serif;margin:0;color:#c00;letter-spacing:1px}
h1{font:bold 17pt "SimHei","Heiti SC","Noto Sans CJK SC",sans-serif;margin:2mm 0 1mm}
.meta{margin:0;font-size:10pt}
h2{font:bold 12pt "SimHei","Heiti SC","Noto Sans CJK SC",sans-serif;margin:4mm 0 1.5mm}
p{margin:0 0 1.5mm;text-indent:2em}
table{width:100%;border-collapse:collapse;margin:1mm 0 2mm;font-size:10pt;page-break-inside:avoid}
th,td{border:1px solid #000;padding:1.2mm 2mm;text-align:center}
td.l{text-align:left}
td.n{text-align:right;font-variant-numeric:tabular-nums}
.script{font-size:10pt;text-indent:0;margin-left:2em}
.sign{display:flex;justify-content:space-between;margin-top:8mm;font-size:10.5pt}
.note{font-size:9pt;color:#333;text-indent:0;margin-top:3mm}
@media screen{body{background:#e9e9e9}main{background:#fff;padding:14mm 16mm;margin:6mm auto;box-shadow:0 0 4px #999;max-width:210mm}}
`;

/** Its own style block by hash, nothing else: no script, no image, no other request. */
export const REPORT_CSP =
  `default-src 'none'; style-src 'sha256-${createHash('sha256').update(STYLE).digest('base64')}'; ` +
  "frame-ancestors 'none'; base-uri 'none'; form-action 'none'";

const e = escapeHtml;
/** A figure, marked so a reader (or a test) can find it; the text is what is printed. */
const fig = (name: string, text: string) => `<span data-figure="${e(name)}">${e(text)}</span>`;
const n = (x: number) => String(x);
const pct = (share: number | null) =>
  share === null ? '—' : `${(Math.round(share * 1000) / 10).toFixed(1)}%`;
/** Change against the month before, in words. */
function change(now: number, before: number): string {
  if (before === 0) return now === 0 ? '与上月持平' : '上月为零';
  if (now === before) return '与上月持平';
  const p = (Math.round((Math.abs(now - before) / before) * 1000) / 10).toFixed(1);
  return `${now > before ? '环比上升' : '环比下降'} ${p}%`;
}

/** "2026-11" → "2026年11月"; the last day of the month for the period line. */
function monthZh(month: string): { title: string; period: string } {
  const [y, m] = month.split('-').map(Number);
  const last = new Date(Date.UTC(y, m, 0)).getUTCDate();
  return { title: `${y}年${m}月`, period: `${y}年${m}月1日至${m}月${last}日` };
}

/** The monthly report as a printable page (A4, one or two pages), all text in Chinese. */
export function monthlyReportHtml(v: MonthlyReportView): string {
  const m = monthZh(v.month);
  const c = v.cases;
  const money = v.money;
  const w = v.warnings;
  const typeRows = v.fraudTypes
    .map(
      (t, i) =>
        `<tr><td>${i + 1}</td><td class="l">${e(t.zh)}</td><td class="n">${fig(`type.${t.code}.cases`, n(t.cases))}</td>` +
        `<td class="n">${fig(`type.${t.code}.lossYuan`, formatYuan(t.lossFen))}</td>` +
        `<td class="n">${pct(c.total ? t.cases / c.total : null)}</td></tr>`,
    )
    .join('');
  const scripts = v.fraudTypes
    .slice(0, REPORT_SCRIPTS)
    .filter((t) => t.typicalScript)
    .map((t, i) => `<p class="script">${i + 1}. <b>${e(t.zh)}</b>：${e(t.typicalScript)}</p>`)
    .join('');
  const shown = v.ceremonies.slice(0, REPORT_CEREMONIES);
  const rest = v.ceremonies.slice(REPORT_CEREMONIES);
  const ceremonyRows = shown
    .map(
      (x) =>
        `<tr><td>${e(x.heldOn)}</td><td class="l">${e(x.title)}</td><td class="l">${e(x.hostUnitName)}</td>` +
        `<td class="n">${n(x.victims)}</td><td class="n">${formatYuan(x.returnedFen)}</td></tr>`,
    )
    .join('');
  const restLine = rest.length
    ? `<tr><td colspan="3" class="l">另有 ${rest.length} 场</td><td class="n">${n(rest.reduce((s, x) => s + x.victims, 0))}</td>` +
      `<td class="n">${formatYuan(rest.reduce((s, x) => s + x.returnedFen, 0))}</td></tr>`
    : '';
  const ceremonies = v.ceremonies.length
    ? `<p>本月共举行涉案资金发还仪式 ${fig('ceremonies', n(v.ceremonies.length))} 场：</p>
<table><thead><tr><th>日期</th><th>仪式名称</th><th>主办单位</th><th>受害人（人）</th><th>发还金额（元）</th></tr></thead>
<tbody>${ceremonyRows}${restLine}</tbody></table>`
    : `<p>本月未举行涉案资金发还仪式（${fig('ceremonies', '0')} 场）。</p>`;

  return `<!DOCTYPE html>
<html lang="zh-CN">
<head>
<meta charset="utf-8">
<title>${e(v.unitName)}${m.title}反诈工作统计报告</title>
<style>${STYLE}</style>
</head>
<body>
<main>
<header>
<p class="org">${e(v.unitName)}</p>
<h1>${m.title}电信网络诈骗案件工作情况统计报告</h1>
<p class="meta">统计期间：${m.period} · 统计范围：本单位及下级单位 · 生成时间：${e(chinaTime(v.generatedAt))}</p>
</header>

<h2>一、总体情况</h2>
<p>本月共受理电信网络诈骗案件 ${fig('casesTotal', n(c.total))} 起（${change(c.total, v.previous.total)}），其中立案
${fig('casesRegistered', n(c.registered))} 起；涉案损失 ${fig('lossYuan', formatYuan(c.lossFen))} 元（${change(c.lossFen, v.previous.lossFen)}）。
破案（含已结案）${fig('casesSolved', n(c.solved))} 起，破案率 ${fig('solvedRate', pct(c.solvedRate))}（破案数占立案数）。</p>

<h2>二、资金止付、冻结与返还</h2>
<table>
<thead><tr><th>紧急止付（元）</th><th>冻结（元）</th><th>追回（元）</th><th>返还群众（元）</th><th>可疑交易命中（条）</th></tr></thead>
<tbody><tr>
<td class="n">${fig('stoppedYuan', formatYuan(money.stoppedFen))}</td>
<td class="n">${fig('frozenYuan', formatYuan(money.frozenFen))}</td>
<td class="n">${fig('recoveredYuan', formatYuan(money.recoveredFen))}</td>
<td class="n">${fig('returnedYuan', formatYuan(money.returnedFen))}</td>
<td class="n">${fig('hits', n(v.hits))}</td>
</tr></tbody>
</table>

<h2>三、主要诈骗类型及典型手法</h2>
${
  v.fraudTypes.length
    ? `<table><thead><tr><th>序号</th><th>诈骗类型</th><th>案件数（起）</th><th>损失（元）</th><th>占比</th></tr></thead>
<tbody>${typeRows}</tbody></table>
${scripts ? `<p>典型作案手法：</p>${scripts}` : ''}`
    : '<p>本月无受理案件。</p>'
}

<h2>四、预警劝阻宣传</h2>
<p>本月发布反诈预警 ${fig('warningsPublished', n(w.published))} 条，推送至社区群
${fig('deliveriesSent', n(w.deliveriesSent))} 次，群协调员确认收到 ${fig('deliveriesAcknowledged', n(w.acknowledged))} 次，
确认率 ${fig('ackRate', pct(w.acknowledgedShare))}。</p>

<h2>五、涉案资金发还</h2>
${ceremonies}

<div class="sign"><span>填报人：__________</span><span>审核人：__________</span><span>填报单位（盖章）</span></div>
<p class="note">注：金额单位为元，精确到分；案件按报案时间、资金按发生时间计入当月（北京时间）。本报告由净网系统根据本单位及下级单位数据自动生成。</p>
</main>
</body>
</html>
`;
}
