// Checks that every rule of the Cedar translation matters: drops one rule (by its @id) at a
// time and counts how many decisions of the workload then disagree with privet. A rule whose
// removal changes nothing is either redundant for these policies or not exercised by the
// workload.
//
//   node ablate.mjs WORKLOAD.json [--every=K]   (every K-th decision, default 5)
import fs from 'node:fs';
import cedar from '@cedar-policy/cedar-wasm/nodejs';

import { cedarPolicies, cedarRequests } from './cedar_policy.mjs';

const [workloadPath, everyArg] = process.argv.slice(2);
if (!workloadPath) throw new Error('usage: node ablate.mjs WORKLOAD.json [--every=K]');
const every = everyArg?.startsWith('--every=') ? Number(everyArg.slice('--every='.length)) : 5;

const workload = JSON.parse(fs.readFileSync(workloadPath, 'utf8'));
const ruleIds = new Set();
const policies = workload.policies.map((policy) => {
  policy.decisions = policy.decisions.filter((_, i) => i % every === 0);
  const text = cedarPolicies(policy);
  for (const m of text.matchAll(/@id\("([^"]+)"\)/g)) ruleIds.add(m[1]);
  return { policy, rules: text.split('\n\n'), requests: cedarRequests(policy) };
});

for (const id of ruleIds) {
  let disagree = 0;
  for (const { policy, rules, requests } of policies) {
    const text = rules.filter((r) => !r.includes(`@id("${id}")`)).join('\n\n');
    const parsed = cedar.preparsePolicySet('ablated', { staticPolicies: text });
    if (parsed.type !== 'success') throw new Error(JSON.stringify(parsed.errors));
    policy.decisions.forEach((d, i) => {
      const answer = cedar.statefulIsAuthorized({ ...requests[i], preparsedPolicySetId: 'ablated' });
      if (answer.type !== 'success') throw new Error(JSON.stringify(answer.errors));
      if ((answer.response.decision === 'allow') !== d.allowed) ++disagree;
    });
  }
  console.log(`without ${id}: ${disagree} decisions disagree`);
}
