// Routing by target format (issue 14), end to end on 127.0.0.1 with this test's own HTTP
// upstream:
// A. every target takes X12 ("format": "x12"): FHIR Claims POSTed to /fhir/Claim (the Bundles
//    `claimgate convert --to fhir` writes for the conformance cases' and corpus's accepted 837s,
//    and the FHIR cases and corpus Claims) arrive upstream as one 837 interchange each, which
//    node-x12 parses (strict) and `claimgate validate` reads as one accepted claim without input
//    errors; a Claim the 837 cannot be built from is answered 422 with convert.target-needs and
//    its FHIRPath and is neither forwarded nor spooled; a FHIR Claim another gateway (B) accepts
//    is here either forwarded or refused with convert.target-needs only.
// B. every target takes FHIR: the same 837s POSTed to /x12 arrive as one FHIR batch Bundle per
//    accepted claim, POSTed to the FHIR base URL, valid against the FHIR R4 JSON schema and read
//    by `claimgate validate` as that claim, accepted; an 837D line with two teeth (one FHIR
//    item has one bodySite) is rejected in the 277CA (STC A7:21) and not forwarded.
// Usage: node routing_check.js CLAIMGATE_EXE SOURCE_DIR NODE_MODULES_DIR
// Exit 77 (skipped) when node-x12 or the FHIR schema is not installed (deploy/test.sh installs them).
'use strict';
const { execFileSync } = require('child_process');
const fs = require('fs');
const http = require('http');
const os = require('os');
const path = require('path');
const h = require('../ops/harness');

const [exe, src, modules] = process.argv.slice(2).map((a) => path.resolve(a));
const { schemaErrors, X12Parser } = require('../ops/checkers').load(modules, { x12: true });

const failures = [];
const fail = (m) => failures.push(m);
const { sleep, waitFor } = h;

// POST as the harness's sender (tests/ops/harness.js starts the server with it).
function request(port, target, type, body, accept) {
  const headers = { 'Content-Type': type, 'X-API-Key': h.SENDER_KEY };
  if (accept) headers.Accept = accept;
  return h.request(port, 'POST', target, { body, headers });
}

// An upstream that records every POST.
async function upstream() {
  const got = [];
  const server = http.createServer((req, res) => {
    let data = '';
    req.on('data', (c) => (data += c));
    req.on('end', () => {
      got.push({ target: req.url, type: req.headers['content-type'], key: req.headers['idempotency-key'], body: data });
      res.writeHead(200, { 'Content-Type': 'application/json' });
      res.end('{}');
    });
  });
  await new Promise((r) => server.listen(0, '127.0.0.1', r));
  const url = 'http://127.0.0.1:' + server.address().port;
  return { got, url, base: url, close: () => server.close() };
}

// `claimgate validate --format json` of one document (our own reader and rules).
function validate(work, name, text) {
  const p = path.join(work, name);
  fs.writeFileSync(p, text);
  let out;
  try {
    out = execFileSync(exe, ['validate', '--format', 'json', p], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] });
  } catch (e) {
    out = e.stdout;  // exit 1: some claim rejected
  }
  return JSON.parse(out);
}
function readProblems(report) {
  const p = [];
  for (const e of report.errors || []) p.push(e.rule + ': ' + e.message);
  for (const c of report.claims || [])
    for (const f of c.findings || []) if (/^(x12|fhir)\./.test(f.rule)) p.push(f.rule + ': ' + f.message);
  return p;
}

// Inputs: the 837s of the conformance cases and the corpus with at least one accepted claim.
const x12Inputs = [];
for (const kind of ['837p', '837i', '837d']) {
  const dir = path.join(src, 'conformance/cases', kind);
  for (const c of fs.readdirSync(dir)) {
    const p = path.join(dir, c, 'input.x12');
    if (fs.existsSync(p)) x12Inputs.push(p);
  }
}
const corpus = path.join(src, 'conformance/x12/corpus');
for (const f of fs.readdirSync(corpus)) if (/5010|zentist|imsweb/.test(f)) x12Inputs.push(path.join(corpus, f));

async function main() {
  const work = fs.mkdtempSync(path.join(os.tmpdir(), 'cg-routing-'));
  const identity = { contact_name: 'EDI DESK', contact_phone: '8005551212', sender_id: 'CLAIMGATE' };
  let x12Forwarded = 0, fhirForwarded = 0, refused = 0;
  try {
    // FHIR inputs: each accepted 837 claim as the Bundle `claimgate convert` writes, then the
    // FHIR cases and corpus.
    const accepted = x12Inputs.filter((p) => validate(work, 'probe.x12', fs.readFileSync(p, 'utf8')).summary.accepted > 0);
    const fhirInputs = [];
    for (const p of accepted) {
      let out = '';
      try {
        out = execFileSync(exe, ['convert', p, '--to', 'fhir'], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] });
      } catch (e) {
        out = e.stdout || '';  // exit 1: some claims of the file could not be converted
      }
      for (const line of out.split('\n')) if (line) fhirInputs.push({ name: path.basename(path.dirname(p)) + ' as FHIR', text: line });
    }
    for (const dir of ['conformance/cases/fhir', 'conformance/fhir/corpus/claim']) {
      for (const f of fs.readdirSync(path.join(src, dir))) {
        const p = f.endsWith('.json') ? path.join(src, dir, f) : path.join(src, dir, f, 'input.json');
        if (!fs.existsSync(p)) continue;
        let doc;
        try { doc = JSON.parse(fs.readFileSync(p, 'utf8')); } catch (e) { continue; }
        if (doc.resourceType === 'Claim' || doc.resourceType === 'Bundle') fhirInputs.push({ name: p, text: fs.readFileSync(p, 'utf8'), plain: true });
      }
    }

    // --- A: an X12 target.
    const upA = await upstream();
    const a = await h.startServer(exe, path.join(work, 'a'), upA, {
      identity,
      forward: { targets: { payer: { type: 'http', x12_url: upA.base + '/x12', format: 'x12' } }, default_target: 'payer',
                 backoff_initial_ms: 20, backoff_max_ms: 200 },
    });
    const upB = await upstream();
    const b = await h.startServer(exe, path.join(work, 'b'), upB, {
      identity,
      forward: { targets: { payer: { type: 'http', fhir_url: upB.base + '/fhir', format: 'fhir' } }, default_target: 'payer',
                 backoff_initial_ms: 20, backoff_max_ms: 200 },
    });
    const keysA = new Map();  // entry key -> claim identifier
    const keysBFhir = new Set();  // FHIR Claims B took as they came (forwarded as Claims)
    for (const input of fhirInputs) {
      const r = await request(a.port, '/fhir/Claim', 'application/fhir+json', input.text);
      const keys = r.headers['x-claimgate-entry-keys'];
      if (r.status === 201) {
        const doc = JSON.parse(input.text);
        const claim = doc.resourceType === 'Claim' ? doc : doc.entry.find((e) => e.resource.resourceType === 'Claim').resource;
        keysA.set(keys, (claim.identifier || [{}])[0].value || claim.id);
        continue;
      }
      if (keys) fail('A ' + input.name + ': answered ' + r.status + ' yet spooled ' + keys);
      // Refused here: when the rules accept it (B, a FHIR target, takes it), the 837 is what it
      // cannot be built for, and only for a FHIR Claim without what `claimgate convert` writes.
      const rb = await request(b.port, '/fhir/Claim', 'application/fhir+json', input.text);
      if (rb.status !== 201) continue;
      keysBFhir.add(rb.headers['x-claimgate-entry-keys']);
      const oo = JSON.parse(r.body);
      const rules = (oo.issue || []).filter((i) => i.severity === 'error').map((i) => i.details.coding[0].code);
      if (!input.plain || r.status !== 422 || rules.length === 0 || rules.some((x) => x !== 'convert.target-needs'))
        fail('A ' + input.name + ': accepted by a FHIR target, answered ' + r.status + ' ' + r.body.slice(0, 300));
      else if (oo.issue.some((i) => !(i.expression || [])[0])) fail('A ' + input.name + ': an issue without its FHIRPath: ' + r.body.slice(0, 300));
      else refused++;
    }
    // The Claim without the billing provider's tax id: rejected, its FHIRPath named, nothing forwarded.
    const first = fhirInputs.find((i) => !i.plain && i.text.includes('urn:oid:2.16.840.1.113883.4.4'));
    const noTax = JSON.parse(first.text);
    for (const e of noTax.entry)
      if (e.resource.identifier) e.resource.identifier = e.resource.identifier.filter((i) => i.system !== 'urn:oid:2.16.840.1.113883.4.4');
    const bad = await request(a.port, '/fhir/Claim', 'application/fhir+json', JSON.stringify(noTax));
    if (bad.status !== 422 || !bad.body.includes('"code":"convert.target-needs"') || !bad.body.includes('"expression":["Claim.provider"]') ||
        !bad.body.includes('tax id'))
      fail('A: the Claim without a tax id: ' + bad.status + ' ' + bad.body.slice(0, 400));
    if (bad.headers['x-claimgate-entry-keys']) fail('A: the Claim without a tax id was spooled');

    if (!(await waitFor(() => upA.got.length >= keysA.size, 30000))) fail('A: ' + upA.got.length + ' of ' + keysA.size + ' forwarded');
    await sleep(300);  // nothing more may arrive
    if (upA.got.length !== keysA.size) fail('A: ' + upA.got.length + ' bodies upstream for ' + keysA.size + ' accepted claims');
    for (const g of upA.got) {
      const where = 'A ' + g.key;
      if (g.target !== '/x12' || g.type !== 'application/edi-x12') { fail(where + ': POST ' + g.target + ' ' + g.type); continue; }
      if (!keysA.has(g.key)) fail(where + ': not a key the gateway answered');
      try {
        const ic = new X12Parser(true).parse(g.body);
        const groups = ic.functionalGroups || [];
        if (groups.length !== 1 || groups[0].transactions.length !== 1) fail(where + ': node-x12 saw ' + groups.length + ' groups');
      } catch (e) {
        fail(where + ': node-x12: ' + e.message);
      }
      if (!g.body.includes('PER*IC*EDI DESK*TE*8005551212~')) fail(where + ': no 1000A PER from identity');
      const rep = validate(work, 'a.x12', g.body);
      const problems = readProblems(rep);
      if (problems.length) fail(where + ': our reader: ' + problems[0]);
      if (rep.claims.length !== 1 || rep.claims[0].claim_id !== keysA.get(g.key)) fail(where + ': claims ' + JSON.stringify(rep.claims.map((c) => c.claim_id)));
      else if (rep.claims[0].verdict !== 'accepted') fail(where + ': the 837 is ' + JSON.stringify(rep.claims[0].findings[0]));
      x12Forwarded++;
    }
    await a.stop();
    upA.close();

    // --- B: a FHIR target.
    const keysB = new Map();
    for (const p of accepted) {
      const r = await request(b.port, '/x12', 'application/edi-x12', fs.readFileSync(p), 'application/json');
      if (r.status !== 200) { fail('B ' + p + ': ' + r.status + ' ' + r.body.slice(0, 200)); continue; }
      for (const c of JSON.parse(r.body).claims) {
        if (c.entry_key) keysB.set(c.entry_key, c.claim_id);  // accepted, in a transaction set the 999 accepted
        if (c.findings.some((f) => f.rule === 'convert.target-needs')) fail('B ' + p + ': ' + JSON.stringify(c.findings));
      }
    }
    // Two teeth on one 837D line: refused in the 277CA, not forwarded.
    const dental = fs.readFileSync(path.join(src, 'conformance/cases/837d/clean-restoration/input.x12'), 'utf8')
      .replace('TOO*JP*30~', 'TOO*JP*30~\nTOO*JP*29~').replace('SE*31*0001~', 'SE*32*0001~');
    const teeth = await request(b.port, '/x12', 'application/edi-x12', dental, 'application/edi-x12; answer=277ca');
    if (teeth.status !== 200 || !/STC\*A7:21\*/.test(teeth.body) || teeth.headers['x-claimgate-entry-keys'])
      fail('B: two teeth: ' + teeth.status + ' ' + teeth.body.slice(0, 300));
    const teethJson = await request(b.port, '/x12', 'application/edi-x12', dental, 'application/json');
    const tf = JSON.parse(teethJson.body).claims[0].findings.find((f) => f.rule === 'convert.target-needs');
    if (!tf || !tf.location || !/teeth/.test(tf.message)) fail('B: two teeth, JSON report: ' + teethJson.body.slice(0, 400));

    const expectB = keysB.size + keysBFhir.size;
    if (!(await waitFor(() => upB.got.length >= expectB, 30000))) fail('B: ' + upB.got.length + ' of ' + expectB + ' forwarded');
    await sleep(300);
    if (upB.got.length !== expectB) fail('B: ' + upB.got.length + ' bodies upstream for ' + expectB + ' accepted claims');
    for (const g of upB.got) {
      const where = 'B ' + g.key;
      if (keysBFhir.has(g.key)) {  // a FHIR Claim, as it came
        if (g.target !== '/fhir/Claim') fail(where + ': a FHIR Claim POSTed to ' + g.target);
        continue;
      }
      if (!keysB.has(g.key)) fail(where + ': not a key the gateway answered');
      if (!/^\/fhir\/?$/.test(g.target) || g.type !== 'application/fhir+json') { fail(where + ': POST ' + g.target + ' ' + g.type); continue; }
      let bundle;
      try { bundle = JSON.parse(g.body); } catch (e) { fail(where + ': not JSON'); continue; }
      if (bundle.resourceType !== 'Bundle' || bundle.type !== 'batch') fail(where + ': not a batch Bundle');
      const errs = schemaErrors(bundle);
      if (errs) fail(where + ': not valid FHIR R4: ' + errs);
      const rep = validate(work, 'b.json', g.body);
      const problems = readProblems(rep);
      if (problems.length) fail(where + ': our reader: ' + problems[0]);
      if (rep.claims.length !== 1 || rep.claims[0].claim_id !== keysB.get(g.key)) fail(where + ': claims ' + JSON.stringify(rep.claims.map((c) => c.claim_id)));
      else if (rep.claims[0].verdict !== 'accepted') fail(where + ': the Bundle is ' + JSON.stringify(rep.claims[0].findings[0]));
      fhirForwarded++;
    }
    await b.stop();
    upB.close();
    if (x12Forwarded < 20 || fhirForwarded < 20) fail('too few routed claims: ' + x12Forwarded + ' as 837, ' + fhirForwarded + ' as FHIR');
    console.log(fhirInputs.length + ' FHIR inputs, ' + accepted.length + ' X12 inputs: ' + x12Forwarded + ' FHIR claims forwarded as 837 (node-x12, our reader), ' +
                refused + ' refused with convert.target-needs, ' + fhirForwarded + ' X12 claims forwarded as FHIR Bundles (R4 schema, our reader)');
  } finally {
    fs.rmSync(work, { recursive: true, force: true });
  }
  for (const f of failures.slice(0, 20)) console.log('FAIL ' + f);
  console.log(failures.length ? failures.length + ' failure(s)' : 'routing by target format: all checks passed');
  process.exit(failures.length ? 1 : 0);
}

main().catch((e) => {
  console.log('FAIL ' + (e.stack || e));
  process.exit(1);
});
