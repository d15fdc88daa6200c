// Evaluates privet's decision workload with Cedar (@cedar-policy/cedar-wasm) and prints its
// throughput and how often it agrees with privet.
//
//   node run.mjs WORKLOAD.json [--write-policies=DIR] [--text-every=K]
//
// WORKLOAD.json is written by `decision_bench --workload=...` (bench/decision_bench.cc): the five
// policies, their subjects, and every decision with privet's answer. Each policy is translated
// to Cedar by cedar_policy.mjs and validated against its schema (strict mode); then, on one core:
//  - statefulIsAuthorized, the policy set parsed once (preparsePolicySet): Cedar's fastest path,
//    over every decision; this is the figure privet is compared with;
//  - isAuthorized, the policy set passed as text in every call (the plain API, which parses it
//    each time), over every K-th decision (--text-every, default 4) to keep the run short.
// Every answer of both is checked against privet's. Requests and their entities are built
// before the clock starts; only the Cedar calls are timed. --write-policies writes the
// generated schema and policy sets for reading.
import fs from 'node:fs';
import path from 'node:path';
import cedar from '@cedar-policy/cedar-wasm/nodejs';

import { cedarPolicies, cedarRequests, cedarSchema } from './cedar_policy.mjs';

function parseArgs(argv) {
  const args = { workload: null, writePolicies: null, textEvery: 4 };
  for (const a of argv) {
    if (a.startsWith('--write-policies=')) args.writePolicies = a.slice('--write-policies='.length);
    else if (a.startsWith('--text-every=')) args.textEvery = Math.max(1, Number(a.slice('--text-every='.length)));
    else if (!args.workload) args.workload = a;
    else throw new Error(`unexpected argument ${a}`);
  }
  if (!args.workload) throw new Error('usage: node run.mjs WORKLOAD.json [--write-policies=DIR]');
  return args;
}

function fail(message, details) {
  console.error(`cedar: ${message}`);
  if (details) console.error(JSON.stringify(details, null, 2));
  process.exit(1);
}

function validate(name, policyText) {
  const answer = cedar.validate({
    schema: cedarSchema,
    policies: { staticPolicies: policyText },
    validationSettings: { mode: 'strict' },
  });
  if (answer.type !== 'success') fail(`${name}: validation failed`, answer.errors);
  if (answer.validationErrors.length > 0) fail(`${name}: policies do not type-check`, answer.validationErrors);
}

// Runs every case through `decide` and returns { seconds, decisions: ['allow'|'deny', ...] }.
function timeAll(cases, decide) {
  for (let i = 0; i < Math.min(2000, cases.length); ++i) decide(cases[i]);  // warm up
  const decisions = new Array(cases.length);
  const start = process.hrtime.bigint();
  for (let i = 0; i < cases.length; ++i) {
    const answer = decide(cases[i]);
    if (answer.type !== 'success') fail('authorization failed', answer.errors);
    decisions[i] = answer.response.decision;
  }
  const seconds = Number(process.hrtime.bigint() - start) / 1e9;
  return { seconds, decisions };
}

function main() {
  const args = parseArgs(process.argv.slice(2));
  const workload = JSON.parse(fs.readFileSync(args.workload, 'utf8'));

  // cases: { policyText, policySetId, request, expected } for every decision, policy by policy.
  const cases = [];
  for (const policy of workload.policies) {
    const policyText = cedarPolicies(policy);
    validate(policy.name, policyText);
    const parsed = cedar.preparsePolicySet(policy.name, { staticPolicies: policyText });
    if (parsed.type !== 'success') fail(`${policy.name}: preparse failed`, parsed.errors);
    if (args.writePolicies) {
      fs.mkdirSync(args.writePolicies, { recursive: true });
      fs.writeFileSync(path.join(args.writePolicies, `${policy.name}.cedar`), policyText);
    }
    const requests = cedarRequests(policy);
    policy.decisions.forEach((d, i) => {
      cases.push({ policyText, policySetId: policy.name, request: requests[i], expected: d });
    });
  }
  if (args.writePolicies) fs.writeFileSync(path.join(args.writePolicies, 'privet.cedarschema'), cedarSchema);

  const preparsed = timeAll(cases, (c) => cedar.statefulIsAuthorized({
    ...c.request,
    preparsedPolicySetId: c.policySetId,
  }));
  const textCases = cases.filter((_, i) => i % args.textEvery === 0);
  const plain = timeAll(textCases, (c) => cedar.isAuthorized({
    ...c.request,
    policies: { staticPolicies: c.policyText },
  }));

  let agree = 0;
  const mismatches = [];
  const check = (c, decision) => {
    if ((decision === 'allow') === c.expected.allowed) return true;
    mismatches.push({ policy: c.policySetId, privet: c.expected, cedar: decision });
    return false;
  };
  cases.forEach((c, i) => { if (check(c, preparsed.decisions[i])) ++agree; });
  textCases.forEach((c, i) => check(c, plain.decisions[i]));
  for (const m of mismatches.slice(0, 5)) console.error('cedar: mismatch', JSON.stringify(m));

  const n = cases.length;
  console.log(`cedar (cedar-wasm ${cedar.getCedarVersion()}, node ${process.version}): ` +
              `${n} decisions, ${workload.policies.length} policies`);
  console.log(`cedar_decisions=${n}`);
  console.log(`cedar_decisions_per_second=${Math.round(n / preparsed.seconds)}`);
  console.log(`cedar_text_decisions=${textCases.length}`);
  console.log(`cedar_text_decisions_per_second=${Math.round(textCases.length / plain.seconds)}`);
  console.log(`cedar_agree=${agree}`);
  console.log(`cedar_mismatches=${mismatches.length}`);
}

main();
