// The node-x12 side of tests/bench/peers.sh: parses one X12 file with the npm package node-x12
// (strict mode: envelopes and counts checked) and prints the number of claims (CLM segments) it
// found. node-x12 builds an object model of the whole interchange; it checks no implementation
// guide and no code. Usage: node peers_node_x12.js NODE_MODULES_DIR FILE
'use strict';
const fs = require('fs');
const path = require('path');

const [modules, file] = process.argv.slice(2);
const { X12Parser } = require(path.resolve(modules, 'node-x12'));
const parsed = new X12Parser(true).parse(fs.readFileSync(file, 'utf8'));
const interchanges = parsed.interchanges || [parsed];  // an X12FatInterchange holds several
let claims = 0;
for (const ic of interchanges)
  for (const group of ic.functionalGroups)
    for (const set of group.transactions)
      for (const seg of set.segments)
        if (seg.tag === 'CLM') claims++;
console.log(claims);
