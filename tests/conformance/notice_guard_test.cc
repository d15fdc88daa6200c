// The guard against drift between what the notice promises and what the engine does.
//
// Every key the loader reads has an entry in the settings table (src/policy/policy_settings.h):
// enforced, informational with its reason, or not enforced yet. This suite flips every setting
// the reference policies hold, one at a time, renders the notice and the record of processing,
// and runs the engine: the decision engine over every principal, action, purpose, category and
// subject state; the disclosure engine over every recipient; a vault with its retention sweeps,
// rights requests, age gates, features and marketing channels. A flip that changes the rendered
// text must change what the engine does (or make the loader refuse the file), unless the table
// declares the setting informational; a setting not enforced yet must not reach the notice.
#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <unistd.h>
#include <yaml-cpp/yaml.h>

#include <cctype>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <functional>
#include <iterator>
#include <map>
#include <memory>
#include <nlohmann/json.hpp>
#include <set>
#include <sstream>
#include <string>
#include <variant>
#include <vector>

#include "policy/policy_settings.h"
#include "policy/retention_rules.h"
#include "privet/compiled_policy.h"
#include "privet/decision.h"
#include "privet/gpp.h"
#include "privet/notice.h"
#include "privet/policy.h"
#include "privet/retention.h"
#include "privet/rights.h"
#include "privet/tcf.h"
#include "privet/vault.h"
#include "testing/policy_fixture.h"
#include "vault/vault_core.h"

namespace privet {
namespace {

using policy_internal::FindPolicySetting;
using policy_internal::KeysReadFrom;
using policy_internal::PolicySettings;
using policy_internal::SettingEffect;

const std::vector<std::string> kReferencePolicies = {"starter", "confitrek",  "connact",
                                                     "confect", "connectrex", "customertrackr"};

std::string ReadText(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  return std::string((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
}

// True if another key continues `key` ("rights" for "rights.offered"): a section, not a setting.
bool IsSection(const std::string& key, const std::set<std::string>& keys) {
  auto next = keys.upper_bound(key);
  return next != keys.end() && (next->starts_with(key + ".") || next->starts_with(key + "[]"));
}

// Every section with one empty item: the reader asks for each key it knows, present or not.
constexpr std::string_view kEverySection = R"(
contact: {}
controller: {supervisory_authority: {}, representative: {}}
categories: [{}]
purposes: [{}]
subject_kinds: [{}]
features: [{}]
roles: [{}]
recipients: [{}]
sharing: {}
retention: [{}]
rights: {deadlines: [{}], fees: [{}]}
signals: {tcf: [{}], gpp: {}}
cookies: [{}]
marketing_channels: [{}]
breach: {}
changes: {}
messages: [{}]
automatic_collection: {}
automated_decisions: {}
)";

TEST(NoticeGuard, TheSettingsTableHasEveryKeyTheLoaderReadsAndNoOther) {
  const std::set<std::string> keys = KeysReadFrom(kEverySection);
  ASSERT_GT(keys.size(), 50u);
  std::set<std::string> settings;
  for (const std::string& key : keys) {
    if (IsSection(key, keys)) continue;
    settings.insert(key);
    const policy_internal::PolicySetting* s = FindPolicySetting(key);
    ASSERT_NE(s, nullptr) << "'" << key
                          << "' is read by the loader but missing from policy_settings.cc: "
                          << "say whether the engine enforces it";
    EXPECT_FALSE(s->how.empty()) << key;
    // Values declared alike for the engine say why, and only an enforced setting needs them.
    EXPECT_EQ(s->alike_values.empty(), s->alike_why.empty()) << key;
    if (!s->alike_values.empty()) {
      EXPECT_EQ(s->effect, SettingEffect::kEnforced) << key;
    }
  }
  for (const policy_internal::PolicySetting& s : PolicySettings())
    EXPECT_TRUE(settings.count(std::string(s.key)))
        << "'" << s.key << "' is in the table but not read by the loader";
  // The reference policies use no key the table does not know.
  for (const std::string& name : kReferencePolicies) {
    for (const std::string& key :
         KeysReadFrom(ReadText(testing::SourcePath("policies/" + name + ".yaml"))))
      EXPECT_TRUE(IsSection(key, keys) || FindPolicySetting(key) != nullptr) << name << ": " << key;
  }
}

// --- What the engine does under a policy ---------------------------------------------------------

// The decision and disclosure engines over every principal, action, purpose, category, subject
// state, recipient and piece of evidence, and the signals: one character per answer.
std::string DecisionBehaviour(const CompiledPolicy& policy) {
  std::string out;
  const Policy& p = policy.policy();
  std::vector<Principal> principals = {Principal::Service(),
                                       Principal::Subject(1),
                                       Principal::Subject(2),
                                       Principal::OrganizationAdmin(5),
                                       Principal::OrganizationAdmin(6),
                                       Principal::Tenant(7),
                                       Principal::Tenant(8),
                                       Principal{.kind = PrincipalKind::kAdmin}};
  for (size_t r = 0; r < p.roles.size(); ++r)
    principals.push_back(Principal::Staff(static_cast<RoleId>(r)));

  PurposeSet all;
  for (int i = 0; i < policy.purpose_count(); ++i) all.Set(i);
  const SubjectState base{.subject_id = 1, .organization_id = 5};
  std::vector<SubjectState> states(14, base);
  states[1].tenant_id = 7;
  states[2].consents = all;
  states[3].opt_outs = all;
  states[4].objections = all;
  states[5].objections = all;
  states[5].overriding_grounds = all;
  states[6].restricted = true;
  states[7].removed_from_organization = true;
  for (int i = 8; i < 12; ++i) states[i].collected_under_version = 1;
  states[9].notified_version = policy.version();
  states[10].consents = all;
  states[11].organization_id = 0;
  states[12].consents = all;
  states[12].objections = all;
  states[13] = states[12];
  states[13].overriding_grounds = all;

  for (const SubjectState& s : states)
    for (const Principal& who : principals)
      for (Action action : {Action::kWrite, Action::kRead, Action::kDisclose, Action::kStore})
        for (int purpose = 0; purpose < policy.purpose_count(); ++purpose)
          for (int c = 0; c < policy.category_count(); ++c) {
            CategorySet one;
            one.Set(c);
            const Decision d = Decide(policy, who, action, s, one, static_cast<PurposeId>(purpose));
            out += static_cast<char>('A' + static_cast<int>(d.reason));
            out += static_cast<char>('0' + static_cast<int>(d.basis));
          }
  for (size_t r = 0; r < p.recipients.size(); ++r) {
    const std::vector<std::string> none;
    const std::vector<std::string>& met = p.recipients[r].preconditions;
    for (int purpose = 0; purpose < policy.purpose_count(); ++purpose)
      for (int c = 0; c < policy.category_count(); ++c)
        for (const std::vector<std::string>* evidence : {&none, &met})
          for (int notified : {1, policy.version()}) {
            CategorySet one;
            one.Set(c);
            const Decision d = DecideDisclosure(policy, {.recipient = static_cast<RecipientId>(r),
                                                         .categories = one,
                                                         .purpose = static_cast<PurposeId>(purpose),
                                                         .evidence = evidence,
                                                         .notified_version = notified});
            out += static_cast<char>('A' + static_cast<int>(d.reason));
          }
  }
  for (PrivacySignal signal : {PrivacySignal::kGlobalPrivacyControl, PrivacySignal::kDoNotTrack})
    for (uint64_t w : SignalOptOuts(policy, signal).words()) out += ":" + std::to_string(w);
  return out;
}

// What the engine would do with the policy's next version, which adds a purpose beneath each
// root purpose and a recipient of each kind, one of them a sale: the settings about changes
// and about sharing govern exactly that.
std::string NextVersionBehaviour(const CompiledPolicy& policy) {
  Policy next = policy.policy();
  next.version += 1;
  std::vector<std::string> all_categories;
  for (const Category& c : next.categories) all_categories.push_back(c.id);
  std::vector<std::string> new_purposes;
  for (const Purpose& root : policy.policy().purposes) {
    if (!root.parent.empty() || root.id.find('.') != std::string::npos || root.prohibited) continue;
    Purpose added{.id = root.id + ".guard_probe", .since_version = next.version};
    new_purposes.push_back(added.id);
    next.purposes.push_back(added);
  }
  for (RecipientKind kind :
       {RecipientKind::kProcessor, RecipientKind::kAffiliate, RecipientKind::kThirdParty})
    for (bool sale : {false, true})
      next.recipients.push_back({.id = "guard_probe_" + std::to_string(next.recipients.size()),
                                 .kind = kind,
                                 .country = "DE",
                                 .dpa = true,
                                 .categories = all_categories,
                                 .purposes = new_purposes,
                                 .sale = sale,
                                 .since_version = next.version});
  auto compiled = CompiledPolicy::Compile(next);
  if (!compiled.ok()) return "not compiled: " + compiled.status().ToString();
  return DecisionBehaviour(**compiled);
}

// A directory for a throwaway vault: memory-backed where the machine has /dev/shm, so the run's
// commits cost no disk flushes.
class ScratchDir {
 public:
  ScratchDir() {
    static int counter = 0;
    const std::filesystem::path base = std::filesystem::exists("/dev/shm")
                                           ? std::filesystem::path("/dev/shm")
                                           : std::filesystem::temp_directory_path();
    path_ = base / ("privet_guard_" + std::to_string(::getpid()) + "_" + std::to_string(counter++));
    std::filesystem::remove_all(path_);
    std::filesystem::create_directories(path_);
  }
  ~ScratchDir() {
    std::error_code ec;
    std::filesystem::remove_all(path_, ec);
  }
  std::string path() const { return path_.string(); }

 private:
  std::filesystem::path path_;
};

std::string Code(const Status& s) {
  return std::string(StatusCodeName(s.code())) + "/" + s.field() + ";";
}

// A distinct address per subject, spelt in letters: subject ids are long random numbers, and a
// digit run that passes the Luhn check would be refused as a card number (CX02).
std::string Email(uint64_t subject) {
  std::string name = "ada.";
  for (char d : std::to_string(subject)) name += static_cast<char>('a' + (d - '0'));
  return name + "@example.com";
}

// A value a category accepts, distinct per subject where the category is a lookup key.
std::string ValueFor(const Category& category, uint64_t subject) {
  if (category.identifier == "phone")
    return "+1 555 " + std::to_string(1000000 + subject % 9000000);
  if (category.identifier == "username") return "user." + Email(subject).substr(4, 20);
  return Email(subject);
}

std::string Day(const std::optional<CivilDay>& d) { return d ? CivilDayToString(*d) : "-"; }

std::string GroupBehaviour(const std::shared_ptr<const CompiledPolicy>& compiled);

// A vault of the engine's runs in `dir`: no periodic tree heads, no field cache.
StatusOr<std::unique_ptr<Vault>> OpenRunVault(const ScratchDir& dir,
                                              const std::shared_ptr<const CompiledPolicy>& compiled,
                                              const Clock& clock) {
  return Vault::Open({.data_dir = dir.path(),
                      .policy = compiled,
                      .clock = &clock,
                      .tree_head_interval = std::chrono::seconds(0),
                      .field_cache_bytes = 0});
}

// What publishing the policy's next version does (changes.notify, changes.advance_notice): a
// vault opened with the policy's text on its effective date, a subject of each kind, then the
// next version (a purpose added beneath the first root purpose, so the change is material)
// published to take effect the next day and, when that is refused, in three years. What the
// refusal says (the first allowed date), the notices queued for subjects (CN16), and whether
// the notice the server posts announces the next version (CU11).
std::string PublicationBehaviour(const YAML::Node& root,
                                 const std::shared_ptr<const CompiledPolicy>& compiled) {
  const Policy& p = compiled->policy();
  std::ostringstream out;
  ScratchDir dir;
  ManualClock clock(CivilDayToTime(p.effective) + std::chrono::hours(10));
  auto opened = Vault::Open({.data_dir = dir.path(),
                             .policy = compiled,
                             .policy_text = YAML::Dump(root),
                             .clock = &clock,
                             .tree_head_interval = std::chrono::seconds(0),
                             .field_cache_bytes = 0});
  if (!opened.ok()) return "open:" + Code(opened.status());
  Vault& vault = **opened;
  const std::string jurisdiction = p.jurisdictions.empty() ? "" : p.jurisdictions[0];
  std::vector<std::string> kinds;
  for (const SubjectKind& k : p.subject_kinds) kinds.push_back(k.id);
  if (kinds.empty()) kinds.push_back("");
  for (const std::string& kind : kinds)
    out << Code(vault.CreateSubject({.kind = kind, .age_years = 40, .jurisdiction = jurisdiction})
                    .status());

  YAML::Node next = YAML::Clone(root);
  next["version"] = p.version + 1;
  for (const Purpose& purpose : p.purposes) {
    if (!purpose.parent.empty() || purpose.id.find('.') != std::string::npos) continue;
    YAML::Node added;
    added["id"] = purpose.id + ".guard_probe";
    added["description"] = "A use the next version adds";
    added["since_version"] = p.version + 1;
    next["purposes"].push_back(added);
    break;
  }
  const CivilDay today = CivilDayOf(clock.Now());
  out << "\npublish:";
  for (int days : {1, 3 * 365}) {
    const StatusOr<PolicyVersion> published = vault.PublishPolicy(
        {.text = YAML::Dump(next),
         .effective = AddPeriod(today, {.count = days, .unit = TimeUnit::kDays}),
         .by = {.kind = PrincipalKind::kAdmin}});
    out << Code(published.status()) << published.status().message() << ";";
    if (published.ok()) break;
  }
  auto versions = vault.PolicyVersions();
  if (!versions.ok()) return out.str() + Code(versions.status());
  auto outbox = vault_internal::CoreOf(vault).data().GetOutbox(false);
  if (!outbox.ok()) return out.str() + Code(outbox.status());
  std::map<std::string, int> topics;
  for (const store::OutboxRecord& m : *outbox) ++topics[m.topic];
  out << "\noutbox:";
  for (const auto& [topic, n] : topics) out << topic << "=" << n << ";";
  NoticeHistory history;
  if (versions->size() > 1) {
    const PolicyVersion& v = versions->back();
    history.upcoming =
        NoticeVersion{.version = v.version, .effective = v.effective, .changes = v.changes};
  }
  const std::string notice = RenderNoticeMarkdown(p, history);
  out << "\nannounced:" << (notice.find("Coming into effect") != std::string::npos);
  return out.str();
}

// A vault run: age gates, writes of every category for every purpose, features, marketing
// channels, lookups, rights requests, retention sweeps over three years, the aggregates left.
std::string VaultBehaviour(const std::shared_ptr<const CompiledPolicy>& compiled,
                           const std::vector<int>& sweep_days) {
  const Policy& p = compiled->policy();
  std::ostringstream out;
  ScratchDir dir;
  ManualClock clock(CivilDayToTime({2024, 3, 4}) + std::chrono::hours(10));
  auto opened = OpenRunVault(dir, compiled, clock);
  if (!opened.ok()) return "open:" + Code(opened.status());
  Vault& vault = **opened;
  RequestDesk desk(vault);

  std::vector<std::string> kinds;
  for (const SubjectKind& k : p.subject_kinds) kinds.push_back(k.id);
  if (kinds.empty()) kinds.push_back("");
  const std::string jurisdiction = p.jurisdictions.empty() ? "" : p.jurisdictions[0];

  out << "\nages:";
  for (const std::string& kind : kinds)
    for (int age : {-1, 12, 13, 14, 15, 16, 17, 18, 19, 20, 21}) {
      NewSubject s{.kind = kind, .jurisdiction = jurisdiction};
      if (age >= 0) s.age_years = age;
      out << Code(vault.CreateSubject(s).status());
    }
  for (const SubjectKind& k : p.subject_kinds)
    for (const std::string& exemption : k.location_exemptions) {
      auto exempt = vault.CreateSubject({.kind = k.id, .age_years = 40});
      out << Code(exempt.status());
      if (exempt.ok())
        out << Code(
            vault.GrantLocationExemption(Principal::Service(), *exempt, exemption, "order-1"));
    }

  // Per kind: a subject that consents to everything and holds every category it may.
  std::vector<uint64_t> subjects;
  std::vector<std::string> location;  // a location category, for kinds that need one
  for (const Category& c : p.categories)
    if (c.id.find("location") != std::string::npos) location.push_back(c.id);
  out << "\nwrites:";
  for (const std::string& kind : kinds)
    for (int copy = 0; copy < 3; ++copy) {  // the first of all objects and is erased at the end
      auto id = vault.CreateSubject({.kind = kind, .age_years = 40, .jurisdiction = jurisdiction});
      if (!id.ok()) {
        out << Code(id.status());
        continue;
      }
      subjects.push_back(*id);
      if (auto info = vault.GetSubject(*id); info.ok()) out << "v" << info->policy_version << ";";
      const bool consenting = copy < 2;  // the third chose nothing
      if (consenting)
        for (const Purpose& purpose : p.purposes)
          (void)vault.RecordConsent(*id, {.purpose = purpose.id, .action = ConsentAction::kGrant});
      // Cookie ids go to a device subject of their own (never with named data: CU04).
      auto device =
          vault.CreateSubject({.kind = kind, .age_years = 40, .jurisdiction = jurisdiction});
      if (!device.ok()) continue;
      subjects.push_back(*device);
      if (consenting)
        for (const Purpose& purpose : p.purposes)
          (void)vault.RecordConsent(*device,
                                    {.purpose = purpose.id, .action = ConsentAction::kGrant});
      // Per purpose, every category it may use that a write may carry, in one write; once
      // without a location (CX03), then with one.
      for (int pid = 0; pid < compiled->purpose_count(); ++pid) {
        const CompiledPurpose& purpose = compiled->purpose(static_cast<PurposeId>(pid));
        for (bool pseudonymous : {false, true}) {
          const uint64_t to = pseudonymous ? *device : *id;
          WriteRequest w{.subject_id = to, .purposes = {p.purposes[pid].id}};
          for (int c = 0; c < compiled->category_count(); ++c)
            if (purpose.categories.Test(c) &&
                p.categories[c].pseudonymous_identifier == pseudonymous &&
                !compiled->refused_on_write().Test(c) &&
                p.categories[c].id.find("location") == std::string::npos)
              w.fields.push_back(
                  {.category = p.categories[c].id, .value = ValueFor(p.categories[c], to)});
          if (w.fields.empty()) continue;
          out << Code(vault.Write(w).status());
          for (const std::string& l : location)
            w.fields.push_back({.category = l, .value = "52.5,13.4"});
          out << Code(vault.Write(w).status());
        }
      }
    }
  out << "\nfeatures:";
  for (const Feature& f : p.features)
    for (const std::string& kind : kinds) {
      auto id = vault.CreateSubject({.kind = kind, .age_years = 40, .jurisdiction = jurisdiction});
      if (!id.ok()) continue;
      (void)vault.RecordConsent(*id, {.purpose = f.purpose, .action = ConsentAction::kGrant});
      // A category of the feature's purpose that the feature does not require, if there is one.
      std::optional<PurposeId> pid = compiled->FindPurpose(f.purpose);
      if (!pid) continue;
      CategorySet usable = compiled->purpose(*pid).categories;
      if (auto required = compiled->Categories(f.requires_categories);
          required.ok() && usable.Minus(*required).Any())
        usable = usable.Minus(*required);
      const int first = usable.First();
      if (first < 0) continue;
      out << Code(vault
                      .Write({.subject_id = *id,
                              .purposes = {f.purpose},
                              .fields = {{.category = p.categories[first].id, .value = "x"}},
                              .feature = f.id})
                      .status());
    }
  out << "\nchannels:";
  if (!subjects.empty())
    for (const MarketingChannel& m : p.marketing_channels) {
      out << Code(
          vault.RecordConsent(subjects.back(), {.channel = m.id, .action = ConsentAction::kGrant}));
      auto state = vault.State(subjects.back());
      if (state.ok())
        for (uint64_t w : state->consents.words()) out << w << ",";
    }
  // IAB consent strings (signals.tcf, signals.gpp): what each refusal changes for a subject that
  // chose everything: one TCF purpose or special feature refused at a time, then one GPP opt-out
  // at a time.
  out << "\nconsent strings:";
  if (!kinds.empty()) {
    auto record = [&](ConsentStringFormat format, const StatusOr<std::string>& text) {
      auto id =
          vault.CreateSubject({.kind = kinds[0], .age_years = 40, .jurisdiction = jurisdiction});
      if (!id.ok() || !text.ok()) return;
      for (const Purpose& purpose : p.purposes)
        (void)vault.RecordConsent(*id, {.purpose = purpose.id, .action = ConsentAction::kGrant});
      auto events = vault.RecordConsentString(*id, format, *text);
      out << Code(events.status()) << "[";
      if (events.ok())
        for (const ConsentEvent& e : *events)
          out << e.purpose << ":" << ConsentActionName(e.action) << ",";
      out << "]";
    };
    for (int refused = 0; refused <= kTcfPurposeCount + kTcfSpecialFeatureCount; ++refused) {
      TcString tc;
      tc.created = tc.last_updated = clock.Now() - std::chrono::hours(24);
      for (int n = 1; n <= kTcfPurposeCount; ++n) tc.purpose_consents.set(n - 1, n != refused);
      for (int n = 1; n <= kTcfSpecialFeatureCount; ++n)
        tc.special_feature_optins.set(n - 1, n + kTcfPurposeCount != refused);
      record(ConsentStringFormat::kTcf, EncodeTcString(tc));
    }
    for (int opt_out = 0; opt_out < 5; ++opt_out) {
      UsSection us = *DecodeGppString("DBABLA~CVQlAAAAAABA.QA")->us_nat;  // none opted out below
      us.sale_opt_out = us.sharing_opt_out = us.targeted_advertising_opt_out = 2;
      for (int& v : us.sensitive_data_processing) v = 2;
      us.gpc = opt_out == 4;
      if (opt_out == 0) us.sale_opt_out = 1;
      if (opt_out == 1) us.sharing_opt_out = 1;
      if (opt_out == 2) us.targeted_advertising_opt_out = 1;
      if (opt_out == 3) us.sensitive_data_processing.front() = 1;
      record(ConsentStringFormat::kGpp, EncodeGppString({.us_nat = us}));
    }
  }
  // A datum derived for each purpose, then the subject leaves the purpose: a profiling purpose's
  // profile goes with the choice (CF15).
  out << "\nopt-outs:";
  for (int pi = 0; pi < compiled->purpose_count(); ++pi) {
    const PurposeId pid = static_cast<PurposeId>(pi);
    const int first = compiled->purpose(pid).categories.First();
    if (first < 0 || kinds.empty()) continue;
    auto id =
        vault.CreateSubject({.kind = kinds[0], .age_years = 40, .jurisdiction = jurisdiction});
    if (!id.ok()) continue;
    const std::string& purpose = compiled->purpose_decl(pid).id;
    (void)vault.RecordConsent(*id, {.purpose = purpose, .action = ConsentAction::kGrant});
    out << Code(vault
                    .Write({.subject_id = *id,
                            .purposes = {purpose},
                            .fields = {{.category = p.categories[first].id,
                                        .value = ValueFor(p.categories[first], *id),
                                        .source = DataSource::kDerived}}})
                    .status());
    (void)vault.RecordConsent(*id, {.purpose = purpose, .action = ConsentAction::kOptOut});
    if (auto exported = desk.ExportJson(*id, RequestDesk::ExportScope::kEverything);
        exported.ok()) {
      nlohmann::json j = nlohmann::json::parse(*exported, nullptr, false);
      if (j.is_object() && j.contains("fields")) out << j["fields"].size() << ",";
    }
  }
  out << "\nlookup:";
  for (Vault::Identifier kind :
       {Vault::Identifier::kEmail, Vault::Identifier::kPhone, Vault::Identifier::kUsername}) {
    auto found = subjects.empty() ? StatusOr<std::optional<uint64_t>>(std::nullopt)
                                  : vault.FindSubject(kind, Email(subjects.back()));
    out << (found.ok() && found->has_value() ? "y" : "n");
  }

  out << "\nrights:";
  std::vector<std::string> channels = p.rights.channels;
  channels.push_back("carrier_pigeon");
  for (Right right :
       {Right::kAccess, Right::kRectification, Right::kErasure, Right::kRestriction,
        Right::kPortability, Right::kObjection, Right::kOptOutOfSale, Right::kLegalBasisInquiry})
    for (const std::string& channel : channels) {
      for (const std::string& j : p.jurisdictions) {
        auto id = vault.CreateSubject(
            {.kind = kinds[0], .age_years = 40, .jurisdiction = j, .organization_id = 5});
        if (!id.ok()) continue;
        auto filed = desk.File({.right = right, .subject_id = *id, .channel = channel});
        out << Code(filed.status());
        if (!filed.ok()) continue;
        out << RequestStateName(filed->state) << Day(filed->due) << Day(filed->extended_due)
            << (filed->fee ? filed->fee->amount_cents : -1)
            << (filed->fee ? filed->fee->currency : "") << ";";
      }
    }
  out << "\nretention:";
  // Half the subjects see the end of their contract or process now, the other half only their
  // last activity and application: rules on either anchor each have data to act on.
  for (size_t i = 0; i < subjects.size(); ++i) {
    const bool ended = i % 2 == 1;
    for (AnchorEvent a :
         ended
             ? std::vector<AnchorEvent>{AnchorEvent::kContractEnd, AnchorEvent::kProcessEnd}
             : std::vector<AnchorEvent>{AnchorEvent::kLastActivity, AnchorEvent::kLastApplication})
      (void)vault.RecordLifecycleEvent(subjects[i], a);
  }
  (void)vault.RecordLifecycleEvent(0, AnchorEvent::kAnalysis);
  int elapsed = 0;
  for (int day : sweep_days) {
    clock.Advance(std::chrono::days(day - elapsed));
    elapsed = day;
    auto swept = RunRetention(vault);
    if (!swept.ok()) {
      out << Code(swept.status());
      continue;
    }
    // Which subjects are gone, not the sweep's count of erasures: an erasure's purge runs in the
    // background, and a sweep that meets a subject still being purged erases it again.
    size_t gone = 0;
    for (uint64_t id : subjects)
      gone += vault.GetSubject(id).status().code() == StatusCode::kNotFound;
    out << day << ":" << swept->fields_deleted << "/" << swept->fields_held << "/" << gone << ";";
  }
  auto aggregates = vault.Aggregates();
  if (aggregates.ok())
    for (const RetentionAggregate& a : *aggregates)
      out << a.rule << "/" << a.category << "=" << a.count << ";";
  out << "\ngroups:" << GroupBehaviour(compiled);
  // A breach at each level of risk, affecting everyone with data: whether the threshold is met,
  // who is told and how, and the deadlines (CN15).
  out << "\nbreaches:";
  for (BreachRisk risk : {BreachRisk::kUnlikely, BreachRisk::kRisk,
                          BreachRisk::kReasonableRiskOfHarm, BreachRisk::kHighRisk}) {
    const Time now = clock.Now();
    auto b =
        vault.RecordBreach({.what = "probe", .started_at = now, .aware_at = now, .risk = risk});
    if (!b.ok()) {
      out << Code(b.status());
      continue;
    }
    auto offset = [&](const std::optional<Time>& t) {
      return t ? std::to_string((*t - now) / std::chrono::hours(1)) : std::string("-");
    };
    out << b->threshold_met << "/" << b->subjects_affected << "/" << b->subjects_notified << "/"
        << b->website_notice << "/" << offset(b->subjects_due) << "/" << offset(b->authority_due)
        << ";";
  }
  // Objection and erasure, last: an erasure's purge runs in the background, and no sweep must
  // race it. Carried out on the first subject, which consented to everything.
  out << "\nobjection, erasure:";
  for (Right right : {Right::kObjection, Right::kErasure}) {
    if (subjects.empty()) break;
    auto filed = desk.File({.right = right,
                            .subject_id = subjects.front(),  // no organization: not routed
                            .channel = p.rights.channels.empty() ? "" : p.rights.channels[0]});
    if (!filed.ok()) continue;
    auto outbox = desk.Outbox(false);
    std::string code;
    if (outbox.ok())
      for (const OutboxMessage& m : *outbox)
        if (m.topic == "identity_code" &&
            m.body.find("\"" + std::to_string(filed->id) + "\"") != std::string::npos) {
          const size_t at = m.body.find("\"code\":\"");
          if (at != std::string::npos)
            code = m.body.substr(at + 8, m.body.find('"', at + 8) - at - 8);
        }
    (void)desk.VerifyIdentity(filed->id, code);
    auto done = desk.Fulfil(filed->id);
    out << Code(done.status());
    if (done.ok())
      for (const RequestException& e : done->request.exceptions)
        out << e.scope << "/" << e.ground << ";";
    // What the subject still holds afterwards (an objection deletes a profile: CF15).
    if (auto exported = desk.ExportJson(subjects.front(), RequestDesk::ExportScope::kEverything);
        exported.ok()) {
      nlohmann::json j = nlohmann::json::parse(*exported, nullptr, false);
      if (j.is_object() && j.contains("fields")) out << "held:" << j["fields"].size() << ";";
    }
  }

  return out.str();
}

// The statistics an anonymizing rule leaves (CN02), on a vault of their own: on three days in a
// row 9, 10 and 11 people leave one field each of a category the rule anonymizes, and the sweep
// after the rule falls due turns them into counts. Which days make a group shows the policy's
// minimum group size either side of 10.
std::string GroupBehaviour(const std::shared_ptr<const CompiledPolicy>& compiled) {
  const Policy& p = compiled->policy();
  std::ostringstream out;
  for (const RetentionRule& rule : p.retention) {
    if (rule.action != RetentionAction::kAnonymize || rule.anchor != AnchorEvent::kCollection)
      continue;
    ScratchDir dir;
    const Time start = CivilDayToTime({2024, 3, 4}) + std::chrono::hours(10);
    ManualClock clock(start);
    auto opened = OpenRunVault(dir, compiled, clock);
    if (!opened.ok()) return "open:" + Code(opened.status());
    Vault& vault = **opened;
    const std::string kind = !rule.subject_kinds.empty() ? rule.subject_kinds[0]
                             : !p.subject_kinds.empty()  ? p.subject_kinds[0].id
                                                         : std::string();
    const std::string jurisdiction = p.jurisdictions.empty() ? "" : p.jurisdictions[0];
    auto covered = [&](const std::string& category) {
      if (rule.categories.empty()) return true;
      for (const std::string& c : rule.categories)
        if (category == c || category.starts_with(c + ".")) return true;
      return false;
    };
    // The first category the rule covers with a purpose that may write it.
    std::string category, purpose;
    int index = 0;
    for (int c = 0; c < compiled->category_count() && category.empty(); ++c) {
      if (!covered(p.categories[c].id) || compiled->refused_on_write().Test(c) ||
          p.categories[c].pseudonymous_identifier)
        continue;
      for (int pid = 0; pid < compiled->purpose_count(); ++pid) {
        const std::string& id = p.purposes[pid].id;
        if (!compiled->purpose(static_cast<PurposeId>(pid)).categories.Test(c)) continue;
        if (!rule.purposes.empty() &&
            std::find(rule.purposes.begin(), rule.purposes.end(), id) == rule.purposes.end())
          continue;
        category = p.categories[c].id;
        purpose = id;
        index = c;
        break;
      }
    }
    out << rule.id << ":" << category << "/" << purpose << ":";
    if (category.empty()) continue;
    for (int people : {9, 10, 11}) {
      for (int i = 0; i < people; ++i) {
        auto id =
            vault.CreateSubject({.kind = kind, .age_years = 40, .jurisdiction = jurisdiction});
        if (!id.ok()) {
          out << Code(id.status());
          continue;
        }
        (void)vault.RecordConsent(*id, {.purpose = purpose, .action = ConsentAction::kGrant});
        out << Code(vault
                        .Write({.subject_id = *id,
                                .purposes = {purpose},
                                .fields = {{.category = category,
                                            .value = ValueFor(p.categories[index], *id)}}})
                        .status());
      }
      clock.Advance(std::chrono::days(1));
    }
    const int64_t from =
        std::chrono::duration_cast<std::chrono::seconds>(start.time_since_epoch()).count();
    clock.Set(start +
              std::chrono::seconds(retention_internal::AddDuration(from, rule.duration) - from) +
              std::chrono::days(4));
    auto swept = RunRetention(vault);
    out << Code(swept.status()) << ";";
    auto aggregates = vault.Aggregates();
    out << Code(aggregates.status()) << ";";
    if (aggregates.ok())
      for (const RetentionAggregate& a : *aggregates)
        out << a.category << ":" << CivilDayToString(a.first_day) << "-"
            << CivilDayToString(a.last_day) << "=" << a.count << ";";
  }
  return out.str();
}

// The days after the start of the vault run on which it sweeps: a day before, on and after
// each retention rule of `policy` falls due, so a rule that changes shows on one of them.
std::vector<int> SweepDays(const Policy& policy) {
  std::set<int> days = {0, 1, 400, 1200};
  const int64_t start = std::chrono::duration_cast<std::chrono::seconds>(
                            CivilDayToTime({2024, 3, 4}).time_since_epoch())
                            .count();
  for (const RetentionRule& r : policy.retention) {
    const int64_t due = retention_internal::AddDuration(start, r.duration);  // the sweep's own rule
    const int d = static_cast<int>((due - start) / 86400);
    for (int near : {d - 1, d, d + 1, d + 2})
      if (near >= 0) days.insert(near);
  }
  return {days.begin(), days.end()};
}

// --- Flipping settings ---------------------------------------------------------------------------

// A step into a YAML document: a map key or a list index.
using Step = std::variant<std::string, size_t>;

struct Setting {
  std::vector<Step> path;
  std::string key;    // "purposes[].basis"
  std::string where;  // "purposes[3].basis"
};

void CollectSettings(const YAML::Node& node, std::vector<Step>& path, const std::string& key,
                     const std::string& where, std::vector<Setting>& out) {
  if (node.IsMap()) {
    for (const auto& kv : node) {
      const std::string name = kv.first.as<std::string>();
      path.push_back(name);
      CollectSettings(kv.second, path, key.empty() ? name : key + "." + name,
                      where.empty() ? name : where + "." + name, out);
      path.pop_back();
    }
    return;
  }
  if (node.IsSequence() && node.size() > 0 && node[0].IsMap()) {
    for (size_t i = 0; i < node.size(); ++i) {
      path.push_back(i);
      CollectSettings(node[i], path, key + "[]", where + "[" + std::to_string(i) + "]", out);
      path.pop_back();
    }
    return;
  }
  out.push_back({path, key, where});
}

YAML::Node At(const YAML::Node& root, const std::vector<Step>& path) {
  YAML::Node node = root;
  for (const Step& step : path) {
    if (const std::string* name = std::get_if<std::string>(&step)) {
      node.reset(node[*name]);
    } else {
      node.reset(node[std::get<size_t>(step)]);
    }
  }
  return node;
}

// Other values a setting may take, most telling first: a flipped bool, a number one higher, a
// later date, another name of the same enum, a list one shorter, changed words.
std::vector<YAML::Node> Alternatives(const YAML::Node& value) {
  std::vector<YAML::Node> out;
  if (value.IsSequence()) {
    if (value.size() == 0) return out;
    YAML::Node shorter(YAML::NodeType::Sequence);
    for (size_t i = 0; i + 1 < value.size(); ++i) shorter.push_back(YAML::Clone(value[i]));
    out.push_back(shorter);
    YAML::Node without_first(YAML::NodeType::Sequence);
    for (size_t i = 1; i < value.size(); ++i) without_first.push_back(YAML::Clone(value[i]));
    out.push_back(without_first);
    return out;
  }
  if (!value.IsScalar()) return out;
  const std::string& s = value.Scalar();
  auto add = [&](const std::string& v) {
    if (v != s) out.push_back(YAML::Node(v));
  };
  if (s == "true" || s == "false") {
    add(s == "true" ? "false" : "true");
    return out;
  }
  char* end = nullptr;
  const long number = std::strtol(s.c_str(), &end, 10);
  if (!s.empty() && end != nullptr && *end == '\0') {
    add(std::to_string(number + 1));
    if (number > 0) add(std::to_string(number - 1));
    return out;
  }
  if (const size_t space = s.find(' ');
      space != std::string::npos && std::isdigit(static_cast<unsigned char>(s[0]))) {
    const long count = std::strtol(s.c_str(), nullptr, 10);  // a duration: "6 months"
    add(std::to_string(count + 1) + s.substr(space));
    return out;
  }
  if (s.size() == 10 && s[4] == '-' && s[7] == '-') {  // a date
    std::string later = s;
    later[9] = later[9] == '8' ? '7' : static_cast<char>(later[9] + 1);
    add(later);
    return out;
  }
  static const std::vector<std::vector<std::string>> kEnums = {
      {"consent", "contract", "legal_obligation", "vital_interests", "public_task",
       "legitimate_interests"},
      {"none", "required", "opt_out"},
      {"processor", "sub_processor", "affiliate", "partner", "authority", "controller",
       "third_party"},
      {"collection", "last_activity", "last_application", "contract_end", "process_end",
       "analysis"},
      {"delete", "anonymize"},
      {"honor", "ignore"},
      {"access", "rectification", "erasure", "restriction", "portability", "objection",
       "opt_out_of_sale", "child_data_report", "legal_basis_inquiry"},
      {"email", "phone", "username", ""},
      {"scc", "bcr", "adequacy", "derogation", "idta", ""},
  };
  for (const auto& names : kEnums)
    if (std::find(names.begin(), names.end(), s) != names.end())
      for (const std::string& other : names) add(other);
  add(s + "x");  // words, or a name nothing declares (which the loader refuses)
  return out;
}

struct Rendered {
  bool loaded = false;
  std::string notice;
  std::string record;
  std::shared_ptr<const CompiledPolicy> compiled;
};

Rendered Render(const YAML::Node& root) {
  Rendered r;
  PolicyLoadResult loaded = LoadPolicy(YAML::Dump(root), "flipped.yaml");
  if (!loaded.ok()) return r;
  auto compiled = CompiledPolicy::Compile(*loaded.policy);
  if (!compiled.ok()) return r;
  r.loaded = true;
  r.notice = RenderNoticeMarkdown(*loaded.policy);
  r.record = RenderRecordOfProcessingJson(*loaded.policy);
  r.compiled = *compiled;
  return r;
}

// Settings of the reference policies that change the rendered text and nothing the engine does
// (or nothing the vault run can see yet), with what would close each.
const std::map<std::string, std::string>& KnownGaps() {
  // Retention rules whose change the vault run does not isolate (another rule removes the same
  // data first), redundant filters, and enforced settings the run cannot see yet.
  const std::string overlap =
      "probe: enforced by RunRetention, but in the vault run another rule removes the same data "
      "first; "
      "the run should give each rule data of its own";
  const std::string anchors =
      "probe: enforced by RunRetention (the rule waits for its anchor event), but the vault run "
      "records every anchor event at once for half the subjects, so a rule moved to another "
      "anchor falls due on the same day; the run should record each anchor on its own day";
  const std::string signals =
      "gap: CONNACT names no signals.opt_out_purposes, so honouring DNT or GPC would stop "
      "nothing while the notice says it is honoured; `honor` with nothing to opt out of should "
      "be refused by the loader (or the notice should not claim it)";
  const std::string kinds =
      "gap: a processor that has its DPA and a recipient in its own right (affiliate, partner, "
      "authority, controller) receive the same disclosures, and where the policy allows "
      "unaffiliated third parties so does a third party; the engine should hold a processor to "
      "the controller's purposes and a controller recipient to its own basis (the table declares "
      "the kinds the engine treats alike)";
  static const std::map<std::string, std::string> gaps = {
      {"starter:retention[].purposes", overlap},
      {"starter:retention[].categories",
       "redundant filter: the security_logs rule names user.device.ip_address, the only category "
       "its purpose "
       "`security` may use; the notice still states it"},
      {"customertrackr:changes.opt_out_window",
       "probe: enforced by Vault::NotifiedVersion (CU06, CU11 tests), but the vault run does not "
       "step through "
       "the window day by day"},
      {"connact:retention[].categories", overlap},
      {"connact:retention[].duration", overlap},
      {"connact:retention[].subject_kinds", overlap},
      {"confect:retention[].categories", overlap},
      {"confect:retention[].duration", overlap},
      {"confect:retention[].purposes", overlap},
      {"confect:retention[].subject_kinds", overlap},
      {"connectrex:retention[].purposes", overlap},
      // Shown once the guard checked every change of a setting, not only the first.
      {"starter:retention[].anchor", anchors},
      {"connact:retention[].anchor", anchors},
      {"confect:retention[].anchor", anchors},
      {"connectrex:retention[].anchor", anchors},
      {"connact:signals.dnt", signals},
      {"starter:recipients[].kind", kinds},
      {"confitrek:recipients[].kind", kinds},
      {"connact:recipients[].kind", kinds},
      {"confect:recipients[].kind", kinds},
      {"connectrex:recipients[].kind", kinds},
      {"customertrackr:recipients[].kind", kinds},
  };
  return gaps;
}

class NoticeGuard : public ::testing::TestWithParam<std::string> {};

TEST_P(NoticeGuard, EverySettingThatChangesTheNoticeChangesWhatTheEngineDoes) {
  const YAML::Node root =
      YAML::Load(ReadText(testing::SourcePath("policies/" + GetParam() + ".yaml")));
  const Rendered base = Render(root);
  ASSERT_TRUE(base.loaded);
  const std::string base_decisions = DecisionBehaviour(*base.compiled);
  const std::string base_next = NextVersionBehaviour(*base.compiled);
  std::optional<std::string> base_vault;        // run once, when first needed
  std::optional<std::string> base_publication;  // likewise
  const std::vector<int> sweep_days = SweepDays(base.compiled->policy());

  std::vector<Setting> settings;
  std::vector<Step> path;
  CollectSettings(root, path, "", "", settings);
  ASSERT_GT(settings.size(), 50u);
  int flipped = 0, enforced_seen = 0;
  std::map<std::string, std::string> gaps;  // "policy:key" -> the changes that showed it
  const std::set<std::string> loader_keys = KeysReadFrom(kEverySection);
  for (const Setting& setting : settings) {
    if (IsSection(setting.key, loader_keys)) continue;  // an empty list of items
    const policy_internal::PolicySetting* entry = FindPolicySetting(setting.key);
    ASSERT_NE(entry, nullptr) << setting.where << " is not in the settings table";
    if (entry->effect == SettingEffect::kInformational) continue;
    // Every change of the setting that shows in the notice or the record must show in what the
    // engine does, unless the table declares the two values alike for the engine. A value the
    // loader refuses proves nothing either way: it is no change a company can publish.
    const YAML::Node base_value = At(root, setting.path);
    bool text_changed = false;
    for (const YAML::Node& value : Alternatives(base_value)) {
      YAML::Node copy = YAML::Clone(root);
      YAML::Node replacement = YAML::Clone(value);
      // A flip changes the value, not whether it is confirmed: the mark stays.
      if (const std::string& tag = base_value.Tag(); tag == "!unconfirmed") replacement.SetTag(tag);
      At(copy, setting.path) = replacement;
      const Rendered changed = Render(copy);
      if (!changed.loaded) continue;
      ++flipped;
      const std::string what = setting.where + " = " + YAML::Dump(value);
      if (entry->effect == SettingEffect::kNotYetEnforced) {
        EXPECT_EQ(changed.notice, base.notice)
            << what << ": the notice states a setting privet does not enforce yet";
        continue;
      }
      if (changed.notice == base.notice && changed.record == base.record)
        continue;  // nothing published changed
      if (base_value.IsScalar() && value.IsScalar() &&
          policy_internal::InformationalBetween(*entry, base_value.Scalar(), value.Scalar()))
        continue;  // declared alike for the engine, with the reason, in the table
      text_changed = true;
      if (DecisionBehaviour(*changed.compiled) != base_decisions ||
          NextVersionBehaviour(*changed.compiled) != base_next)
        continue;
      if (!base_publication) base_publication = PublicationBehaviour(root, base.compiled);
      if (PublicationBehaviour(copy, changed.compiled) != *base_publication) continue;
      if (!base_vault) base_vault = VaultBehaviour(base.compiled, sweep_days);
      if (VaultBehaviour(changed.compiled, sweep_days) != *base_vault) continue;
      std::string& shown = gaps[GetParam() + ":" + setting.key];
      shown += (shown.empty() ? "" : "; ") + what;
    }
    if (entry->effect == SettingEffect::kEnforced && text_changed) ++enforced_seen;
  }
  // Gaps known when the guard was written, each with the work that closes it: a new one fails,
  // and so does a listed one of this policy that no longer shows (take it off the list).
  for (const auto& [gap, example] : gaps)
    EXPECT_TRUE(KnownGaps().count(gap))
        << example << " changes the notice or the record of processing and nothing "
        << "the engine does (" << gap << ")";
  for (const auto& [gap, why] : KnownGaps()) {
    if (gap.starts_with(GetParam() + ":")) {
      EXPECT_TRUE(gaps.count(gap))
          << gap << " is listed as a known gap but every change of it now shows in "
          << "what the engine does: take it off KnownGaps()";
    }
  }
  EXPECT_GT(flipped, 20) << "the guard flipped too few settings to mean anything";
  EXPECT_GT(enforced_seen, 10);
}

INSTANTIATE_TEST_SUITE_P(ReferencePolicies, NoticeGuard, ::testing::ValuesIn(kReferencePolicies),
                         [](const ::testing::TestParamInfo<std::string>& param) {
                           return param.param;
                         });

// A value a reference policy marks !unconfirmed (its seed is silent) is enforced like any other,
// but the notice publishes it only as a draft; with the marks removed (the company confirmed
// them) the same file publishes as the company's statement and the engine does the same.
TEST_P(NoticeGuard, UnconfirmedValuesArePublishedOnlyAsADraft) {
  const std::string text = ReadText(testing::SourcePath("policies/" + GetParam() + ".yaml"));
  std::string confirmed = text;
  int marks = 0;
  for (size_t at; (at = confirmed.find("!unconfirmed ")) != std::string::npos; ++marks)
    confirmed.erase(at, std::string("!unconfirmed ").size());
  const Rendered marked = Render(YAML::Load(text));
  const Rendered plain = Render(YAML::Load(confirmed));
  ASSERT_TRUE(marked.loaded && plain.loaded);
  EXPECT_EQ(DecisionBehaviour(*marked.compiled), DecisionBehaviour(*plain.compiled));
  EXPECT_EQ(NextVersionBehaviour(*marked.compiled), NextVersionBehaviour(*plain.compiled));
  EXPECT_EQ(marked.compiled->policy().unconfirmed.size(), static_cast<size_t>(marks));
  const std::string title = marked.notice.substr(0, marked.notice.find('\n'));
  EXPECT_THAT(plain.notice, ::testing::Not(::testing::HasSubstr("(draft)")));
  EXPECT_THAT(plain.notice, ::testing::Not(::testing::HasSubstr("Not yet confirmed")));
  if (marks == 0) {
    EXPECT_EQ(marked.notice, plain.notice);
    return;
  }
  EXPECT_THAT(title, ::testing::HasSubstr("(draft)"));
  EXPECT_THAT(marked.notice, ::testing::HasSubstr("Not yet confirmed:"));
  EXPECT_THAT(marked.record, ::testing::HasSubstr("\"unconfirmed\""));
}

// The vault run itself sees what it is meant to: a retention period, an age gate, a fee.
TEST(NoticeGuardHarness, TheVaultRunSeesRetentionAgeGatesAndFees) {
  auto base = testing::CompileFile("policies/confect.yaml");
  ASSERT_NE(base, nullptr);
  const std::vector<int> days = SweepDays(base->policy());
  const std::string before = VaultBehaviour(base, days);
  int edits = 0;
  for (const std::function<void(Policy&)>& edit : std::vector<std::function<void(Policy&)>>{
           [](Policy& p) { p.retention[0].duration.count += 3; },
           [](Policy& p) { p.subject_kinds[0].minimum_age = 16; },
           [](Policy& p) { p.rights.deadlines[0].period.count += 1; }}) {
    ++edits;
    Policy copy = base->policy();
    edit(copy);
    auto changed = CompiledPolicy::Compile(copy);
    ASSERT_TRUE(changed.ok());
    EXPECT_TRUE(VaultBehaviour(*changed, days) != before) << "edit " << edits;
  }
}

}  // namespace
}  // namespace privet
