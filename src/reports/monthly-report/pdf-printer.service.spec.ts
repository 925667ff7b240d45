import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import { describe, it } from '@jest/globals';
import type { AppConfig } from '../../common/config/config.js';
import { ApiError } from '../../common/http/errors.js';
import { pdfPages } from '../../../test/pdf-pages.js';
import { NO_CHROMIUM_MESSAGE, PdfPrinter } from './pdf-printer.service.js';

const CHROMIUM = '/usr/bin/chromium';
const printer = (chromiumPath: string, pdfConcurrency = 2) =>
  new PdfPrinter({ reports: { chromiumPath, pdfConcurrency } } as AppConfig);

describe('PdfPrinter', () => {
  it('without Chromium: a 503 that says so in Chinese and English, naming the format', async () => {
    const p = printer('/nonexistent/chromium');
    await assert.rejects(p.pdf('<p>报告</p>'), (err: unknown) => {
      assert.ok(err instanceof ApiError);
      assert.equal(err.getStatus(), 503);
      assert.equal(err.message, NO_CHROMIUM_MESSAGE);
      assert.match(err.message, /服务器未安装 Chromium/);
      assert.match(err.message, /Chromium is not installed/);
      assert.equal(err.details[0].field, 'format');
      return true;
    });
    assert.equal(p.launches, 0);
  });

  it('prints A4 pages with one browser, launched on first use and reused, at most N at once', async () => {
    if (!existsSync(CHROMIUM)) {
      console.warn(`skipped: no Chromium at ${CHROMIUM} (Debian: apt-get install chromium)`);
      return;
    }
    const p = printer(CHROMIUM, 1);
    try {
      assert.equal(p.launches, 0, 'nothing launched before the first PDF');
      const html = (n: number) =>
        `<!DOCTYPE html><html lang="zh-CN"><meta charset="utf-8"><body>${'<p>月度报告</p>'.repeat(n)}</body></html>`;
      // Five at once through one slot: each waits its turn, none fails.
      let most = 0;
      const sample = setInterval(() => (most = Math.max(most, p.printing)), 1);
      const pdfs = await Promise.all([1, 2, 3, 4, 80].map((n) => p.pdf(html(n)))).finally(() =>
        clearInterval(sample),
      );
      for (const pdf of pdfs) assert.equal(pdf.subarray(0, 5).toString('latin1'), '%PDF-');
      assert.deepEqual(
        pdfs.slice(0, 4).map((pdf) => pdfPages(pdf)),
        [1, 1, 1, 1],
      );
      assert.ok(pdfPages(pdfs[4]) > 1, 'a long page breaks onto more A4 pages');
      assert.equal(most, 1, 'one page printing at a time');
      assert.equal(p.printing, 0, 'every slot given back');
      assert.equal(p.launches, 1, 'one browser for all of them');
    } finally {
      await p.onApplicationShutdown();
    }
  }, 60_000);
});
