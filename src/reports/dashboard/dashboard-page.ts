/**
 * The dashboard (数据看板) at /dashboard: one static page, its stylesheet and its script, served by
 * the API with no build step; the script logs in against POST /api/v1/auth/login, keeps the token
 * in sessionStorage (gone when the tab closes; never a cookie, so no CSRF), and draws the figures
 * of the statistics API with Apache ECharts, served from node_modules by the same app.
 */

/** Where the page's files are served (outside /api/v1, like the delivery pages under /m). */
export const DASHBOARD_PATHS = {
  page: '/dashboard',
  style: '/dashboard/dashboard.css',
  script: '/dashboard/dashboard.js',
  echarts: '/dashboard/echarts.min.js',
} as const;

/**
 * The page's Content-Security-Policy: scripts and styles only from its own files (no inline code),
 * requests only to this origin. ECharts draws on a canvas and sets styles through the DOM, which
 * style-src does not restrict; its tooltips are drawn on the canvas too (renderMode 'richText').
 */
export const DASHBOARD_CSP =
  "default-src 'none'; script-src 'self'; style-src 'self'; connect-src 'self'; img-src 'self' data:; " +
  "font-src 'self'; frame-ancestors 'none'; base-uri 'none'; form-action 'none'";

export const DASHBOARD_HTML = `<!DOCTYPE html>
<html lang="zh-CN">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<meta name="robots" content="noindex, nofollow">
<title>净网 · 反诈数据看板</title>
<link rel="icon" href="data:,">
<link rel="stylesheet" href="${DASHBOARD_PATHS.style}">
<script src="${DASHBOARD_PATHS.echarts}" defer></script>
<script src="${DASHBOARD_PATHS.script}" defer></script>
</head>
<body>
<header class="bar">
  <h1>净网 · 反诈数据看板</h1>
  <span id="scope" class="scope"></span>
  <span class="spacer"></span>
  <label id="range-label" class="range" hidden>统计期间
    <select id="range">
      <option value="month">本月</option>
      <option value="quarter">近三个月</option>
      <option value="year" selected>本年</option>
    </select>
  </label>
  <span id="who" class="who"></span>
  <button id="logout" type="button" hidden>退出</button>
</header>

<main id="login-view" class="login" hidden>
  <form id="login-form" class="card login-card" autocomplete="on">
    <h2>民警登录</h2>
    <p class="hint">数据看板供民警和领导查看本单位及下级单位的统计数据。</p>
    <label>用户名<input id="username" name="username" autocomplete="username" required maxlength="64"></label>
    <label>密码<input id="password" name="password" type="password" autocomplete="current-password" required maxlength="128"></label>
    <button type="submit">登录</button>
    <p id="login-error" class="error" role="alert"></p>
  </form>
</main>

<main id="board" class="board" hidden>
  <p id="load-error" class="error" role="alert"></p>
  <section class="kpis" aria-label="总体情况">
    <div class="kpi"><span class="k">受理案件</span><b data-figure="casesTotal">–</b><small>起 · 破案 <span data-figure="casesSolved">–</span> 起</small></div>
    <div class="kpi"><span class="k">破案率</span><b data-figure="solvedRate">–</b><small>破案（含结案）占立案数</small></div>
    <div class="kpi"><span class="k">涉案损失</span><b data-figure="lossYuan">–</b><small>元</small></div>
    <div class="kpi"><span class="k">止付金额</span><b data-figure="stoppedYuan">–</b><small>元</small></div>
    <div class="kpi"><span class="k">冻结金额</span><b data-figure="frozenYuan">–</b><small>元</small></div>
    <div class="kpi"><span class="k">追回金额</span><b data-figure="recoveredYuan">–</b><small>元</small></div>
    <div class="kpi"><span class="k">返还群众</span><b data-figure="returnedYuan">–</b><small>元</small></div>
    <div class="kpi"><span class="k">预警推送</span><b data-figure="deliveriesSent">–</b><small>次 · 确认率 <span data-figure="ackRate">–</span></small></div>
  </section>
  <section class="charts">
    <div class="card"><h2>各诈骗类型损失与追回（元）</h2><div id="chart-types" class="chart"></div></div>
    <div class="card"><h2>近12周立案与损失</h2><div id="chart-weeks" class="chart"></div></div>
    <div class="card"><h2>下级单位排名（按受理案件）</h2><div id="chart-units" class="chart"></div></div>
  </section>
  <section class="lists">
    <div class="card"><h2>最新可疑交易命中</h2>
      <table><colgroup><col class="w-time"><col class="w-case"><col><col class="w-money"></colgroup>
      <thead><tr><th>时间</th><th>案件编号</th><th>银行</th><th class="num">金额（元）</th></tr></thead>
      <tbody id="hits"></tbody></table></div>
    <div class="card"><h2>7日内到期的冻结/止付</h2>
      <table><colgroup><col class="w-time"><col class="w-case"><col class="w-kind"><col><col class="w-money"></colgroup>
      <thead><tr><th>到期时间</th><th>案件编号</th><th>类型</th><th>银行</th><th class="num">冻结（元）</th></tr></thead>
      <tbody id="freezes"></tbody></table></div>
    <div class="card"><h2>预警推送与确认</h2>
      <table><colgroup><col class="w-time"><col><col class="w-count"><col class="w-count"></colgroup>
      <thead><tr><th>发布时间</th><th>预警标题</th><th class="num">已送达</th><th class="num">已确认</th></tr></thead>
      <tbody id="warnings"></tbody></table></div>
  </section>
</main>
<noscript><p class="error">数据看板需要启用浏览器脚本。</p></noscript>
</body>
</html>
`;

/** Sized for a 1366×768 laptop: three charts and three lists fit without sideways scrolling. */
export const DASHBOARD_CSS = `
*{box-sizing:border-box}
[hidden]{display:none!important}
html,body{margin:0;background:#f0f2f5;color:#1f2329;font:14px/1.5 -apple-system,"PingFang SC","Microsoft YaHei","Noto Sans CJK SC","Source Han Sans SC",sans-serif}
.bar{display:flex;align-items:center;gap:16px;height:52px;padding:0 20px;background:#0b3d91;color:#fff}
.bar h1{font-size:20px;margin:0;letter-spacing:1px}
.bar .scope{font-size:15px;opacity:.9}
.bar .spacer{flex:1}
.bar .range select{margin-left:6px;font:inherit;padding:2px 4px}
.bar button{font:inherit;background:transparent;color:#fff;border:1px solid rgba(255,255,255,.6);border-radius:4px;padding:3px 12px;cursor:pointer}
.card{background:#fff;border-radius:6px;box-shadow:0 1px 2px rgba(0,0,0,.08);padding:10px 14px;min-width:0}
.card h2{font-size:15px;margin:0 0 6px;color:#0b3d91}
.login{display:flex;justify-content:center;padding-top:80px}
.login-card{width:360px;display:flex;flex-direction:column;gap:12px;padding:24px}
.login-card label{display:flex;flex-direction:column;gap:4px}
.login-card input{font:inherit;padding:8px;border:1px solid #c9cdd4;border-radius:4px}
.login-card button{font:inherit;font-size:16px;padding:8px;background:#0b3d91;color:#fff;border:0;border-radius:4px;cursor:pointer}
.hint{color:#646a73;margin:0}
.error{color:#c62828;margin:0}
.error:empty{display:none}
.board{padding:12px 20px 20px;display:flex;flex-direction:column;gap:12px}
.kpis{display:grid;grid-template-columns:repeat(8,minmax(0,1fr));gap:10px}
.kpi{background:#fff;border-radius:6px;box-shadow:0 1px 2px rgba(0,0,0,.08);padding:8px 12px;display:flex;flex-direction:column;min-width:0}
.kpi .k{color:#646a73;font-size:13px}
.kpi b{font-size:21px;color:#0b3d91;white-space:nowrap;overflow:hidden;text-overflow:ellipsis;font-variant-numeric:tabular-nums}
.kpi small{color:#646a73;font-size:12px}
.charts{display:grid;grid-template-columns:repeat(3,minmax(0,1fr));gap:12px}
.chart{height:250px}
.lists{display:grid;grid-template-columns:repeat(3,minmax(0,1fr));gap:12px}
table{width:100%;border-collapse:collapse;font-size:12.5px;table-layout:fixed}
.w-time{width:76px}.w-case{width:150px}.w-kind{width:34px}.w-money{width:82px}.w-count{width:52px}
th,td{text-align:left;padding:4px 4px;border-bottom:1px solid #eef0f3;overflow:hidden;text-overflow:ellipsis;white-space:nowrap}
th{color:#646a73;font-weight:normal}
.num{text-align:right;font-variant-numeric:tabular-nums}
td.empty{color:#8f959e;text-align:center}
.soon{color:#c62828}
`;
