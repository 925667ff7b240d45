import { Controller, Get, Res } from '@nestjs/common';
import { ApiOkResponse, ApiOperation, ApiProduces, ApiTags } from '@nestjs/swagger';
import type { FastifyReply } from 'fastify';
import { readFile } from 'node:fs/promises';
import { createRequire } from 'node:module';
import { Public } from '../../common/auth/allow.decorator.js';
import { DASHBOARD_CSP, DASHBOARD_CSS, DASHBOARD_HTML } from './dashboard-page.js';
import { DASHBOARD_JS } from './dashboard-script.js';

/** ECharts' own minified build, from the installed package (a runtime dependency). */
const ECHARTS_FILE = createRequire(import.meta.url).resolve('echarts/dist/echarts.min.js');
/** The page and its script change with the app: revalidated; ECharts changes only with an upgrade. */
const APP_FILE_CACHE = 'no-cache';
const LIBRARY_CACHE = 'public, max-age=86400';

/**
 * The dashboard (数据看板) for officers and supervisors, outside /api/v1: a static page, its style
 * and script, and ECharts. They carry no data and need no login; the script logs in and reads the
 * figures from the API with the bearer token, so every figure is scoped as the API scopes it.
 */
@ApiTags('dashboard')
@Controller('dashboard')
export class DashboardController {
  private echarts: Promise<Buffer> | null = null;

  @Get()
  @Public()
  @ApiOperation({
    summary: 'The dashboard page (数据看板, HTML): logs in and charts the statistics API',
    description:
      'A static page for officers and supervisors: it logs in with POST /api/v1/auth/login, keeps ' +
      'the token in sessionStorage and draws GET /api/v1/stats/* with Apache ECharts, served by ' +
      'this app. Its Content-Security-Policy allows scripts and styles from this origin only.',
  })
  @ApiProduces('text/html')
  @ApiOkResponse({ description: 'The page' })
  page(@Res({ passthrough: true }) reply: FastifyReply): string {
    void reply
      .header('content-type', 'text/html; charset=utf-8')
      .header('cache-control', APP_FILE_CACHE)
      .header('x-robots-tag', 'noindex, nofollow')
      .header('content-security-policy', DASHBOARD_CSP);
    return DASHBOARD_HTML;
  }

  @Get('dashboard.css')
  @Public()
  @ApiOperation({ summary: 'The dashboard’s stylesheet' })
  @ApiProduces('text/css')
  @ApiOkResponse({ description: 'The stylesheet' })
  style(@Res({ passthrough: true }) reply: FastifyReply): string {
    void reply
      .header('content-type', 'text/css; charset=utf-8')
      .header('cache-control', APP_FILE_CACHE);
    return DASHBOARD_CSS;
  }

  @Get('dashboard.js')
  @Public()
  @ApiOperation({ summary: 'The dashboard’s script' })
  @ApiProduces('text/javascript')
  @ApiOkResponse({ description: 'The script' })
  script(@Res({ passthrough: true }) reply: FastifyReply): string {
    void reply
      .header('content-type', 'text/javascript; charset=utf-8')
      .header('cache-control', APP_FILE_CACHE);
    return DASHBOARD_JS;
  }

  @Get('echarts.min.js')
  @Public()
  @ApiOperation({ summary: 'Apache ECharts (the installed package’s minified build)' })
  @ApiProduces('text/javascript')
  @ApiOkResponse({ description: 'The library' })
  async library(@Res({ passthrough: true }) reply: FastifyReply): Promise<Buffer> {
    // Read once, on first use (about 1 MB), and kept: the file changes only with an upgrade.
    this.echarts ??= readFile(ECHARTS_FILE).catch((err: unknown) => {
      this.echarts = null;
      throw err;
    });
    const body = await this.echarts;
    void reply
      .header('content-type', 'text/javascript; charset=utf-8')
      .header('cache-control', LIBRARY_CACHE);
    return body;
  }
}
