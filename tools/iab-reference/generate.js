#!/usr/bin/env node
// Random consent states encoded by the IAB's own libraries, for privet's reference differential
// test (tests/reference/iab_reference_test.cc) and the consent-string benchmark.
//
//   node tools/iab-reference/generate.js --seed 1 --count 10000 > states.jsonl
//
// Writes one JSON object per line: {"kind": "tcf" | "gpp", "state": {...}, "encoded": "..."}.
// `encoded` is the string @iabtechlabtcf/core (TCString.encode) or @iabgpp/cmpapi
// (GppModel.encode) wrote for a random state; `state` is what the same library decodes from that
// string, every field, in a neutral form (snake_case names as in include/privet/tcf.h and gpp.h;
// vendor and purpose sets as sorted id arrays; times as deciseconds since the epoch). The state
// is read back rather than taken from the input because the libraries adjust some fields when
// they encode (legitimate interest for purposes 1, 3-6 is cleared; GPP's TCF section keeps
// Created and LastUpdated equal).
//
// --seed S picks the random sequence (the same seed gives the same lines); half the states are
// TC strings, half GPP strings. Pinned versions: package.json / package-lock.json.
'use strict';

const tcf = require('@iabtechlabtcf/core');
const gpp = require('@iabgpp/cmpapi');

function parseArgs(argv) {
  const args = {seed: 1, count: 100};
  for (let i = 2; i < argv.length; i += 2) {
    const value = Number(argv[i + 1]);
    if (argv[i] === '--seed' && Number.isInteger(value)) args.seed = value;
    else if (argv[i] === '--count' && Number.isInteger(value) && value >= 0) args.count = value;
    else throw new Error(`usage: generate.js --seed S --count N (bad ${argv[i]})`);
  }
  return args;
}

// mulberry32: small, seeded, good enough to spread test cases.
function makeRandom(seed) {
  let a = seed >>> 0;
  const next = () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
  return {
    next,
    int: (lo, hi) => lo + Math.floor(next() * (hi - lo + 1)),  // lo..hi inclusive
    bool: (p = 0.5) => next() < p,
    pick: (items) => items[Math.floor(next() * items.length)],
  };
}

const kMaxVendorId = 65535;

// A synthetic Global Vendor List holding every vendor id, each declaring every purpose, so that
// the encoder's GVL checks keep every vendor the state names.
function makeGvl() {
  const vendors = {};
  for (let id = 1; id <= kMaxVendorId; id++) {
    vendors[id] = {
      id, name: `v${id}`, purposes: [1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11],
      legIntPurposes: [2, 7, 8, 9, 10, 11], flexiblePurposes: [1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11],
      specialPurposes: [1, 2], features: [], specialFeatures: [], policyUrl: '',
      cookieMaxAgeSeconds: null, usesCookies: false, usesNonCookieAccess: false,
    };
  }
  const purposes = {};
  for (let id = 1; id <= 11; id++) purposes[id] = {id, name: `p${id}`, description: ''};
  const gvl = new tcf.GVL({
    gvlSpecificationVersion: 3, vendorListVersion: 1, tcfPolicyVersion: 4,
    lastUpdated: '2024-01-01T00:00:00Z', purposes,
    specialPurposes: {1: {id: 1, name: 'sp1', description: ''}, 2: {id: 2, name: 'sp2', description: ''}},
    features: {},
    specialFeatures: {}, stacks: {}, dataCategories: {}, vendors,
  });
  // TCString.encode clones the model and with it the GVL (65535 vendors: half a second). The
  // encoder never changes the GVL, so every clone may share this one.
  gvl.clone = () => gvl;
  return gvl;
}

// A random set of vendor ids, in shapes that make both bit-field and range encodings occur.
function randomIds(r, maxAllowed = kMaxVendorId) {
  const ids = new Set();
  const limit = Math.min(maxAllowed, r.pick([10, 45, 46, 60, 200, 1000, 3000, 3000, kMaxVendorId]));
  switch (r.int(0, 4)) {
    case 0:  // empty
      break;
    case 1: {  // a few ids anywhere
      const n = r.int(1, 8);
      for (let i = 0; i < n; i++) ids.add(r.int(1, limit));
      break;
    }
    case 2: {  // a few runs
      const runs = r.int(1, 6);
      for (let i = 0; i < runs; i++) {
        const start = r.int(1, limit);
        const end = Math.min(limit, start + r.int(0, 300));
        for (let id = start; id <= end; id++) ids.add(id);
      }
      break;
    }
    case 3: {  // each id of 1..limit with some density (kept small for large limits)
      const top = Math.min(limit, 3000);
      const p = r.pick([0.05, 0.3, 0.7, 0.95]);
      for (let id = 1; id <= top; id++) if (r.bool(p)) ids.add(id);
      break;
    }
    default: {  // a dense prefix with a far outlier
      const end = r.int(1, 100);
      for (let id = 1; id <= end; id++) ids.add(id);
      ids.add(r.int(1, limit));
      break;
    }
  }
  return Array.from(ids).sort((a, b) => a - b);
}

function randomSubset(r, n, p = 0.5) {
  const ids = [];
  for (let id = 1; id <= n; id++) if (r.bool(p)) ids.push(id);
  return ids;
}

function randomLetters(r) {
  const letter = () => String.fromCharCode(65 + r.int(0, 25));
  return letter() + letter();
}

const kLanguages = ['EN', 'FR', 'DE', 'IT', 'ES', 'NL', 'PL', 'PT', 'SV', 'FI', 'DA', 'CS', 'EL'];

function randomTime(r) {  // deciseconds, 2020..2035
  return r.int(15778368000, 20512224000);
}

function vectorIds(vector) {
  const ids = [];
  vector.forEach((has, id) => { if (has) ids.push(id); });
  return ids;
}

// --- TC strings (@iabtechlabtcf/core).

function tcfCase(r, gvl) {
  const model = new tcf.TCModel(gvl);
  gvl.vendorListVersion = r.int(1, 4095);
  gvl.tcfPolicyVersion = r.int(0, 63);
  model.cmpId = r.int(2, 4095);
  model.cmpVersion = r.int(0, 4095);
  model.consentScreen = r.int(0, 63);
  // The encoder writes the GVL's language as the consent language.
  gvl.lang_ = r.pick(kLanguages);
  model.isServiceSpecific = r.bool(0.7);
  model.useNonStandardTexts = r.bool();
  model.specialFeatureOptins.set(randomSubset(r, 12));
  model.purposeConsents.set(randomSubset(r, 24));
  model.purposeLegitimateInterests.set(randomSubset(r, 24));
  model.purposeOneTreatment = r.bool();
  model.publisherCountryCode = randomLetters(r);
  model.vendorConsents.set(randomIds(r));
  model.vendorLegitimateInterests.set(randomIds(r));
  const restrictions = r.bool(0.4) ? r.int(1, 4) : 0;
  for (let i = 0; i < restrictions; i++) {
    const type = r.int(0, 2);
    // REQUIRE_CONSENT needs a purpose the vendors declare for legitimate interest.
    const purpose = type === 1 ? r.pick([2, 7, 8, 9, 10, 11]) : r.int(1, 11);
    const restriction = new tcf.PurposeRestriction(purpose, type);
    for (const id of randomIds(r, 4000)) model.publisherRestrictions.add(id, restriction);
  }
  const segments = [tcf.Segment.CORE];
  const withDisclosed = r.bool();
  const withPublisher = r.bool();
  if (withDisclosed) {
    segments.push(tcf.Segment.VENDORS_DISCLOSED);
    model.vendorsDisclosed.set(randomIds(r));
  }
  if (withPublisher) {
    segments.push(tcf.Segment.PUBLISHER_TC);
    model.publisherConsents.set(randomSubset(r, 24));
    model.publisherLegitimateInterests.set(randomSubset(r, 24));
    const custom = r.pick([0, 0, 1, 5, 24, 63]);
    model.numCustomPurposes = custom;
    model.publisherCustomConsents.set(randomSubset(r, custom));
    model.publisherCustomLegitimateInterests.set(randomSubset(r, custom));
  }
  model.created = new Date(randomTime(r) * 100);
  model.lastUpdated = new Date(randomTime(r) * 100);
  const encoded = tcf.TCString.encode(model, {segments});
  return {kind: 'tcf', state: tcfState(tcf.TCString.decode(encoded), withDisclosed, withPublisher),
          encoded};
}

function tcfState(m, withDisclosed, withPublisher) {
  const restrictions = m.publisherRestrictions.getRestrictions().map((pr) => ({
    purpose_id: pr.purposeId, restriction_type: pr.restrictionType,
    vendor_ids: m.publisherRestrictions.getVendors(pr),
  }));
  const custom = [];
  const customLi = [];
  for (let id = 1; id <= m.numCustomPurposes; id++) {
    custom.push(m.publisherCustomConsents.has(id));
    customLi.push(m.publisherCustomLegitimateInterests.has(id));
  }
  return {
    version: m.version, created: Math.round(m.created.getTime() / 100),
    last_updated: Math.round(m.lastUpdated.getTime() / 100), cmp_id: m.cmpId,
    cmp_version: m.cmpVersion, consent_screen: m.consentScreen,
    consent_language: m.consentLanguage, vendor_list_version: m.vendorListVersion,
    tcf_policy_version: m.policyVersion, is_service_specific: m.isServiceSpecific,
    use_non_standard_texts: m.useNonStandardTexts,
    special_feature_optins: vectorIds(m.specialFeatureOptins),
    purpose_consents: vectorIds(m.purposeConsents),
    purpose_legitimate_interests: vectorIds(m.purposeLegitimateInterests),
    purpose_one_treatment: m.purposeOneTreatment,
    publisher_country_code: m.publisherCountryCode,
    vendor_consents: vectorIds(m.vendorConsents),
    vendor_legitimate_interests: vectorIds(m.vendorLegitimateInterests),
    publisher_restrictions: restrictions,
    disclosed_vendors: withDisclosed ? vectorIds(m.vendorsDisclosed) : null,
    publisher_tc: withPublisher ? {
      purpose_consents: vectorIds(m.publisherConsents),
      purpose_legitimate_interests: vectorIds(m.publisherLegitimateInterests),
      custom_purpose_consents: custom, custom_purpose_legitimate_interests: customLi,
    } : null,
  };
}

// --- GPP strings (@iabgpp/cmpapi).

const kUsSections = {
  usnat: {gpc: true, fields: ['SharingNotice', 'SaleOptOutNotice', 'SharingOptOutNotice',
    'TargetedAdvertisingOptOutNotice', 'SensitiveDataProcessingOptOutNotice',
    'SensitiveDataLimitUseNotice', 'SaleOptOut', 'SharingOptOut', 'TargetedAdvertisingOptOut',
    'PersonalDataConsents'], sensitive: 16, child: 3},
  usca: {gpc: true, fields: ['SaleOptOutNotice', 'SharingOptOutNotice',
    'SensitiveDataLimitUseNotice', 'SaleOptOut', 'SharingOptOut', 'PersonalDataConsents'],
  sensitive: 9, child: 2},
  usva: {gpc: false, fields: ['SharingNotice', 'SaleOptOutNotice',
    'TargetedAdvertisingOptOutNotice', 'SaleOptOut', 'TargetedAdvertisingOptOut'],
  sensitive: 8, child: 0},
  usco: {gpc: true, fields: ['SharingNotice', 'SaleOptOutNotice',
    'TargetedAdvertisingOptOutNotice', 'SaleOptOut', 'TargetedAdvertisingOptOut'],
  sensitive: 7, child: 0},
  usut: {gpc: false, fields: ['SharingNotice', 'SaleOptOutNotice',
    'TargetedAdvertisingOptOutNotice', 'SensitiveDataProcessingOptOutNotice', 'SaleOptOut',
    'TargetedAdvertisingOptOut'], sensitive: 8, child: 0},
  usct: {gpc: true, fields: ['SharingNotice', 'SaleOptOutNotice',
    'TargetedAdvertisingOptOutNotice', 'SaleOptOut', 'TargetedAdvertisingOptOut'],
  sensitive: 8, child: 3},
};
const kMspa = ['MspaCoveredTransaction', 'MspaOptOutOptionMode', 'MspaServiceProviderMode'];

function snake(name) {
  return name.replace(/([a-z])([A-Z])/g, '$1_$2').toLowerCase()
      .replace('mspa_', 'mspa_');
}

function setUsSection(r, model, name, layout) {
  const set = (field, value) => model.setFieldValue(name, field, value);
  if (name === 'usnat') set('Version', r.int(1, 2));
  for (const field of layout.fields) set(field, r.int(0, 2));
  set('SensitiveDataProcessing', Array.from({length: layout.sensitive}, () => r.int(0, 2)));
  if (layout.child === 0) set('KnownChildSensitiveDataConsents', r.int(0, 2));
  else set('KnownChildSensitiveDataConsents', Array.from({length: layout.child}, () => r.int(0, 2)));
  set('MspaCoveredTransaction', r.int(1, 2));
  set('MspaOptOutOptionMode', r.int(0, 2));
  set('MspaServiceProviderMode', r.int(0, 2));
  if (layout.gpc) {
    set('GpcSegmentIncluded', r.bool());
    set('Gpc', r.bool());
  }
}

function usState(model, name, layout) {
  const get = (field) => model.getFieldValue(name, field);
  const state = {version: get('Version')};
  for (const field of layout.fields) state[snake(field)] = get(field);
  state.sensitive_data_processing = get('SensitiveDataProcessing');
  const child = get('KnownChildSensitiveDataConsents');
  state.known_child_sensitive_data_consents = Array.isArray(child) ? child : [child];
  for (const field of kMspa) state[snake(field)] = get(field);
  state.gpc = layout.gpc && get('GpcSegmentIncluded') ? get('Gpc') : null;
  return state;
}

function bools(r, n) {
  return Array.from({length: n}, () => r.bool());
}

function idsToBools(ids, n) {
  return Array.from({length: n}, (_, i) => ids.includes(i + 1));
}

function boolsToIds(bits) {
  const ids = [];
  bits.forEach((bit, i) => { if (bit) ids.push(i + 1); });
  return ids;
}

function setTcfEu(r, model) {
  const set = (field, value) => model.setFieldValue('tcfeuv2', field, value);
  set('CmpId', r.int(0, 4095));
  set('CmpVersion', r.int(0, 4095));
  set('ConsentScreen', r.int(0, 63));
  set('ConsentLanguage', r.pick(kLanguages));
  set('VendorListVersion', r.int(0, 4095));
  set('PolicyVersion', r.int(0, 63));
  set('IsServiceSpecific', true);
  set('UseNonStandardStacks', r.bool());
  set('SpecialFeatureOptins', bools(r, 12));
  set('PurposeConsents', bools(r, 24));
  set('PurposeLegitimateInterests', bools(r, 24));
  set('PurposeOneTreatment', r.bool());
  set('PublisherCountryCode', randomLetters(r));
  set('VendorConsents', randomIds(r));
  set('VendorLegitimateInterests', randomIds(r));
  const restrictions = [];
  const count = r.bool(0.4) ? r.int(1, 4) : 0;
  for (let i = 0; i < count; i++) {
    restrictions.push(new gpp.RangeEntry(r.int(1, 11), r.int(0, 2), randomIds(r, 4000)));
  }
  set('PublisherRestrictions', restrictions);
  set('VendorsDisclosed', randomIds(r));
  set('PublisherConsents', bools(r, 24));
  set('PublisherLegitimateInterests', bools(r, 24));
  const custom = r.pick([0, 0, 1, 5, 24, 63]);
  set('NumCustomPurposes', custom);
  set('PublisherCustomConsents', bools(r, custom));
  set('PublisherCustomLegitimateInterests', bools(r, custom));
  set('Created', new Date(randomTime(r) * 100));
  set('LastUpdated', new Date(randomTime(r) * 100));
}

function tcfEuState(model) {
  const get = (field) => model.getFieldValue('tcfeuv2', field);
  return {
    version: get('Version'), created: Math.round(get('Created').getTime() / 100),
    last_updated: Math.round(get('LastUpdated').getTime() / 100), cmp_id: get('CmpId'),
    cmp_version: get('CmpVersion'), consent_screen: get('ConsentScreen'),
    consent_language: get('ConsentLanguage'), vendor_list_version: get('VendorListVersion'),
    tcf_policy_version: get('PolicyVersion'), is_service_specific: get('IsServiceSpecific'),
    use_non_standard_texts: get('UseNonStandardStacks'),
    special_feature_optins: boolsToIds(get('SpecialFeatureOptins')),
    purpose_consents: boolsToIds(get('PurposeConsents')),
    purpose_legitimate_interests: boolsToIds(get('PurposeLegitimateInterests')),
    purpose_one_treatment: get('PurposeOneTreatment'),
    publisher_country_code: get('PublisherCountryCode'),
    vendor_consents: get('VendorConsents'),
    vendor_legitimate_interests: get('VendorLegitimateInterests'),
    publisher_restrictions: get('PublisherRestrictions').map((entry) => ({
      purpose_id: entry.getKey(), restriction_type: entry.getType(),
      vendor_ids: [...entry.getIds()].sort((a, b) => a - b),
    })),
    disclosed_vendors: get('VendorsDisclosed'),
    publisher_tc: {
      purpose_consents: boolsToIds(get('PublisherConsents')),
      purpose_legitimate_interests: boolsToIds(get('PublisherLegitimateInterests')),
      custom_purpose_consents: get('PublisherCustomConsents'),
      custom_purpose_legitimate_interests: get('PublisherCustomLegitimateInterests'),
    },
  };
}

function gppCase(r) {
  const model = new gpp.GppModel();
  const names = [];
  if (r.bool(0.3)) names.push('tcfeuv2');
  for (const name of Object.keys(kUsSections)) if (r.bool(0.35)) names.push(name);
  for (const name of names) {
    if (name === 'tcfeuv2') setTcfEu(r, model);
    else setUsSection(r, model, name, kUsSections[name]);
  }
  const encoded = model.encode();
  const decoded = new gpp.GppModel(encoded);
  const state = {};
  for (const name of names) {
    const key = name === 'tcfeuv2' ? 'tcf_eu' : `us_${name.slice(2)}`;
    state[key] = name === 'tcfeuv2' ? tcfEuState(decoded) :
      usState(decoded, name, kUsSections[name]);
  }
  return {kind: 'gpp', state, encoded};
}

// Writes `text` to stdout, waiting while the pipe is full: without the wait Node buffers every
// line in memory until the loop ends (gigabytes for a million states).
function write(text) {
  if (process.stdout.write(text)) return Promise.resolve();
  return new Promise((resolve) => process.stdout.once('drain', resolve));
}

async function main() {
  const {seed, count} = parseArgs(process.argv);
  const r = makeRandom(seed);
  const gvl = count > 0 ? makeGvl() : null;
  const out = [];
  for (let i = 0; i < count; i++) {
    out.push(JSON.stringify(r.bool() ? tcfCase(r, gvl) : gppCase(r)));
    if (out.length >= 1000) {
      await write(out.join('\n') + '\n');
      out.length = 0;
    }
  }
  if (out.length > 0) await write(out.join('\n') + '\n');
}

main().catch((e) => {
  console.error(e);
  process.exit(1);
});
