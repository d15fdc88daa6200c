#!/usr/bin/env node
// The JavaScript side of the consent-string benchmark (scripts/bench-consent-strings.sh): decodes
// the same strings as bench/consent_string_bench.cc with the IAB's own libraries, every field,
// and prints decodes per second as key=value lines.
//
//   node tools/iab-reference/bench.js STRINGS.jsonl [--seconds S]
//
// TC strings: TCString.decode (eager: every field). GPP strings: new GppModel(s).toObject(),
// which decodes every section and reads every field (GppModel alone decodes lazily).
'use strict';

const fs = require('fs');
const tcf = require('@iabtechlabtcf/core');
const gpp = require('@iabgpp/cmpapi');

function rate(strings, decode, seconds) {
  // Warm up (JIT), then as many rounds over the strings as fit in `seconds`.
  for (const s of strings) decode(s);
  let done = 0;
  const start = process.hrtime.bigint();
  let elapsed = 0;
  do {
    for (const s of strings) decode(s);
    done += strings.length;
    elapsed = Number(process.hrtime.bigint() - start) / 1e9;
  } while (elapsed < seconds);
  return done / elapsed;
}

function main() {
  const file = process.argv[2];
  const at = process.argv.indexOf('--seconds');
  const seconds = at > 0 ? Number(process.argv[at + 1]) : 3;
  const lines = fs.readFileSync(file, 'utf8').split('\n').filter((l) => l.length > 0);
  const tcStrings = [];
  const gppStrings = [];
  for (const line of lines) {
    const {kind, encoded} = JSON.parse(line);
    (kind === 'tcf' ? tcStrings : gppStrings).push(encoded);
  }
  const tcRate = rate(tcStrings, (s) => tcf.TCString.decode(s), seconds);
  const gppRate = rate(gppStrings, (s) => new gpp.GppModel(s).toObject(), seconds);
  console.log(`js_tcf_strings=${tcStrings.length}`);
  console.log(`js_tcf_decodes_per_second=${tcRate.toFixed(0)}`);
  console.log(`js_gpp_strings=${gppStrings.length}`);
  console.log(`js_gpp_decodes_per_second=${gppRate.toFixed(0)}`);
}

main();
