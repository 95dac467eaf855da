// Checks every interchange claimgate writes (999/TA1, 277CA, re-enveloped 837) with an
// independent X12 parser, the npm package node-x12, in strict mode, and recounts SE01, GE01
// and IEA01 itself. Usage: node independent_check.js CLAIMGATE_EXE SOURCE_DIR NODE_MODULES_DIR
'use strict';
const { execFileSync } = require('child_process');
const fs = require('fs');
const os = require('os');
const path = require('path');

const [exe, src, modules] = process.argv.slice(2);
let X12Parser;
try {
  ({ X12Parser } = require(path.join(modules, 'node-x12')));
} catch (e) {
  console.log('node-x12 is not installed in ' + modules + ': skipped');
  process.exit(77);
}

const inputs = [];
for (const dir of ['conformance/x12/defects', 'deploy/examples', 'conformance/equivalence']) {
  for (const f of fs.readdirSync(path.join(src, dir))) {
    if (/\.(x12|edi|837)$/.test(f)) inputs.push(path.join(src, dir, f));
  }
}
const out = fs.mkdtempSync(path.join(os.tmpdir(), 'cg-answers-'));
try {
  execFileSync(exe, ['validate', '--format', 'summary', '--today', '2026-01-15', '--out', out, ...inputs],
               { stdio: 'pipe' });
} catch (e) {
  if (e.status !== 1) throw e;  // 1: some claims rejected, as intended
}

let checked = 0, failed = 0;
function check(file) {
  const text = fs.readFileSync(file, 'utf8');
  if (text.length === 0) return;
  // Each generated file may hold several interchanges (TA1 and 999 travel separately).
  const parts = text.split(/(?=ISA\*)/).filter((p) => p.trim().length > 0);
  for (const part of parts) {
    checked++;
    try {
      // node-x12 does not know the TA1 segment (an interchange acknowledgment between ISA and
      // IEA); those interchanges are counted here and checked by claimgate's own reader.
      const ta1 = /(^|~)\s*TA1\*/.test(part);
      const ic = ta1 ? { functionalGroups: [] } : new X12Parser(true).parse(part);
      const segs = part.split('~').map((s) => s.trim()).filter((s) => s.length > 0);
      let st = -1, inSet = 0, sets = 0, groups = 0;
      for (const s of segs) {
        const id = s.split('*')[0];
        if (id === 'ST') { st = 0; sets++; }
        if (st >= 0) st++;
        if (id === 'SE' && Number(s.split('*')[1]) !== st) throw new Error('SE01 ' + s + ' but counted ' + st);
        if (id === 'SE') st = -1;
        if (id === 'GS') { groups++; inSet = sets; }
        if (id === 'GE' && Number(s.split('*')[1]) !== sets - inSet) throw new Error('GE01 ' + s);
        if (id === 'IEA' && Number(s.split('*')[1]) !== groups) throw new Error('IEA01 ' + s);
      }
      if ((ic.functionalGroups || []).length !== groups) throw new Error('node-x12 saw a different group count');
    } catch (e) {
      failed++;
      console.log('FAIL ' + file + ': ' + e.message);
    }
  }
}
for (const d of fs.readdirSync(out)) {
  // The 999, the 277CA and one re-enveloped 837 per payer (accepted-<payer id>.837).
  for (const f of fs.readdirSync(path.join(out, d))) {
    if (f === '999.x12' || f === '277ca.x12' || /^accepted-.*\.837$/.test(f)) check(path.join(out, d, f));
  }
}
fs.rmSync(out, { recursive: true, force: true });
console.log(`${checked - failed} passed, ${failed} failed`);
process.exit(failed === 0 && checked > 0 ? 0 : 1);
