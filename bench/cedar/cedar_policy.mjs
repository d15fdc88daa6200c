// Translates one privet policy, as bench/decision_bench writes it into the workload JSON, into
// Cedar: a schema, a policy set and entities, with the semantics of privet's Decide()
// (include/privet/decision.h):
//
//  - purposes form a tree: each Purpose entity's parent is its parent purpose, so Cedar's `in`
//    walks ancestors ("consent on the purpose or an ancestor", "prohibited itself or below a
//    prohibited purpose", a role's purposes covering their descendants);
//  - permits say who may act at all (service, the subject itself unless removed from its
//    organization, staff within their role's need-to-know, the admin of the subject's
//    organization within the policy's organization_admin role and never on a tenant's subject,
//    the tenant that submitted the subject); a privet admin has no permit;
//  - forbids carry every denial: prohibited purposes, controller vs processor data, refused
//    categories on write, categories per purpose, restriction, California's limit on sensitive
//    use, consent, opt-out (of the purpose or an ancestor; it also ends a consent given beneath
//    it), objection, and a purpose newer than the data (consent where use is bound to the
//    collection version; otherwise notice where changes wait for it, and no opt-out of it
//    whatever its consent mode).
//
// Cedar has no "for all", so each category set is the expanded set of category ids (an id
// covers its dotted descendants), the same sets privet compiles; the effective (inherited)
// consent mode, objectability and since_version of each purpose are attributes, as privet's
// compiler computes them, because a child may override its parent's mode.

const kOrganizationAdminRole = 'organization_admin';  // kOrganizationAdminRole in privet
const kDataActions = ['write', 'read', 'disclose'];  // store and erase skip the subject's choices

const uid = (type, id) => ({ type, id: String(id) });
const ref = (type, id) => ({ __entity: uid(type, id) });
const quote = (s) => JSON.stringify(s);
const actionList = (names) => `[${names.map((a) => `Action::${quote(a)}`).join(', ')}]`;
const purposeList = (ids) => `[${ids.map((p) => `Purpose::${quote(p)}`).join(', ')}]`;

export const cedarSchema = `// Schema for privet's decisions expressed in Cedar (bench/cedar/cedar_policy.mjs).
entity Purpose in [Purpose] {
  categories: Set<String>,
  consent: String,
  objectable: Bool,
  direct_marketing: Bool,
  since_version: Long,
  sensitive_use_permitted: Bool,
};
entity Role { purposes: Set<Purpose>, categories: Set<String> };
entity Staff { role: Role };
entity Organization;
entity OrganizationAdmin in [Organization];
entity Tenant;
entity Service;
entity Admin;
entity Subject {
  organization?: Organization,
  tenant?: Tenant,
  consents: Set<Purpose>,
  opt_outs: Set<Purpose>,
  objections: Set<Purpose>,
  overriding_grounds: Set<Purpose>,
  restricted: Bool,
  removed_from_organization: Bool,
  limited_sensitive_use: Bool,
  collected_under_version: Long,
  notified_version: Long,
};
type DecisionContext = { purpose: Purpose, categories: Set<String> };
action write, read, store, disclose, erase appliesTo {
  principal: [Service, Subject, Staff, OrganizationAdmin, Tenant, Admin],
  resource: Subject,
  context: DecisionContext,
};
`;

// The Cedar policy set for one privet policy, as text.
export function cedarPolicies(policy) {
  const prohibited = policy.purposes.filter((p) => p.prohibited).map((p) => p.id);
  const processor = policy.purposes.filter((p) => p.processor).map((p) => p.id);
  const out = [];
  const add = (id, text) => out.push(`@id(${quote(id)})\n${text.trim()};\n`);

  out.push(`// Generated from policies/${policy.name}.yaml (as version ${policy.version}) by ` +
           'bench/cedar/cedar_policy.mjs; do not edit.\n');
  add('service', 'permit (principal is Service, action, resource)');
  add('subject_self', `
permit (principal is Subject, action, resource)
when { principal == resource && !resource.removed_from_organization }`);
  add('staff_need_to_know', `
permit (principal is Staff, action, resource)
when {
  context.purpose in principal.role.purposes &&
  principal.role.categories.containsAll(context.categories)
}`);
  // An organization admin acts on its organization's members (never a tenant's subjects), and
  // only within the policy's organization_admin role; without that role, not at all.
  const orgAdminRole = policy.roles.find((r) => r.id === kOrganizationAdminRole);
  if (orgAdminRole) {
    add('organization_admin', `
permit (principal is OrganizationAdmin, action, resource)
when {
  resource has organization && principal in resource.organization && !(resource has tenant) &&
  context.purpose in ${purposeList(orgAdminRole.purposes)} &&
  ${JSON.stringify(orgAdminRole.categories)}.containsAll(context.categories)
}`);
  }
  add('tenant', `
permit (principal is Tenant, action, resource)
when { resource has tenant && resource.tenant == principal }`);

  if (prohibited.length > 0) {
    add('prohibited_purpose', `
forbid (principal, action, resource)
when { context.purpose in ${purposeList(prohibited)} }`);
  }
  if (processor.length > 0) {
    add('controller_purpose_on_processor_data', `
forbid (principal, action, resource)
when { resource has tenant && !(context.purpose in ${purposeList(processor)}) }`);
    add('processor_purpose_needs_tenant', `
forbid (principal, action, resource)
when { !(resource has tenant) && context.purpose in ${purposeList(processor)} }`);
  } else {
    add('controller_purpose_on_processor_data', `
forbid (principal, action, resource) when { resource has tenant }`);
  }
  if (policy.refused_on_write.length > 0) {
    add('refused_on_write', `
forbid (principal, action == Action::"write", resource)
when { context.categories.containsAny(${JSON.stringify(policy.refused_on_write)}) }`);
  }
  add('category_not_for_purpose', `
forbid (principal, action, resource)
unless { context.purpose.categories.containsAll(context.categories) }`);
  add('restricted', `
forbid (principal, action in ${actionList(kDataActions)}, resource)
when { resource.restricted }`);
  if (policy.sensitive_categories.length > 0) {
    add('sensitive_use_limited', `
forbid (principal, action in ${actionList(kDataActions)}, resource)
when {
  resource.limited_sensitive_use && !context.purpose.sensitive_use_permitted &&
  context.categories.containsAny(${JSON.stringify(policy.sensitive_categories)})
}`);
  }
  add('no_consent', `
forbid (principal, action in ${actionList(kDataActions)}, resource)
when { context.purpose.consent == "required" && !(context.purpose in resource.consents) }`);
  add('opted_out', `
forbid (principal, action in ${actionList(kDataActions)}, resource)
when { context.purpose.consent != "none" && context.purpose in resource.opt_outs }`);
  add('objected_direct_marketing', `
forbid (principal, action in ${actionList(kDataActions)}, resource)
when { context.purpose.direct_marketing && context.purpose in resource.objections }`);
  add('objected', `
forbid (principal, action in ${actionList(kDataActions)}, resource)
when {
  context.purpose.objectable &&
  context.purpose in resource.objections &&
  !(context.purpose in resource.overriding_grounds)
}`);
  // A purpose newer than the data: bound to the collection version, only with consent (CN17);
  // otherwise once the subject was told (where changes wait for notice, CU06), and never after
  // the subject opted out of it, whatever its consent mode.
  const newerPurpose = `
  resource.collected_under_version > 0 &&
  resource.collected_under_version < context.purpose.since_version`;
  const newerActions = actionList(['read', 'disclose']);
  if (policy.use_bound_to_collection_version) {
    add('purpose_not_in_force_at_collection', `
forbid (principal, action in ${newerActions}, resource)
when {${newerPurpose} &&
  !(context.purpose in resource.consents)
}`);
  } else {
    if (policy.changes_wait_for_notice) {
      add('purpose_not_in_force_at_collection', `
forbid (principal, action in ${newerActions}, resource)
when {${newerPurpose} &&
  resource.notified_version < context.purpose.since_version
}`);
    }
    add('opted_out_of_new_purpose', `
forbid (principal, action in ${newerActions}, resource)
when {${newerPurpose} &&
  context.purpose in resource.opt_outs
}`);
  }
  return out.join('\n');
}

// The purpose tree and the roles, as entities by id.
export function policyEntities(policy) {
  const purposes = new Map(policy.purposes.map((p) => [p.id, {
    uid: uid('Purpose', p.id),
    attrs: {
      categories: p.categories,
      consent: p.consent,
      objectable: p.objectable,
      direct_marketing: p.direct_marketing,
      since_version: p.since_version,
      sensitive_use_permitted: p.sensitive_use_permitted,
    },
    parents: p.parent ? [uid('Purpose', p.parent)] : [],
  }]));
  const roles = new Map(policy.roles.map((r) => [r.id, {
    uid: uid('Role', r.id),
    attrs: { purposes: r.purposes.map((p) => ref('Purpose', p)), categories: r.categories },
    parents: [],
  }]));
  return { purposes, roles };
}

export function subjectEntity(subject) {
  const attrs = {
    consents: subject.consents.map((p) => ref('Purpose', p)),
    opt_outs: subject.opt_outs.map((p) => ref('Purpose', p)),
    objections: subject.objections.map((p) => ref('Purpose', p)),
    overriding_grounds: subject.overriding_grounds.map((p) => ref('Purpose', p)),
    restricted: subject.restricted,
    removed_from_organization: subject.removed_from_organization,
    limited_sensitive_use: subject.limited_sensitive_use,
    collected_under_version: subject.collected_under_version,
    notified_version: subject.notified_version,
  };
  if (subject.organization !== undefined) attrs.organization = ref('Organization', subject.organization);
  if (subject.tenant !== undefined) attrs.tenant = ref('Tenant', subject.tenant);
  return { uid: uid('Subject', subject.id), attrs, parents: [] };
}

// The principal's uid, and its entity when the policies read its attributes or ancestors.
export function principalOf(p) {
  switch (p.kind) {
    case 'service': return { uid: uid('Service', 'app'), entity: null };
    case 'subject': return { uid: uid('Subject', p.id), entity: null };
    case 'tenant': return { uid: uid('Tenant', p.tenant), entity: null };
    case 'admin': return { uid: uid('Admin', 'privet'), entity: null };
    case 'staff': {
      const u = uid('Staff', p.role);
      return { uid: u, entity: { uid: u, attrs: { role: ref('Role', p.role) }, parents: [] } };
    }
    case 'organization_admin': {
      const u = uid('OrganizationAdmin', p.organization);
      return { uid: u, entity: { uid: u, attrs: {}, parents: [uid('Organization', p.organization)] } };
    }
    default: throw new Error(`unknown principal kind ${p.kind}`);
  }
}

// One isAuthorized request (without policies) per privet decision. Each carries only the
// entities its evaluation reads, as a Cedar application would slice them (Cedar-wasm parses
// every entity passed on every call, about as costly as evaluating the policies): the purpose
// asked for and its ancestors (each with its parent edge, so `in` walks the tree), the subject,
// and the principal with its role.
export function cedarRequests(policy) {
  const { purposes, roles } = policyEntities(policy);
  const byId = new Map(policy.purposes.map((p) => [p.id, p]));
  const chain = (id) => {
    const out = [];
    for (let p = byId.get(id); p; p = p.parent ? byId.get(p.parent) : null) out.push(purposes.get(p.id));
    return out;
  };
  const subjects = new Map(policy.subjects.map((s) => [s.id, subjectEntity(s)]));
  return policy.decisions.map((d) => {
    const principal = principalOf(d.principal);
    const subject = subjects.get(d.subject);
    const entities = [...chain(d.purpose), subject];
    if (principal.entity) entities.push(principal.entity);
    if (d.principal.kind === 'staff') entities.push(roles.get(d.principal.role));
    return {
      principal: principal.uid,
      action: uid('Action', d.action),
      resource: subject.uid,
      context: { purpose: ref('Purpose', d.purpose), categories: d.categories },
      entities,
    };
  });
}
