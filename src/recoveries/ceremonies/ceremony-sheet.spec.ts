import assert from 'node:assert/strict';
import { describe, it } from '@jest/globals';
import { SHEET_COLUMNS, sheetCsv, sheetHtml } from './ceremony-sheet.js';

const lines = [
  {
    caseNo: 'GY-1',
    victimName: '张*',
    idNumber: '110***********002X',
    amountFen: 500_000,
    signedAt: new Date('2026-09-15T02:00:00Z'),
  },
  { caseNo: 'GY-1', victimName: '=李*', idNumber: null, amountFen: 5, signedAt: null },
];

describe('ceremony sheet (发还签收表)', () => {
  it('CSV: BOM, Chinese headers, yuan and fen, a total, formulas defused', () => {
    const csv = sheetCsv(lines);
    assert.ok(csv.startsWith('\ufeff'));
    const rows = csv.slice(1).trim().split('\r\n');
    assert.equal(rows[0], SHEET_COLUMNS.join(','));
    assert.equal(rows[1], '1,GY-1,张*,110***********002X,5000.00,500000,2026-09-15 10:00,');
    assert.equal(rows[2], "2,GY-1,'=李*,,0.05,5,,");
    assert.equal(rows[3], '合计,,2 笔,,5000.05,500005,,');
  });

  it('HTML: escapes what it prints and leaves the signature column blank', () => {
    const html = sheetHtml(
      { title: '发还<仪式>', heldOn: '2026-09-15', venue: '会议室', hostUnitName: '网安大队' },
      lines,
    );
    assert.ok(html.includes('发还&lt;仪式&gt;'));
    assert.ok(html.includes('<th>受害人签名</th>'));
    assert.ok(html.includes('<td>5000.00</td><td>500000</td>'));
    assert.ok(!html.includes('<仪式>'));
  });
});
