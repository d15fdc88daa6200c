// LoadPolicy: YAML text -> Policy. Reads the structure strictly (yaml_reader.h), then hands the
// result to CheckPolicy (policy_checks.cc) for references and consistency.
#include <sys/stat.h>

#include <algorithm>
#include <fstream>
#include <iterator>

#include "policy/policy_checks.h"
#include "policy/policy_names.h"
#include "policy/policy_settings.h"
#include "policy/yaml_reader.h"
#include "privet/policy.h"

namespace privet {
namespace {

using policy_internal::DiagnosticSink;
using policy_internal::MapReader;
using Need = MapReader::Need;
using policy_internal::kAnchorEventNames;
using policy_internal::kConsentModeNames;
using policy_internal::kLegalBasisNames;
using policy_internal::kRecipientKindNames;
using policy_internal::kRetentionActionNames;
using policy_internal::kRightNames;
using policy_internal::kSignalResponseNames;

class PolicyReader {
 public:
  explicit PolicyReader(DiagnosticSink& sink) : sink_(sink) {}

  Policy Read(const YAML::Node& root) {
    Policy p;
    MapReader m(root, "", sink_);
    if (!m.valid()) return p;
    m.Int("privet_policy", p.format, 1, 1, Need::kRequired);
    m.String("organization", p.organization, Need::kRequired);
    ReadContact(m.Get("contact"), p.contact);
    ReadController(m.Get("controller"), p.controller);
    m.StringList("jurisdictions", p.jurisdictions, Need::kRequired);
    m.String("governing_law", p.governing_law);
    m.Int("version", p.version, 1, 1'000'000, Need::kRequired);
    m.Date("effective", p.effective, Need::kRequired);
    m.String("summary", p.summary);
    m.Bool("special_categories_allowed", p.special_categories_allowed);
    ReadList(m, "categories", Need::kRequired, p.categories, &PolicyReader::ReadCategory);
    ReadList(m, "purposes", Need::kRequired, p.purposes, &PolicyReader::ReadPurpose);
    ReadList(m, "subject_kinds", Need::kOptional, p.subject_kinds, &PolicyReader::ReadSubjectKind);
    ReadList(m, "features", Need::kOptional, p.features, &PolicyReader::ReadFeature);
    ReadList(m, "roles", Need::kOptional, p.roles, &PolicyReader::ReadRole);
    ReadList(m, "recipients", Need::kOptional, p.recipients, &PolicyReader::ReadRecipient);
    ReadSharing(m.Get("sharing"), p.sharing);
    ReadList(m, "retention", Need::kOptional, p.retention, &PolicyReader::ReadRetention);
    ReadRights(m.Get("rights"), p.rights);
    ReadSignals(m.Get("signals"), p.signals);
    ReadList(m, "cookies", Need::kOptional, p.cookies, &PolicyReader::ReadCookie);
    ReadList(m, "marketing_channels", Need::kOptional, p.marketing_channels,
             &PolicyReader::ReadChannel);
    ReadBreach(m.Get("breach"), p.breach);
    ReadChanges(m.Get("changes"), p.changes);
    ReadList(m, "messages", Need::kOptional, p.messages, &PolicyReader::ReadMessage);
    if (YAML::Node n = m.Get("automatic_collection"); n.IsDefined()) {
      p.automatic_collection.emplace();
      ReadAutomaticCollection(n, *p.automatic_collection);
    }
    if (YAML::Node n = m.Get("automated_decisions"); n.IsDefined()) {
      p.automated_decisions.emplace();
      ReadAutomatedDecisions(n, *p.automated_decisions);
    }
    m.Finish();
    return p;
  }

 private:
  template <typename T>
  void ReadList(MapReader& m, std::string_view key, Need need, std::vector<T>& out,
                void (PolicyReader::*read_one)(MapReader&, T&)) {
    YAML::Node seq = m.Sequence(key, need);
    if (!seq.IsDefined()) return;
    for (size_t i = 0; i < seq.size(); ++i) {
      MapReader item(seq[i], m.Path(key) + "[" + std::to_string(i) + "]", sink_);
      if (!item.valid()) continue;
      T value;
      value.where = item.where();
      (this->*read_one)(item, value);
      item.Finish();
      out.push_back(std::move(value));
    }
  }

  void ReadContact(const YAML::Node& n, Contact& c) {
    if (!n.IsDefined()) return;
    MapReader m(n, "contact", sink_);
    m.String("name", c.name);
    m.String("email", c.email);
    m.String("address", c.address);
    m.String("phone", c.phone);
    m.String("web_form", c.web_form);
    m.String("dpo_email", c.dpo_email);
    m.Finish();
  }

  // An absolute http(s) URL without spaces or control characters: the notice links it.
  void CheckUrl(MapReader& m, std::string_view key, const std::string& url) {
    if (url.empty()) return;
    const bool scheme = url.starts_with("https://") || url.starts_with("http://");
    const bool clean = std::none_of(url.begin(), url.end(), [](char c) {
      return static_cast<unsigned char>(c) <= ' ' || c == '\x7f' || c == '"' || c == '<' ||
             c == '>';
    });
    if (!scheme || !clean || url.find("://") + 3 >= url.size()) {
      sink_.Error(policy_internal::LocationOf(m.Get(key)),
                  m.Path(key) + ": expected an http:// or https:// URL without spaces");
    }
  }

  // An optional map `key` of `parent` read by `read` into `out`; left unset when absent or invalid.
  template <typename T, typename ReadFields>
  void ReadOptionalMap(MapReader& parent, std::string_view key, std::optional<T>& out,
                       ReadFields read) {
    YAML::Node n = parent.Get(key);
    if (!n.IsDefined()) return;
    MapReader m(n, parent.Path(key), sink_);
    if (!m.valid()) return;
    T value;
    read(m, value);
    m.Finish();
    out = std::move(value);
  }

  void ReadController(const YAML::Node& n, ControllerDetails& c) {
    if (!n.IsDefined()) return;
    MapReader m(n, "controller", sink_);
    if (!m.valid()) return;
    ReadOptionalMap(m, "supervisory_authority", c.supervisory_authority,
                    [&](MapReader& am, SupervisoryAuthority& a) {
                      am.String("name", a.name, Need::kRequired);
                      am.String("url", a.url);
                      CheckUrl(am, "url", a.url);
                    });
    ReadOptionalMap(m, "representative", c.representative, [](MapReader& rm, Representative& r) {
      rm.String("name", r.name, Need::kRequired);
      rm.String("email", r.email);
      rm.String("address", r.address);
    });
    m.StringList("security_measures", c.security_measures);
    m.Finish();
  }

  void ReadAutomatedDecisions(const YAML::Node& n, AutomatedDecisions& a) {
    MapReader m(n, "automated_decisions", sink_);
    if (!m.valid()) return;
    m.Require("used");
    m.Bool("used", a.used);
    m.String("description", a.description);
    if (a.used && a.description.empty()) {
      sink_.Error(m.where(),
                  "automated_decisions: 'description' is required when 'used' is true "
                  "(GDPR Art. 13(2)(f): the logic, significance and consequences)");
    }
    m.Finish();
  }

  void ReadCategory(MapReader& m, Category& c) {
    m.Id("id", c.id);
    m.String("description", c.description);
    m.Bool("special", c.special);
    m.Bool("sensitive", c.sensitive);
    m.Bool("forbidden", c.forbidden);
    m.String("identifier", c.identifier);
    m.Bool("pseudonymous_identifier", c.pseudonymous_identifier);
    m.Bool("public_record", c.public_record);
  }

  void ReadPurpose(MapReader& m, Purpose& p) {
    m.Id("id", p.id);
    m.Id("parent", p.parent, Need::kOptional);
    m.String("description", p.description);
    m.Enum("basis", p.basis, kLegalBasisNames);
    m.Enum("consent", p.consent, kConsentModeNames);
    m.IdList("categories", p.categories);
    m.Bool("prohibited", p.prohibited);
    m.Bool("processor", p.processor);
    if (m.Get("objectable").IsDefined()) {
      bool objectable = true;
      m.Bool("objectable", objectable);
      p.objectable = objectable;
    }
    m.Bool("direct_marketing", p.direct_marketing);
    m.Bool("profiling", p.profiling);
    m.Bool("sensitive_use_permitted", p.sensitive_use_permitted);
    m.IdList("subject_kinds", p.subject_kinds);
    m.Int("since_version", p.since_version, 1, 1'000'000);
    m.IdList("shown_to_subjects", p.shown_to_subjects);
  }

  void ReadSubjectKind(MapReader& m, SubjectKind& k) {
    m.Id("id", k.id);
    m.String("description", k.description);
    m.Int("minimum_age", k.minimum_age, 0, 120);
    m.Bool("location_required", k.location_required);
    m.IdList("location_exemptions", k.location_exemptions);
    m.Bool("device", k.device);
  }

  void ReadFeature(MapReader& m, Feature& f) {
    m.Id("id", f.id);
    m.String("description", f.description);
    m.Id("purpose", f.purpose);
    m.IdList("requires", f.requires_categories);
    m.Bool("optional", f.optional);
    m.IdList("subject_kinds", f.subject_kinds);
  }

  void ReadRole(MapReader& m, Role& r) {
    m.Id("id", r.id);
    m.String("description", r.description);
    m.IdList("purposes", r.purposes);
    m.IdList("categories", r.categories);
  }

  void ReadRecipient(MapReader& m, Recipient& r) {
    m.Id("id", r.id);
    m.String("name", r.name);
    std::optional<RecipientKind> kind;
    m.Require("kind");
    if (m.Enum("kind", kind, kRecipientKindNames)) r.kind = *kind;
    m.String("function", r.function);
    m.String("country", r.country, Need::kRequired);
    m.Bool("dpa", r.dpa);
    m.String("transfer_mechanism", r.transfer_mechanism);
    m.IdList("categories", r.categories);
    m.IdList("purposes", r.purposes);
    m.IdList("preconditions", r.preconditions);
    m.Bool("sale", r.sale);
    m.Int("since_version", r.since_version, 1, 1'000'000);
  }

  void ReadSharing(const YAML::Node& n, Sharing& s) {
    if (!n.IsDefined()) return;
    MapReader m(n, "sharing", sink_);
    m.Bool("sale", s.sale);
    m.Bool("unaffiliated_third_parties", s.unaffiliated_third_parties);
    m.Finish();
  }

  void ReadRetention(MapReader& m, RetentionRule& r) {
    m.Id("id", r.id);
    m.String("description", r.description);
    m.IdList("categories", r.categories);
    m.IdList("purposes", r.purposes);
    m.IdList("subject_kinds", r.subject_kinds);
    m.DurationValue("duration", r.duration, Need::kRequired);
    m.Enum("anchor", r.anchor, kAnchorEventNames);
    std::optional<RetentionAction> action;
    if (m.Enum("action", action, kRetentionActionNames)) r.action = *action;
    m.Bool("legal_obligation", r.legal_obligation);
    m.Id("unless_consent", r.unless_consent, Need::kOptional);
  }

  void ReadRights(const YAML::Node& n, RightsPolicy& r) {
    if (!n.IsDefined()) return;
    MapReader m(n, "rights", sink_);
    if (!m.valid()) return;
    r.where = m.where();
    if (YAML::Node offered = m.Sequence("offered"); offered.IsDefined()) {
      for (size_t i = 0; i < offered.size(); ++i) {
        ReadRightName(offered[i], "rights.offered[" + std::to_string(i) + "]", r.offered);
      }
    }
    m.StringList("channels", r.channels);
    if (YAML::Node deadlines = m.Sequence("deadlines"); deadlines.IsDefined()) {
      for (size_t i = 0; i < deadlines.size(); ++i) {
        MapReader d(deadlines[i], "rights.deadlines[" + std::to_string(i) + "]", sink_);
        if (!d.valid()) continue;
        Deadline dl;
        d.String("jurisdiction", dl.jurisdiction, Need::kRequired);
        d.DurationValue("period", dl.period, Need::kRequired);
        d.DurationValue("extension", dl.extension);
        if (YAML::Node hs = d.Sequence("holidays"); hs.IsDefined()) {
          for (size_t k = 0; k < hs.size(); ++k) {
            auto day = hs[k].IsScalar() ? ParseDayString(hs[k].Scalar()) : std::nullopt;
            if (!day) {
              sink_.Error(
                  policy_internal::LocationOf(hs[k]),
                  d.Path("holidays") + "[" + std::to_string(k) + "]: expected a date YYYY-MM-DD");
              continue;
            }
            dl.holidays.push_back(*day);
          }
        }
        d.Finish();
        r.deadlines.push_back(std::move(dl));
      }
    }
    if (YAML::Node fees = m.Sequence("fees"); fees.IsDefined()) {
      for (size_t i = 0; i < fees.size(); ++i) {
        MapReader f(fees[i], "rights.fees[" + std::to_string(i) + "]", sink_);
        if (!f.valid()) continue;
        Fee fee;
        std::optional<Right> right;
        f.Require("right");
        if (f.Enum("right", right, kRightNames)) fee.right = *right;
        f.String("jurisdiction", fee.jurisdiction);
        ReadAmount(f, fee.amount_cents);
        f.String("currency", fee.currency, Need::kRequired);
        f.Finish();
        r.fees.push_back(std::move(fee));
      }
    }
    m.Bool("route_members_to_organization_admin", r.route_members_to_organization_admin);
    m.Finish();
  }

  void ReadRightName(const YAML::Node& n, const std::string& where, std::vector<Right>& out) {
    if (n.IsScalar()) {
      if (std::optional<Right> right = kRightNames.Parse(n.Scalar())) {
        out.push_back(*right);
        return;
      }
    }
    const std::vector<std::string> names = policy_internal::AllNames(kRightNames);
    std::string msg = where + ": expected one of: ";
    for (size_t i = 0; i < names.size(); ++i) msg += (i ? ", " : "") + names[i];
    if (n.IsScalar()) {
      if (auto near = policy_internal::ClosestName(n.Scalar(), names))
        msg += " (did you mean '" + *near + "'?)";
    }
    sink_.Error(policy_internal::LocationOf(n), msg);
  }

  // "10", "10.5" or "10.50" -> cents.
  void ReadAmount(MapReader& f, int& cents) {
    YAML::Node n = f.Require("amount");
    if (!n.IsDefined()) return;
    const std::string s = n.IsScalar() ? n.Scalar() : std::string();
    const size_t dot = s.find('.');
    std::optional<int> whole = policy_internal::ParseInt(s.substr(0, dot));
    std::optional<int> frac = 0;
    if (dot != std::string::npos) {
      std::string f2 = s.substr(dot + 1);
      if (f2.size() == 1) f2 += '0';
      frac = f2.size() == 2 ? policy_internal::ParseInt(f2) : std::nullopt;
    }
    if (!whole || !frac || *whole < 0 || *whole > 1'000'000 || *frac < 0) {
      sink_.Error(policy_internal::LocationOf(n),
                  f.Path("amount") + ": expected an amount such as 10 or 10.50");
      return;
    }
    cents = *whole * 100 + *frac;
  }

  void ReadSignals(const YAML::Node& n, Signals& s) {
    if (!n.IsDefined()) return;
    MapReader m(n, "signals", sink_);
    std::optional<SignalResponse> dnt, gpc;
    if (m.Enum("dnt", dnt, kSignalResponseNames)) s.dnt = *dnt;
    if (m.Enum("gpc", gpc, kSignalResponseNames)) s.gpc = *gpc;
    m.IdList("opt_out_purposes", s.opt_out_purposes);
    ReadList(m, "tcf", Need::kOptional, s.tcf, &PolicyReader::ReadTcfMapping);
    if (YAML::Node gpp = m.Get("gpp"); gpp.IsDefined()) {
      MapReader g(gpp, "signals.gpp", sink_);
      GppMapping& out = s.gpp.emplace();
      out.where = g.where();
      g.IdList("sale", out.sale);
      g.IdList("sharing", out.sharing);
      g.IdList("targeted_advertising", out.targeted_advertising);
      g.IdList("sensitive_data", out.sensitive_data);
      g.Finish();
    }
    m.String("statement", s.statement);
    m.Finish();
  }

  void ReadTcfMapping(MapReader& m, TcfMapping& t) {
    m.Id("purpose", t.purpose);
    m.IntList("tcf_purposes", t.tcf_purposes, 1, kTcfPurposeCount);
    m.IntList("special_features", t.special_features, 1, kTcfSpecialFeatureCount);
  }

  void ReadCookie(MapReader& m, Cookie& c) {
    m.Id("id", c.id);
    m.Id("purpose", c.purpose);
    m.String("description", c.description);
    m.Bool("essential", c.essential);
  }

  void ReadChannel(MapReader& m, MarketingChannel& c) {
    m.Id("id", c.id);
    m.Id("purpose", c.purpose);
    m.Bool("opt_in", c.opt_in);
    m.Bool("unsubscribe_link", c.unsubscribe_link);
  }

  void ReadMessage(MapReader& m, MessageTemplate& t) {
    m.Id("topic", t.topic);
    m.String("subject", t.subject, Need::kRequired);
    m.String("text", t.text, Need::kRequired);
    m.String("html", t.html);
  }

  void ReadBreach(const YAML::Node& n, BreachPolicy& b) {
    if (!n.IsDefined()) return;
    MapReader m(n, "breach", sink_);
    m.Bool("notify_subjects", b.notify_subjects);
    m.StringList("channels", b.channels);
    m.String("threshold", b.threshold);
    m.OptionalDuration("authority_within", b.authority_within);
    m.OptionalDuration("subjects_within", b.subjects_within);
    m.Finish();
  }

  void ReadChanges(const YAML::Node& n, ChangePolicy& c) {
    if (!n.IsDefined()) return;
    MapReader m(n, "changes", sink_);
    m.StringList("notify", c.notify);
    m.OptionalDuration("advance_notice", c.advance_notice);
    m.Bool("material_change_requires_consent", c.material_change_requires_consent);
    m.OptionalDuration("opt_out_window", c.opt_out_window);
    m.Finish();
  }

  void ReadAutomaticCollection(const YAML::Node& n, AutomaticCollection& a) {
    MapReader m(n, "automatic_collection", sink_);
    a.where = m.where();
    m.StringList("fields", a.fields);
    m.IdList("purposes", a.purposes);
    m.IdList("categories", a.categories);
    m.StringList("drop_fields", a.drop_fields);
    m.Int("min_group_size", a.min_group_size, 0, 1'000'000);
    m.OptionalDuration("retention", a.retention);
    m.Finish();
  }

  DiagnosticSink& sink_;
};

}  // namespace

PolicyLoadResult LoadPolicy(std::string_view yaml_text, std::string_view path) {
  DiagnosticSink sink{std::string(path)};
  PolicyLoadResult result;
  if (!policy_internal::CheckRawText(yaml_text, sink)) {
    result.diagnostics = sink.Take();
    return result;
  }
  std::optional<YAML::Node> root = policy_internal::ParseDocument(yaml_text, sink);
  if (!root) {
    result.diagnostics = sink.Take();
    return result;
  }
  Policy policy;
  try {
    policy = PolicyReader(sink).Read(*root);
  } catch (const std::exception& e) {  // yaml-cpp may throw on odd nodes; never let it escape
    sink.Error({}, std::string("cannot read the policy: ") + e.what());
  }
  policy.unconfirmed = sink.TakeUnconfirmed();
  if (!sink.has_errors()) policy_internal::CheckPolicy(policy, sink);
  for (const UnconfirmedValue& u : policy.unconfirmed) {
    sink.Warning(u.where, u.path +
                              " is marked !unconfirmed: the notice shows it as a draft until the "
                              "company confirms it and the mark is removed");
  }
  result.diagnostics = sink.Take();
  const bool any_error =
      std::any_of(result.diagnostics.begin(), result.diagnostics.end(),
                  [](const Diagnostic& d) { return d.severity == Diagnostic::Severity::kError; });
  if (!any_error) result.policy = std::move(policy);
  return result;
}

namespace policy_internal {

std::set<std::string> KeysReadFrom(std::string_view yaml_text) {
  std::set<std::string> keys;
  DiagnosticSink sink{"keys"};
  sink.RecordKeysIn(&keys);
  std::optional<YAML::Node> root = ParseDocument(yaml_text, sink);
  if (!root) return keys;
  try {
    PolicyReader(sink).Read(*root);
  } catch (const std::exception&) {  // as in LoadPolicy: nothing escapes
  }
  return keys;
}

}  // namespace policy_internal

PolicyLoadResult LoadPolicyFile(const std::string& path) {
  PolicyLoadResult result;
  struct stat st {};
  if (::stat(path.c_str(), &st) != 0 || !S_ISREG(st.st_mode)) {
    result.diagnostics.push_back({Diagnostic::Severity::kError, path, {}, "cannot read the file"});
    return result;
  }
  if (static_cast<size_t>(st.st_size) > kMaxPolicyFileBytes) {
    result.diagnostics.push_back({Diagnostic::Severity::kError,
                                  path,
                                  {1, 1},
                                  "file is " + std::to_string(st.st_size) +
                                      " bytes; policy files are limited to " +
                                      std::to_string(kMaxPolicyFileBytes) + " bytes"});
    return result;
  }
  std::ifstream in(path, std::ios::binary);
  std::string text((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  if (!in.good() && !in.eof()) {
    result.diagnostics.push_back({Diagnostic::Severity::kError, path, {}, "cannot read the file"});
    return result;
  }
  return LoadPolicy(text, path);
}

}  // namespace privet
