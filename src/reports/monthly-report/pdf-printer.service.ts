import { HttpStatus, Inject, Injectable, Logger, OnApplicationShutdown } from '@nestjs/common';
import { existsSync } from 'node:fs';
import { chromium, type Browser } from 'playwright-core';
import { APP_CONFIG, type AppConfig } from '../../common/config/config.js';
import { ApiError } from '../../common/http/errors.js';

/** Flags for a server: no sandbox (containers rarely allow it), nothing fetched in the background. */
const CHROMIUM_ARGS = [
  '--no-sandbox',
  '--headless',
  '--disable-gpu',
  '--disable-dev-shm-usage',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
  '--no-first-run',
];

/** A page that has not printed in this long is abandoned (a hung renderer must not hold a slot). */
const PRINT_TIMEOUT_MS = 30_000;

export const NO_CHROMIUM_MESSAGE =
  'PDF 打印不可用：服务器未安装 Chromium，请改用 HTML 版本打印。' +
  ' PDF printing is unavailable: Chromium is not installed on the server (CHROMIUM_PATH); print the HTML version instead.';

/**
 * Prints HTML to PDF with one headless Chromium, launched on the first request and kept for the
 * next ones (a launch costs about a second; a page a few milliseconds), closed when the app stops.
 * At most `pdfConcurrency` pages print at once; further requests wait their turn in order.
 */
@Injectable()
export class PdfPrinter implements OnApplicationShutdown {
  private readonly log = new Logger(PdfPrinter.name);
  private browser: Promise<Browser> | null = null;
  /** Browsers started so far (one, unless it died): for the logs and the tests. */
  launches = 0;
  private running = 0;
  private readonly waiting: (() => void)[] = [];

  constructor(@Inject(APP_CONFIG) private readonly config: AppConfig) {}

  /** Pages printing now (never more than `pdfConcurrency`). */
  get printing(): number {
    return this.running;
  }

  /** A4 PDF of a self-contained page (its own styles, nothing to load); 503 without Chromium. */
  async pdf(html: string): Promise<Buffer> {
    const path = this.config.reports.chromiumPath;
    if (!existsSync(path)) {
      throw new ApiError(HttpStatus.SERVICE_UNAVAILABLE, NO_CHROMIUM_MESSAGE, [
        { field: 'format', problem: `pdf needs Chromium at ${path} (CHROMIUM_PATH)` },
      ]);
    }
    await this.acquire();
    try {
      const browser = await this.launch(path);
      const context = await browser.newContext({ javaScriptEnabled: false, offline: true });
      try {
        const page = await context.newPage();
        page.setDefaultTimeout(PRINT_TIMEOUT_MS);
        await page.setContent(html, { waitUntil: 'load' });
        return await page.pdf({ format: 'A4', printBackground: true, preferCSSPageSize: true });
      } finally {
        await context.close().catch(() => undefined);
      }
    } finally {
      this.release();
    }
  }

  async onApplicationShutdown(): Promise<void> {
    const browser = this.browser;
    this.browser = null;
    if (browser) await (await browser.catch(() => null))?.close().catch(() => undefined);
  }

  /** The shared browser; launched again if it died (a crashed Chromium must not break every PDF). */
  private launch(executablePath: string): Promise<Browser> {
    if (!this.browser) {
      this.launches++;
      const launching = chromium.launch({ executablePath, args: CHROMIUM_ARGS });
      this.browser = launching;
      launching.then(
        (b) =>
          b.on('disconnected', () => {
            if (this.browser === launching) this.browser = null;
          }),
        (err: unknown) => {
          this.log.error(`Chromium did not start: ${String(err)}`);
          if (this.browser === launching) this.browser = null;
        },
      );
    }
    return this.browser;
  }

  private acquire(): Promise<void> {
    if (this.running < this.config.reports.pdfConcurrency) {
      this.running++;
      return Promise.resolve();
    }
    // The slot is handed over by release(): `running` stays counted for the waiter.
    return new Promise((resolve) => this.waiting.push(resolve));
  }

  private release(): void {
    const next = this.waiting.shift();
    if (next) next();
    else this.running--;
  }
}
