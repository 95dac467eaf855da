// What the operations tests share (console_check.js, monitoring_check.js): the real claimgate
// binary as a child process on 127.0.0.1 with an ephemeral port, an HTTP upstream that fails
// (500) or takes (200) what is forwarded to it, a small HTTP client, and the sample claims from
// deploy/examples posted by an authenticated sender. Every wait is bounded.
'use strict';
const { spawn } = require('child_process');
const fs = require('fs');
const http = require('http');
const path = require('path');

const ADMIN_KEY = 'ops-console-admin-key-0123456789';
const SENDER_KEY = 'clinic-a-sender-key-0123456789';

const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

async function waitFor(cond, ms, step = 50) {
  const end = Date.now() + ms;
  while (Date.now() < end) {
    if (await cond()) return true;
    await sleep(step);
  }
  return cond();
}

function request(port, method, target, { body, headers } = {}) {
  return new Promise((resolve) => {
    const req = http.request({ host: '127.0.0.1', port, method, path: target, timeout: 20000, headers: headers || {} }, (res) => {
      let data = '';
      res.setEncoding('utf8');
      res.on('data', (c) => (data += c));
      res.on('end', () => resolve({ status: res.statusCode, headers: res.headers, rawHeaders: res.rawHeaders, body: data }));
    });
    req.on('error', (e) => resolve({ status: 0, error: e.message, headers: {}, rawHeaders: [], body: '' }));
    req.on('timeout', () => req.destroy(new Error('timeout')));
    if (body) req.write(body);
    req.end();
  });
}

const basic = (user, key) => 'Basic ' + Buffer.from(user + ':' + key).toString('base64');
const asAdmin = { Authorization: 'Bearer ' + ADMIN_KEY };
const asBasicAdmin = { Authorization: basic('ops', ADMIN_KEY) };

// The payer: answers 500 while `failing`, else 200; records every Idempotency-Key it took.
async function startUpstream() {
  const up = { failing: true, taken: [], attempts: 0 };
  up.server = http.createServer((req, res) => {
    req.resume();
    req.on('end', () => {
      up.attempts++;
      if (up.failing) {
        res.writeHead(500, { 'Content-Type': 'text/plain' });
        res.end('payer down');
        return;
      }
      up.taken.push(req.headers['idempotency-key']);
      res.writeHead(200, { 'Content-Type': 'text/plain' });
      res.end('ok');
    });
  });
  await new Promise((r) => up.server.listen(0, '127.0.0.1', r));
  up.url = 'http://127.0.0.1:' + up.server.address().port;
  up.close = () => new Promise((r) => up.server.close(r));
  return up;
}

// claimgate serve with an admin, one sender (clinic-a) and every accepted claim forwarded to
// `upstream` (one attempt, then a dead letter; two failures open the circuit for 1 s); `extra`:
// more configuration keys. server.adminPort: the admin_listen port, when configured.
async function startServer(exe, dir, upstream, extra = {}) {
  fs.mkdirSync(dir, { recursive: true });
  const config = {
    threads: 2,
    admins: [{ id: 'ops', api_key: ADMIN_KEY }],
    senders: [{ id: 'clinic-a', api_key: SENDER_KEY }],
    forward: {
      targets: { payer: { type: 'http', x12_url: upstream.url + '/x12', fhir_url: upstream.url + '/fhir' } },
      default_target: 'payer',
      max_attempts: 1,
      backoff_initial_ms: 50,
      backoff_max_ms: 200,
      breaker_failures: 2,
      breaker_open_ms: 1000,
      connect_timeout_ms: 2000,
      timeout_ms: 5000,
    },
    log: { level: 'warn' },
    ...extra,
  };
  fs.writeFileSync(path.join(dir, 'config.json'), JSON.stringify(config));
  const portFile = path.join(dir, 'port');
  const logPath = path.join(dir, 'server.log');
  const log = fs.openSync(logPath, 'a');
  const child = spawn(exe, ['serve', '--config', path.join(dir, 'config.json'), '--listen', '127.0.0.1:0', '--data-dir',
                            path.join(dir, 'var'), '--port-file', portFile], { stdio: ['ignore', log, log] });
  let exited = false;
  child.on('exit', () => (exited = true));
  const up = await waitFor(() => exited || (fs.existsSync(portFile) && fs.readFileSync(portFile, 'utf8').endsWith('\n')), 20000);
  if (!up || exited) throw new Error('claimgate serve did not start: ' + fs.readFileSync(logPath, 'utf8'));
  const server = { port: Number(fs.readFileSync(portFile, 'utf8')), dir, logPath };
  if (config.admin_listen) {
    // The "listening" log line names the admin port (the port file holds the main one).
    const line = fs.readFileSync(logPath, 'utf8').split('\n').find((l) => l.includes('"event":"listening"'));
    server.adminPort = line ? JSON.parse(line).admin_port : 0;
  }
  server.stop = async () => {
    if (exited) return;
    child.kill('SIGTERM');
    if (!(await waitFor(() => exited, 15000))) child.kill('SIGKILL');
  };
  return server;
}

// Posts every sample claim in deploy/examples as clinic-a. Returns the totals the answers
// report (claims accepted / rejected, the rule ids of their findings and of those that rejected),
// the entry keys accepted
// and the claim ids sent (CLM01 / Claim.identifier: they must never show on the console).
async function postExamples(src, port) {
  const dir = path.join(src, 'deploy/examples');
  const out = { accepted: 0, rejected: 0, rules: new Set(), rejecting: new Set(), keys: [], claimIds: new Set() };
  for (const f of fs.readdirSync(dir).sort()) {
    const text = fs.readFileSync(path.join(dir, f), 'utf8');
    const x12 = f.endsWith('.x12');
    if (!x12 && !f.endsWith('.json')) continue;
    const r = await request(port, 'POST', x12 ? '/x12' : '/fhir', {
      body: text,
      headers: { 'X-API-Key': SENDER_KEY, 'Content-Type': x12 ? 'application/edi-x12' : 'application/fhir+json' },
    });
    if (r.status !== 200) throw new Error('POST ' + f + ': ' + r.status + ' ' + r.body.slice(0, 300));
    const k = r.headers['x-claimgate-entry-keys'];
    if (k) out.keys.push(...k.split(','));
    if (x12) {
      for (const m of text.matchAll(/CLM\*([^*~]+)/g)) out.claimIds.add(m[1]);
      const report = JSON.parse(r.body);
      for (const c of report.claims || []) {
        if (c.verdict === 'accepted') out.accepted++;
        else out.rejected++;
        for (const finding of c.findings || []) {
          out.rules.add(finding.rule);
          if (finding.severity === 'reject') out.rejecting.add(finding.rule);
        }
      }
    } else {
      const bundle = JSON.parse(text);
      for (const e of bundle.entry || []) for (const id of (e.resource && e.resource.identifier) || []) out.claimIds.add(id.value);
      for (const e of JSON.parse(r.body).entry || []) {
        const status = (e.response && e.response.status) || '';
        if (status.startsWith('2')) out.accepted++;
        else out.rejected++;
        const outcome = e.response && e.response.outcome;
        for (const issue of (outcome && outcome.issue) || []) {
          for (const c of (issue.details && issue.details.coding) || []) {
            if (!c.code) continue;
            out.rules.add(c.code);
            if (issue.severity === 'error') out.rejecting.add(c.code);
          }
        }
      }
    }
  }
  return out;
}

async function status(port) {
  const r = await request(port, 'GET', '/admin/status', { headers: asAdmin });
  if (r.status !== 200) throw new Error('GET /admin/status: ' + r.status + ' ' + r.body);
  return JSON.parse(r.body);
}

module.exports = { ADMIN_KEY, SENDER_KEY, sleep, waitFor, request, basic, asAdmin, asBasicAdmin, startUpstream, startServer,
                   postExamples, status };
