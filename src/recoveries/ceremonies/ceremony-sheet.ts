import { createHash } from 'node:crypto';
import { formatYuan, totalFen } from '../../common/money.js';
import { chinaTime } from '../../common/china-time.js';
import { CSV_BOM, csvLine } from '../../common/csv.js';
import { escapeHtml } from '../../common/http/html.js';

/** One line of the printable sheet (发还签收表): the victim masked, the amount in yuan and fen. */
export interface SheetLine {
  caseNo: string;
  victimName: string;
  idNumber: string | null;
  amountFen: number;
  signedAt: Date | null;
}

export interface SheetHeader {
  title: string;
  heldOn: string;
  venue: string;
  hostUnitName: string;
}

export const SHEET_COLUMNS = [
  '序号',
  '案件编号',
  '受害人',
  '身份证号',
  '发还金额（元）',
  '发还金额（分）',
  '签收时间',
  '受害人签名',
];

function cells(l: SheetLine, i: number): string[] {
  return [
    String(i + 1),
    l.caseNo,
    l.victimName,
    l.idNumber ?? '',
    formatYuan(l.amountFen),
    String(l.amountFen),
    l.signedAt ? chinaTime(l.signedAt) : '',
    '',
  ];
}

const total = (lines: SheetLine[]) => totalFen(lines.map((l) => l.amountFen));

/** CSV with a BOM (so Excel reads UTF-8), Chinese headers, one victim per line, and a total line. */
export function sheetCsv(lines: SheetLine[]): string {
  const rows = [
    SHEET_COLUMNS,
    ...lines.map(cells),
    ['合计', '', `${lines.length} 笔`, '', formatYuan(total(lines)), String(total(lines)), '', ''],
  ];
  return CSV_BOM + rows.map(csvLine).join('');
}

const SHEET_STYLE = `
body { font-family: "SimSun", "Songti SC", serif; margin: 2em; }
table { border-collapse: collapse; width: 100%; }
th, td { border: 1px solid #000; padding: 6px 8px; text-align: center; }
td:nth-child(8) { min-width: 8em; height: 2.5em; }
@media print { body { margin: 0; } }
`;

/** The sheet's Content-Security-Policy: nothing but its own style block (by hash), no scripts. */
export const SHEET_CSP =
  `default-src 'none'; style-src 'sha256-${createHash('sha256').update(SHEET_STYLE).digest('base64')}'; ` +
  "frame-ancestors 'none'; base-uri 'none'; form-action 'none'";

/** A printable HTML page: the ceremony, the table with an empty signature column, the total. */
export function sheetHtml(h: SheetHeader, lines: SheetLine[]): string {
  const head = SHEET_COLUMNS.map((c) => `<th>${escapeHtml(c)}</th>`).join('');
  const body = lines
    .map(
      (l, i) =>
        `<tr>${cells(l, i)
          .map((c) => `<td>${escapeHtml(c)}</td>`)
          .join('')}</tr>`,
    )
    .join('\n');
  return `<!DOCTYPE html>
<html lang="zh-CN">
<head>
<meta charset="utf-8">
<title>${escapeHtml(h.title)} — 发还签收表</title>
<style>${SHEET_STYLE}</style>
</head>
<body>
<h1>${escapeHtml(h.title)}</h1>
<p>发还签收表 · 时间：${escapeHtml(h.heldOn)} · 地点：${escapeHtml(h.venue)} · 主办单位：${escapeHtml(h.hostUnitName)}</p>
<table>
<thead><tr>${head}</tr></thead>
<tbody>
${body}
</tbody>
<tfoot><tr><td colspan="4">合计</td><td>${formatYuan(total(lines))}</td><td>${total(lines)}</td><td colspan="2"></td></tr></tfoot>
</table>
</body>
</html>
`;
}
