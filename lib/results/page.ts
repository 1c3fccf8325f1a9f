/**
 * The report page (SPEC R3): `GET /campaigns/{id}/report.html`, a static page that draws the funnel,
 * the answer rate over time, the intention grades, the top intents and hang-up nodes and the number
 * statuses with Chart.js (served from the API, no CDN: it works offline), and refreshes while the
 * campaign runs by polling the JSON endpoints.
 *
 * Authentication: the page itself holds no data and is public; it calls the JSON API with the
 * caller's credential, read from the URL fragment (`#key=<API key>` for the `x-api-key` header, or
 * `#token=<JWT>` for `Authorization: Bearer`) or typed into a prompt. The fragment never leaves the
 * browser (it is not sent in requests or referrers); the page removes it from the address bar and
 * keeps the credential in sessionStorage only (this tab, until it is closed).
 */
import { existsSync, readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { ReachoutError } from '../core/errors';

/** Seconds between refreshes while a campaign runs. */
export const REFRESH_SECONDS = 5;

const escapeHtml = (s: string) => s.replace(/[&<>"']/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' })[c]!);

/** Security headers of the page: only this origin's scripts, styles and API. */
export const PAGE_HEADERS: Record<string, string> = {
  'content-type': 'text/html; charset=utf-8',
  'content-security-policy':
    "default-src 'none'; script-src 'self'; style-src 'self'; connect-src 'self'; img-src 'self' data:; base-uri 'none'; form-action 'none'; frame-ancestors 'none'",
  'referrer-policy': 'no-referrer',
  'x-content-type-options': 'nosniff',
  'cache-control': 'no-store',
};

/** The HTML of a campaign's report page; assets and API are addressed relative to it. */
export function reportPageHtml(campaignId: string): string {
  const id = escapeHtml(campaignId);
  return `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>Campaign report</title>
<link rel="icon" href="data:,">
<link rel="stylesheet" href="../../report-assets/report.css">
</head>
<body data-campaign="${id}" data-refresh="${REFRESH_SECONDS}">
<header>
  <h1 id="title">Campaign report</h1>
  <p id="subtitle"></p>
  <p id="status" role="status">Loading…</p>
</header>
<form id="auth" hidden>
  <label for="key">API key</label>
  <input id="key" type="password" autocomplete="off" required>
  <button type="submit">Show report</button>
  <p id="auth-error"></p>
</form>
<main id="report" hidden>
  <section class="tiles" id="tiles"></section>
  <section class="grid">
    <figure><figcaption>Funnel</figcaption><div class="chart"><canvas id="chart-funnel" aria-label="Funnel"></canvas></div></figure>
    <figure><figcaption>Answer rate over time</figcaption><div class="chart"><canvas id="chart-timeline" aria-label="Answer rate over time"></canvas></div></figure>
    <figure><figcaption>Intention grades</figcaption><div class="chart"><canvas id="chart-intentions" aria-label="Intention grades"></canvas></div></figure>
    <figure><figcaption>Number status</figcaption><div class="chart"><canvas id="chart-status" aria-label="Number status"></canvas></div></figure>
    <figure class="wide"><figcaption>Top intents</figcaption><div class="chart tall"><canvas id="chart-intents" aria-label="Top intents"></canvas></div></figure>
    <figure class="wide"><figcaption>Top hang-up nodes</figcaption><div class="chart tall"><canvas id="chart-hangups" aria-label="Top hang-up nodes"></canvas></div></figure>
  </section>
</main>
<script src="../../report-assets/chart.umd.js"></script>
<script src="../../report-assets/report.js"></script>
</body>
</html>
`;
}

const CSS = `
[hidden] { display: none !important; }
:root { font-family: system-ui, -apple-system, "Segoe UI", Roboto, "Noto Sans SC", sans-serif; color: #1f2933; background: #f5f7fa; }
body { margin: 0 auto; max-width: 1280px; padding: 16px 24px 40px; }
header h1 { margin: 0 0 4px; font-size: 1.5rem; }
header p { margin: 2px 0; color: #52606d; }
#status.error, #auth-error { color: #b42318; }
form#auth { background: #fff; padding: 16px; border-radius: 8px; max-width: 420px; display: grid; gap: 8px; }
form#auth input { padding: 8px; font-size: 1rem; }
.tiles { display: grid; grid-template-columns: repeat(auto-fill, minmax(160px, 1fr)); gap: 12px; margin: 16px 0; }
.tile { background: #fff; border-radius: 8px; padding: 12px 14px; box-shadow: 0 1px 2px rgba(0,0,0,.06); }
.tile .v { font-size: 1.4rem; font-weight: 600; }
.tile .l { color: #52606d; font-size: .85rem; }
.grid { display: grid; grid-template-columns: repeat(2, minmax(0, 1fr)); gap: 16px; }
figure { margin: 0; background: #fff; border-radius: 8px; padding: 12px 16px; box-shadow: 0 1px 2px rgba(0,0,0,.06); min-width: 0; }
figure.wide { grid-column: span 1; }
figcaption { font-weight: 600; margin-bottom: 8px; }
.chart { position: relative; height: 280px; }
.chart.tall { height: 420px; }
@media (max-width: 900px) { .grid { grid-template-columns: 1fr; } }
`;

const JS = String.raw`
(function () {
  'use strict';
  var body = document.body;
  var campaignId = body.dataset.campaign;
  var refreshMs = Number(body.dataset.refresh || 5) * 1000;
  var statusEl = document.getElementById('status');
  var STORE = 'reachout.credential';
  var charts = {};
  var timer = null;
  var rendered = {};

  function readCredential() {
    var hash = new URLSearchParams(location.hash.replace(/^#/, ''));
    var key = hash.get('key');
    var token = hash.get('token');
    var interval = Number(hash.get('refresh'));
    if (interval > 0) refreshMs = interval * 1000;
    if (key || token) {
      sessionStorage.setItem(STORE, JSON.stringify(key ? { key: key } : { token: token }));
      history.replaceState(null, '', location.pathname + location.search);
    }
    try { return JSON.parse(sessionStorage.getItem(STORE) || 'null'); } catch (e) { return null; }
  }

  function headers(cred) {
    var h = { accept: 'application/json' };
    if (cred && cred.key) h['x-api-key'] = cred.key;
    if (cred && cred.token) h.authorization = 'Bearer ' + cred.token;
    return h;
  }

  function setStatus(text, isError) {
    statusEl.textContent = text;
    statusEl.className = isError ? 'error' : '';
  }

  function askForKey(message) {
    document.getElementById('report').hidden = true;
    var form = document.getElementById('auth');
    form.hidden = false;
    document.getElementById('auth-error').textContent = message || '';
    setStatus('Sign in to see the report.', false);
    form.onsubmit = function (ev) {
      ev.preventDefault();
      var key = document.getElementById('key').value.trim();
      if (!key) return;
      sessionStorage.setItem(STORE, JSON.stringify({ key: key }));
      form.hidden = true;
      start();
    };
  }

  function get(path, cred) {
    var url = path + location.search;
    return fetch(url, { headers: headers(cred), cache: 'no-store' }).then(function (res) {
      if (res.status === 401 || res.status === 403) { var e = new Error('unauthorised'); e.auth = true; throw e; }
      if (!res.ok) return res.json().catch(function () { return {}; }).then(function (b) {
        throw new Error((b && b.error && b.error.message) || ('HTTP ' + res.status));
      });
      return res.json();
    });
  }

  var PALETTE = ['#2563eb', '#16a34a', '#f59e0b', '#dc2626', '#7c3aed', '#0891b2', '#db2777', '#65a30d', '#ea580c', '#475569', '#0d9488', '#9333ea', '#ca8a04'];
  var GRADE_COLORS = { A: '#16a34a', B: '#2563eb', C: '#dc2626', D: '#f59e0b', E: '#94a3b8' };

  function draw(id, config) {
    var existing = charts[id];
    if (existing) {
      existing.data.labels = config.data.labels;
      existing.data.datasets.forEach(function (ds, i) { ds.data = config.data.datasets[i].data; if (config.data.datasets[i].backgroundColor) ds.backgroundColor = config.data.datasets[i].backgroundColor; });
      existing.update('none');
    } else {
      config.options = Object.assign({ responsive: true, maintainAspectRatio: false, animation: false }, config.options || {});
      charts[id] = new Chart(document.getElementById(id), config);
    }
    var canvas = document.getElementById(id);
    canvas.dataset.points = String(config.data.labels.length);
    rendered[id] = true;
  }

  function bar(id, labels, values, label, horizontal, colors) {
    draw(id, {
      type: 'bar',
      data: { labels: labels, datasets: [{ label: label, data: values, backgroundColor: colors || '#2563eb' }] },
      options: { indexAxis: horizontal ? 'y' : 'x', plugins: { legend: { display: false } }, scales: { x: { beginAtZero: true }, y: { beginAtZero: true } } },
    });
  }

  function pct(x) { return (Math.round(x * 100) / 100).toFixed(2) + ' %'; }

  function tiles(report, stats) {
    var m = report.measures, e = report.execution;
    var items = [
      ['Valid numbers', m.validNumbers],
      ['Calls placed', m.callsPlaced],
      ['Job completion', pct(e.jobCompletion.rate)],
      ['Answer rate (numbers)', pct(m.answerRate)],
      ['Answer rate (calls)', pct(e.answerRate.rate)],
      ['Success rate (' + m.successDefinition + ')', pct(m.successRate)],
      ['Dialog completion', pct(e.dialogCompletion.rate)],
      ['Transfer rate', pct(e.transferRate.rate)],
    ];
    var box = document.getElementById('tiles');
    box.textContent = '';
    items.forEach(function (it) {
      var d = document.createElement('div'); d.className = 'tile';
      var v = document.createElement('div'); v.className = 'v'; v.textContent = String(it[1]);
      var l = document.createElement('div'); l.className = 'l'; l.textContent = it[0];
      d.appendChild(v); d.appendChild(l); box.appendChild(d);
    });
  }

  function render(report, stats) {
    document.getElementById('title').textContent = report.campaignName;
    document.getElementById('subtitle').textContent = 'Scenario ' + (report.scenario.name || report.scenario.scenarioId) + ' v' + report.scenario.version + ' · ' + report.state;
    tiles(report, stats);
    var f = report.funnel;
    bar('chart-funnel',
      ['Dialled', 'Answered', 'Not answered', 'Silent hang-up', 'Effective interaction', 'Main flow completed', 'Main flow hang-up', 'User hang-up', 'No-match hang-up', 'Timeout hang-up'],
      [f.dialled, f.answered, f.notAnswered, f.silentHangup, f.effectiveInteraction, f.mainFlowCompleted, f.mainFlowHangup, f.userHangup, f.noMatchHangup, f.timeoutHangup],
      'Calls', true, PALETTE.slice(0, 10));
    draw('chart-timeline', {
      type: 'line',
      data: {
        labels: report.timeline.map(function (p) { return p.at; }),
        datasets: [
          { label: 'Answer rate %', data: report.timeline.map(function (p) { return p.answerRate; }), borderColor: '#2563eb', backgroundColor: '#2563eb', yAxisID: 'y', tension: 0.2 },
          { label: 'Calls', data: report.timeline.map(function (p) { return p.calls; }), borderColor: '#94a3b8', backgroundColor: '#94a3b8', yAxisID: 'y1', type: 'bar' },
        ],
      },
      options: { scales: { y: { beginAtZero: true, max: 100, position: 'left' }, y1: { beginAtZero: true, position: 'right', grid: { drawOnChartArea: false } } } },
    });
    draw('chart-intentions', {
      type: 'doughnut',
      data: {
        labels: stats.statistics.intentions.map(function (g) { return g.name; }),
        datasets: [{ data: stats.statistics.intentions.map(function (g) { return g.total; }), backgroundColor: stats.statistics.intentions.map(function (g) { return GRADE_COLORS[g.grade]; }) }],
      },
      options: { plugins: { legend: { position: 'right' } } },
    });
    var ns = stats.statistics.numberStatus.filter(function (s) { return s.count > 0 || s.status <= 1; });
    bar('chart-status', ns.map(function (s) { return s.status + ' ' + s.statusText; }), ns.map(function (s) { return s.count; }), 'Numbers', true, PALETTE.slice(0, ns.length));
    bar('chart-intents', report.topIntents.map(function (i) { return i.label; }), report.topIntents.map(function (i) { return i.count; }), 'Hits', true);
    bar('chart-hangups', report.topHangupNodes.map(function (i) { return i.label; }), report.topHangupNodes.map(function (i) { return i.count; }), 'Person hang-ups', true, '#dc2626');
    body.dataset.rendered = Object.keys(rendered).length === 6 ? 'true' : 'partial';
    body.dataset.updates = String(Number(body.dataset.updates || 0) + 1);
  }

  function refresh(cred) {
    return Promise.all([get('report', cred), get('statistics', cred)]).then(function (r) {
      document.getElementById('report').hidden = false;
      render(r[0], r[1]);
      var live = r[0].state === 'running' || r[0].state === 'scheduled' || r[0].state === 'paused';
      setStatus((live ? 'Live · refreshes every ' + refreshMs / 1000 + ' s · ' : 'Final · ') + 'updated ' + new Date().toLocaleTimeString(), false);
      if (live) timer = setTimeout(function () { refresh(cred); }, refreshMs);
    }).catch(function (e) {
      if (e.auth) { sessionStorage.removeItem(STORE); askForKey('That key was not accepted.'); return; }
      setStatus('Could not load the report: ' + e.message + ' (retrying)', true);
      timer = setTimeout(function () { refresh(cred); }, refreshMs * 2);
    });
  }

  function start() {
    if (timer) clearTimeout(timer);
    var cred = readCredential();
    if (!cred) { askForKey(); return; }
    if (!campaignId) { setStatus('No campaign.', true); return; }
    refresh(cred);
  }

  start();
})();
`;

let chartSource: string | undefined;

/** Name of Chart.js's browser build; the API bundle carries a copy beside its entry point (infra/constructs/api.ts). */
export const CHART_JS_FILE = 'chart.umd.js';

/** Chart.js's browser build, read once: beside the bundle when deployed, else from the installed package. */
function chartJs(): string {
  if (chartSource === undefined) {
    const beside = fileURLToPath(new URL(`./${CHART_JS_FILE}`, import.meta.url));
    try {
      if (existsSync(beside)) chartSource = readFileSync(beside, 'utf8');
      else {
        const require = createRequire(import.meta.url);
        // The package exports only its module builds; the browser build sits beside them in dist/.
        chartSource = readFileSync(join(dirname(require.resolve('chart.js')), CHART_JS_FILE), 'utf8');
      }
    } catch (error) {
      throw new ReachoutError('AssetMissing', 'the chart library (chart.js) is not installed with the API', 500, {}, [], { cause: error });
    }
  }
  return chartSource;
}

/** Assets of the report page by file name. */
export function reportAsset(file: string): { body: string; contentType: string } | undefined {
  switch (file) {
    case CHART_JS_FILE:
      return { body: chartJs(), contentType: 'text/javascript; charset=utf-8' };
    case 'report.js':
      return { body: JS, contentType: 'text/javascript; charset=utf-8' };
    case 'report.css':
      return { body: CSS, contentType: 'text/css; charset=utf-8' };
    default:
      return undefined;
  }
}
