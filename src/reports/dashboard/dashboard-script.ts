/**
 * The dashboard's browser script, served as /dashboard/dashboard.js (script-src 'self': no inline
 * code). Plain ES2017 for the browsers police workstations run; kept here as text so that it ships
 * in dist/ with the rest of the app (no bundler, no build step). It writes data into the page only
 * through textContent, never as HTML.
 */
export const DASHBOARD_JS = String.raw`'use strict';
(function () {
  var API = '/api/v1';
  var TOKEN_KEY = 'jw.dashboard.token';
  var ROLES = { officer: '民警', supervisor: '领导' };
  var KIND_ZH = { stop_payment: '止付', freeze: '冻结' };
  var FONT = '"PingFang SC","Microsoft YaHei","Noto Sans CJK SC",sans-serif';
  var charts = [];

  function $(id) { return document.getElementById(id); }

  /** Fen to yuan with two decimals and thousands separators, in integers only. */
  function yuan(fen) {
    var neg = fen < 0;
    var abs = Math.abs(fen);
    var cents = abs % 100;
    var whole = String((abs - cents) / 100).replace(/\B(?=(\d{3})+(?!\d))/g, ',');
    return (neg ? '-' : '') + whole + '.' + (cents < 10 ? '0' : '') + cents;
  }
  /** For chart axes only: yuan as a number. */
  function yuanNumber(fen) { return fen / 100; }
  function count(n) { return String(n).replace(/\B(?=(\d{3})+(?!\d))/g, ','); }
  function percent(share) {
    return share === null || share === undefined ? '—' : (Math.round(share * 1000) / 10).toFixed(1) + '%';
  }
  /** China time (UTC+8, no daylight saving) of an ISO timestamp: "11-24 16:42". */
  function chinaTime(iso, withYear) {
    if (!iso) return '';
    var s = new Date(Date.parse(iso) + 8 * 3600000).toISOString();
    return (withYear ? s.slice(0, 10) : s.slice(5, 10)) + ' ' + s.slice(11, 16);
  }
  /** Today's date in China as YYYY-MM-DD, shifted by whole months (0: this month). */
  function chinaDay(monthsBack, firstOfMonth) {
    var d = new Date(Date.now() + 8 * 3600000);
    if (firstOfMonth) { d.setUTCDate(1); d.setUTCMonth(d.getUTCMonth() - monthsBack); }
    return d.toISOString().slice(0, 10);
  }
  /** The last twelve ISO weeks, this one included: Monday eleven weeks ago to today. */
  function weeksQuery() {
    var d = new Date(Date.now() + 8 * 3600000);
    var monday = Date.UTC(d.getUTCFullYear(), d.getUTCMonth(), d.getUTCDate()) - ((d.getUTCDay() + 6) % 7 + 77) * 86400000;
    return 'from=' + new Date(monday).toISOString().slice(0, 10) + '&to=' + d.toISOString().slice(0, 10);
  }
  function rangeQuery() {
    var r = $('range').value;
    var from = r === 'month' ? chinaDay(0, true) : r === 'quarter' ? chinaDay(2, true) : chinaDay(0, false).slice(0, 4) + '-01-01';
    return 'from=' + from + '&to=' + chinaDay(0, false);
  }

  function token() { return sessionStorage.getItem(TOKEN_KEY); }

  function api(path) {
    return fetch(API + path, { headers: { authorization: 'Bearer ' + token(), accept: 'application/json' } })
      .then(function (res) {
        return res.json().catch(function () { return null; }).then(function (body) {
          if (res.status === 401) { logout('登录已过期，请重新登录。'); throw new Error('401'); }
          if (!res.ok) throw new Error(path + ' → ' + res.status);
          return body;
        });
      });
  }

  function show(view) {
    $('login-view').hidden = view !== 'login';
    $('board').hidden = view !== 'board';
    $('logout').hidden = view !== 'board';
    $('range-label').hidden = view !== 'board';
  }

  function logout(message) {
    sessionStorage.removeItem(TOKEN_KEY);
    charts.forEach(function (c) { c.dispose(); });
    charts = [];
    $('who').textContent = '';
    $('scope').textContent = '';
    $('login-error').textContent = message || '';
    show('login');
    $('username').focus();
  }

  function login(ev) {
    ev.preventDefault();
    $('login-error').textContent = '';
    fetch(API + '/auth/login', {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ username: $('username').value.trim(), password: $('password').value }),
    }).then(function (res) {
      // The body is read in every case: a response left unread is cut off (and logged) on unload.
      return res.json().catch(function () { return null; }).then(function (body) {
        if (res.status === 401) throw new Error('用户名或密码错误，或账号已停用。');
        if (res.status === 429) throw new Error('登录尝试过多，请稍后再试。');
        if (!res.ok) throw new Error('登录失败（' + res.status + '），请稍后再试。');
        return body;
      });
    }).then(function (body) {
      sessionStorage.setItem(TOKEN_KEY, body.accessToken);
      $('password').value = '';
      start();
    }, function (err) {
      $('login-error').textContent = err.message;
    });
  }

  function start() {
    api('/auth/me').then(function (me) {
      if (!ROLES[me.role]) {
        logout('数据看板仅供民警和领导使用。');
        return;
      }
      $('who').textContent = (me.displayName || me.username) + '（' + ROLES[me.role] + '）';
      $('scope').textContent = me.unit ? me.unit.name : '';
      show('board');
      load();
    }).catch(function (err) {
      if (err.message !== '401') logout('无法读取当前用户，请重新登录。');
    });
  }

  function load() {
    $('load-error').textContent = '';
    var q = rangeQuery();
    Promise.all([
      api('/stats/overview?' + q),
      api('/stats/by-fraud-type?' + q),
      api('/stats/by-unit?' + q),
      api('/stats/timeseries?interval=week&' + weeksQuery()),
      api('/transfer-flags/hits?limit=8'),
      api('/freeze-orders?expiringWithinDays=7&limit=50'),
      api('/warnings?status=published&limit=6').then(function (page) {
        return Promise.all(page.items.map(function (w) {
          return api('/warnings/' + w.id + '/deliveries').then(function (d) { return { warning: w, counts: d.counts }; });
        }));
      }),
    ]).then(function (r) {
      renderOverview(r[0]);
      renderTypes(r[1]);
      renderUnits(r[2]);
      renderWeeks(r[3]);
      renderHits(r[4].items);
      renderFreezes(r[5].items);
      renderWarnings(r[6]);
    }).catch(function (err) {
      if (err.message !== '401') $('load-error').textContent = '数据加载失败，请刷新重试。';
    });
  }

  function figure(name, text) {
    var els = document.querySelectorAll('[data-figure="' + name + '"]');
    for (var i = 0; i < els.length; i++) els[i].textContent = text;
  }

  /** The statistics API's flat figures: null where the role does not see that kind of row. */
  function renderOverview(o) {
    figure('casesTotal', count(o.cases || 0));
    // 破案 counts the cases solved and those closed since (a case is closed only once solved).
    figure('casesSolved', count((o.casesSolved || 0) + (o.casesClosed || 0)));
    figure('solvedRate', percent(o.solvedRate));
    figure('lossYuan', yuan(o.lossFen || 0));
    figure('stoppedYuan', yuan(o.stoppedFen || 0));
    figure('frozenYuan', yuan(o.frozenFen || 0));
    figure('recoveredYuan', yuan(o.recoveredFen || 0));
    figure('returnedYuan', yuan(o.returnedFen || 0));
    figure('deliveriesSent', count(o.deliveriesSent || 0));
    figure('ackRate', percent(o.deliveriesAcknowledgedShare));
  }

  function chart(id, option) {
    var el = $(id);
    var c = echarts.getInstanceByDom(el) || echarts.init(el, null, { renderer: 'canvas' });
    if (charts.indexOf(c) < 0) charts.push(c);
    option.textStyle = { fontFamily: FONT };
    // Drawn on the canvas: an HTML tooltip would need inline styles, which the CSP refuses.
    option.tooltip = Object.assign({ trigger: 'axis', renderMode: 'richText' }, option.tooltip || {});
    option.animation = false;
    c.setOption(option, true);
    return c;
  }

  function emptyGraphic(text) {
    return { type: 'text', left: 'center', top: 'middle', style: { text: text, fill: '#8f959e', fontSize: 14 } };
  }

  function renderTypes(rows) {
    // Types with a case or money in the period; the largest loss at the top.
    rows = rows.rows.filter(function (r) { return r.cases || r.lossFen || r.recoveredFen; })
      .sort(function (a, b) { return a.lossFen - b.lossFen; });
    chart('chart-types', {
      legend: { data: ['损失', '追回'], top: 0 },
      grid: { left: 8, right: 16, top: 28, bottom: 4, containLabel: true },
      xAxis: { type: 'value', axisLabel: { formatter: function (v) { return v >= 10000 ? v / 10000 + '万' : v; } } },
      yAxis: { type: 'category', data: rows.map(function (r) { return r.label; }) },
      series: [
        { name: '损失', type: 'bar', data: rows.map(function (r) { return yuanNumber(r.lossFen); }), itemStyle: { color: '#c62828' } },
        { name: '追回', type: 'bar', data: rows.map(function (r) { return yuanNumber(r.recoveredFen || 0); }), itemStyle: { color: '#2e7d32' } },
      ],
      graphic: rows.length ? [] : [emptyGraphic('本期无案件')],
    });
  }

  function renderWeeks(ts) {
    var rows = ts.rows;
    chart('chart-weeks', {
      legend: { data: ['立案数', '损失（万元）'], top: 0 },
      grid: { left: 8, right: 8, top: 28, bottom: 4, containLabel: true },
      xAxis: { type: 'category', data: rows.map(function (r) { return r.period.slice(5); }) },
      yAxis: [
        { type: 'value', name: '起', minInterval: 1 },
        { type: 'value', name: '万元', splitLine: { show: false } },
      ],
      series: [
        { name: '立案数', type: 'bar', data: rows.map(function (r) { return r.cases; }), itemStyle: { color: '#0b3d91' } },
        { name: '损失（万元）', type: 'line', yAxisIndex: 1, data: rows.map(function (r) { return r.lossFen / 1000000; }), itemStyle: { color: '#e65100' } },
      ],
    });
  }

  function renderUnits(units) {
    // Each unit one level below with its subtree, and the unit's own cases (本级) when it has any.
    var rows = units.rows.filter(function (r) { return !r.self || r.cases > 0; })
      .sort(function (a, b) { return a.cases - b.cases; });
    chart('chart-units', {
      grid: { left: 8, right: 24, top: 8, bottom: 4, containLabel: true },
      xAxis: { type: 'value', minInterval: 1 },
      yAxis: { type: 'category', data: rows.map(function (r) { return r.self ? r.unitName + '（本级）' : r.unitName; }) },
      series: [{ name: '受理案件', type: 'bar', data: rows.map(function (r) { return r.cases; }), itemStyle: { color: '#1565c0' }, label: { show: true, position: 'right' } }],
      graphic: rows.length ? [] : [emptyGraphic('本单位无下级单位')],
    });
  }

  function fill(tbodyId, rows, columns, emptyText) {
    var tbody = $(tbodyId);
    tbody.textContent = '';
    if (rows.length === 0) {
      var tr0 = tbody.insertRow();
      var td0 = tr0.insertCell();
      td0.colSpan = columns;
      td0.className = 'empty';
      td0.textContent = emptyText;
      return;
    }
    rows.forEach(function (cells) {
      var tr = tbody.insertRow();
      cells.forEach(function (c) {
        var td = tr.insertCell();
        td.textContent = c.text;
        td.title = c.text;
        if (c.className) td.className = c.className;
      });
    });
  }

  function renderHits(items) {
    fill('hits', items.map(function (h) {
      return [{ text: chinaTime(h.occurredAt) }, { text: h.caseNo }, { text: h.bankName }, { text: yuan(h.amountFen), className: 'num' }];
    }), 4, '暂无命中');
  }

  function renderFreezes(items) {
    items = items.slice().sort(function (a, b) { return Date.parse(a.expiresAt) - Date.parse(b.expiresAt); });
    fill('freezes', items.map(function (o) {
      return [
        { text: chinaTime(o.expiresAt), className: 'soon' }, { text: o.caseNo }, { text: KIND_ZH[o.kind] || o.kind },
        { text: o.bankName }, { text: yuan(o.frozenFen || 0), className: 'num' },
      ];
    }), 5, '7日内无到期');
  }

  function renderWarnings(rows) {
    fill('warnings', rows.map(function (r) {
      var c = r.counts;
      return [
        { text: chinaTime(r.warning.publishedAt) }, { text: r.warning.title },
        { text: count(c.sent + c.acknowledged), className: 'num' }, { text: count(c.acknowledged), className: 'num' },
      ];
    }), 4, '暂无已发布预警');
  }

  document.addEventListener('DOMContentLoaded', function () {
    $('login-form').addEventListener('submit', login);
    $('logout').addEventListener('click', function () { logout(''); });
    $('range').addEventListener('change', load);
    window.addEventListener('resize', function () { charts.forEach(function (c) { c.resize(); }); });
    if (token()) start(); else logout('');
  });
})();
`;
