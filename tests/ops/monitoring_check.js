// deploy/monitoring/ against the real server:
//   names:    every metric and label the Grafana dashboard and the alert rules use is one a live
//             claimgate's GET /metrics exposes (the server is scraped after claims were
//             accepted, rejected and dead-lettered, so every series has a sample); the
//             dashboard is a well-formed Grafana dashboard; every alert has a promtool unit test;
//   promtool: promtool check rules and promtool test rules (Debian prometheus, installed by
//             deploy/test.sh; exit 77 when promtool is not installed).
// Usage: node monitoring_check.js CLAIMGATE_EXE SOURCE_DIR names|promtool
'use strict';
const { spawnSync } = require('child_process');
const fs = require('fs');
const os = require('os');
const path = require('path');
const h = require('./harness');

const [exe, src] = process.argv.slice(2, 4).map((a) => path.resolve(a));
const mode = process.argv[4];
const dir = path.join(src, 'deploy/monitoring');
const rulesFile = path.join(dir, 'claimgate-alerts.yml');
const testsFile = path.join(dir, 'claimgate-alerts.test.yml');
const dashboardFile = path.join(dir, 'claimgate-dashboard.json');
const failures = [];
const check = (ok, what) => {
  if (!ok) failures.push(what);
  return ok;
};

function promtool() {
  for (const args of [['check', 'rules', rulesFile], ['test', 'rules', testsFile]]) {
    const r = spawnSync('promtool', args, { encoding: 'utf8', cwd: dir, timeout: 60000 });
    if (r.error && r.error.code === 'ENOENT') {
      console.log('monitoring.promtool skipped: promtool is not installed (Debian package prometheus; deploy/test.sh installs it)');
      process.exit(77);
    }
    console.log('promtool ' + args.join(' ') + ':\n' + (r.stdout || '') + (r.stderr || ''));
    check(r.status === 0, 'promtool ' + args.join(' ') + ' exited ' + r.status);
  }
}

// The expressions of the rule file: each "expr:" value, single-line or a block scalar.
function ruleExpressions(text) {
  const out = [];
  const lines = text.split('\n');
  for (let i = 0; i < lines.length; i++) {
    const m = lines[i].match(/^(\s*)expr:\s*(.*)$/);
    if (!m) continue;
    if (m[2] !== '|' && m[2] !== '>' && m[2] !== '|-' && m[2] !== '>-') {
      out.push(m[2]);
      continue;
    }
    const block = [];
    for (i++; i < lines.length && (lines[i].trim() === '' || lines[i].search(/\S/) > m[1].length); i++) block.push(lines[i]);
    i--;
    out.push(block.join('\n'));
  }
  return out;
}

function dashboardExpressions(dash) {
  const out = [];
  check(typeof dash.title === 'string' && dash.uid && Array.isArray(dash.panels) && dash.schemaVersion >= 30, 'the dashboard header');
  const vars = ((dash.templating || {}).list || []).map((v) => v.name);
  check(vars.includes('datasource') && vars.includes('instance'), 'dashboard variables datasource and instance: ' + vars);
  const ids = new Set();
  for (const p of dash.panels) {
    check(!ids.has(p.id), 'panel id ' + p.id + ' twice');
    ids.add(p.id);
    check(p.gridPos && p.gridPos.w > 0 && p.gridPos.h > 0, 'panel ' + p.title + ': gridPos');
    if (p.type === 'row') continue;
    check(p.datasource && p.datasource.uid === '${datasource}', 'panel ' + p.title + ': the datasource variable');
    check(Array.isArray(p.targets) && p.targets.length > 0, 'panel ' + p.title + ': no query');
    for (const t of p.targets || []) {
      check(typeof t.expr === 'string' && t.expr.includes('claimgate_'), 'panel ' + p.title + ': query ' + t.refId);
      out.push(t.expr);
    }
  }
  return out;
}

// name -> Set of label names, from the Prometheus text format.
function parseExposition(text) {
  const series = new Map();
  for (const line of text.split('\n')) {
    if (!line || line.startsWith('#')) continue;
    const m = line.match(/^([a-zA-Z_:][a-zA-Z0-9_:]*)(\{(.*)\})?\s+\S+$/);
    if (!check(m, 'not a sample line: ' + line)) continue;
    if (!series.has(m[1])) series.set(m[1], new Set());
    for (const l of (m[3] || '').matchAll(/([a-zA-Z_][a-zA-Z0-9_]*)="/g)) series.get(m[1]).add(l[1]);
  }
  return series;
}

// Every claimgate_* metric in `expr` is exposed, with the labels its selector and the
// expression's by (...) clauses name (instance and job are added by Prometheus when it scrapes).
function checkExpression(expr, where, series) {
  const used = [...expr.matchAll(/\b(claimgate_[a-z0-9_]+)\s*(\{([^}]*)\})?/g)];
  check(used.length > 0, where + ': names no claimgate metric: ' + expr);
  const labels = new Set(['instance', 'job']);
  for (const [, name, , selector] of used) {
    if (!check(series.has(name), where + ': ' + name + ' is not exposed by /metrics')) continue;
    for (const l of series.get(name)) labels.add(l);
    for (const [, label] of (selector || '').matchAll(/([a-zA-Z_][a-zA-Z0-9_]*)\s*(=~|!~|!=|=)/g)) {
      check(series.get(name).has(label) || label === 'instance' || label === 'job', where + ': ' + name + ' has no label ' + label);
    }
  }
  for (const [, list] of expr.matchAll(/\b(?:by|without)\s*\(([^)]*)\)/g)) {
    for (const label of list.split(',').map((s) => s.trim()).filter((s) => s)) {
      check(labels.has(label), where + ': by (' + label + '): no metric of the expression has that label');
    }
  }
}

async function names() {
  const rulesText = fs.readFileSync(rulesFile, 'utf8');
  const rules = ruleExpressions(rulesText);
  const alerts = [...rulesText.matchAll(/^\s*- alert:\s*(\S+)/gm)].map((m) => m[1]);
  check(rules.length === alerts.length && alerts.length >= 4, 'one expr per alert: ' + rules.length + ' / ' + alerts.length);
  const tested = new Set([...fs.readFileSync(testsFile, 'utf8').matchAll(/alertname:\s*(\S+)/g)].map((m) => m[1]));
  for (const a of alerts) check(tested.has(a), 'alert ' + a + ' has no promtool test in ' + path.basename(testsFile));
  for (const wanted of ['claimgate_spool_pending_entries', 'claimgate_upstream_circuit_state', 'claimgate_dead_letters_present',
                        'verdict="rejected"']) {
    check(rules.some((e) => e.includes(wanted)), 'an alert on ' + wanted);
  }
  const dashboard = dashboardExpressions(JSON.parse(fs.readFileSync(dashboardFile, 'utf8')));

  const work = fs.mkdtempSync(path.join(os.tmpdir(), 'cg-monitoring-'));
  const upstream = await h.startUpstream();
  let server = null;
  try {
    server = await h.startServer(exe, path.join(work, 'server'), upstream);
    const posted = await h.postExamples(src, server.port);
    check(await h.waitFor(async () => (await h.status(server.port)).dead_letters.count === posted.keys.length, 30000, 100),
          'every accepted entry dead-lettered');
    const scrape = await h.request(server.port, 'GET', '/metrics', { headers: h.asAdmin });
    check(scrape.status === 200, 'GET /metrics: ' + scrape.status);
    const series = parseExposition(scrape.body);
    rules.forEach((e, i) => checkExpression(e, 'alert ' + alerts[i], series));
    dashboard.forEach((e, i) => checkExpression(e, 'dashboard query ' + (i + 1), series));
    // The other way round is a reminder, not a failure: a metric added to the server is not on
    // the dashboard yet.
    const everything = rules.concat(dashboard).join('\n');
    for (const name of series.keys()) {
      const base = name.replace(/_(bucket|sum|count)$/, '');
      if (!everything.includes(name) && !everything.includes(base + '_bucket')) {
        console.log('note: ' + name + ' is on no panel of ' + path.basename(dashboardFile) + ' and in no rule');
      }
    }
    console.log('checked ' + rules.length + ' rule and ' + dashboard.length + ' dashboard expressions against ' + series.size + ' exposed metrics');
  } finally {
    if (server) await server.stop();
    await upstream.close();
    if (failures.length === 0) fs.rmSync(work, { recursive: true, force: true });
  }
}

async function main() {
  try {
    if (mode === 'promtool') promtool();
    else if (mode === 'names') await names();
    else {
      console.error('usage: node monitoring_check.js CLAIMGATE_EXE SOURCE_DIR names|promtool');
      process.exit(2);
    }
  } catch (e) {
    failures.push(e.stack || String(e));
  }
  if (failures.length) {
    console.log('FAILED (' + failures.length + '):\n  ' + failures.join('\n  '));
    process.exit(1);
  }
  console.log('monitoring ' + mode + ': passed');
}

main();
