// DiffPolicies and FormatPolicyChanges (see privet/policy_diff.h). One function per policy
// section, in the order of the Policy struct; the materiality rules live next to each field.
#include "privet/policy_diff.h"

#include <algorithm>
#include <limits>
#include <map>
#include <optional>
#include <set>
#include <string>
#include <string_view>
#include <vector>

#include "policy/notice_text.h"
#include "policy/purpose_inheritance.h"

namespace privet {
namespace {

constexpr double kForever = std::numeric_limits<double>::infinity();

double ApproxDays(const Duration& d) {
  double per_unit = 1;
  switch (d.unit) {
    case TimeUnit::kHours:
      per_unit = 1.0 / 24;
      break;
    case TimeUnit::kDays:
      per_unit = 1;
      break;
    case TimeUnit::kBusinessDays:
      per_unit = 1.4;
      break;
    case TimeUnit::kWeeks:
      per_unit = 7;
      break;
    case TimeUnit::kMonths:
      per_unit = 30.44;
      break;
    case TimeUnit::kYears:
      per_unit = 365.25;
      break;
  }
  return d.count * per_unit;
}

// Which direction of a change is material.
enum class Worse {
  kNever,
  kTurnedOn,
  kTurnedOff,
  kLonger,
  kShorter,
  kHigher,
  kLower,
  kAdded,
  kRemoved
};

std::string Str(bool b) { return b ? "true" : "false"; }
// Free text on one line, shortened: a change list stays one line per change.
std::string Str(const std::string& s) {
  constexpr size_t kMaxChars = 100;
  std::string text;
  for (char c : s) text += (c == '\n' || c == '\r' || c == '\t') ? ' ' : c;
  while (!text.empty() && text.back() == ' ') text.pop_back();
  if (text.empty()) return "(none)";
  if (text.size() > kMaxChars) {
    size_t cut = kMaxChars;
    while (cut > 0 && (static_cast<unsigned char>(text[cut]) & 0xC0) == 0x80) --cut;  // UTF-8
    text = text.substr(0, cut) + "...";
  }
  return "\"" + text + "\"";
}
std::string Str(const std::optional<Duration>& d) {
  return d ? DurationToString(*d) : std::string("(none)");
}
std::string Str(const std::optional<LegalBasis>& b) {
  return b ? std::string(LegalBasisName(*b)) : std::string("(none)");
}

std::string Join(const std::vector<std::string>& items) {
  std::string out;
  for (const std::string& s : items) out += (out.empty() ? "" : ", ") + s;
  return out.empty() ? "(none)" : out;
}

struct SetDelta {
  std::vector<std::string> added;
  std::vector<std::string> removed;
  bool empty() const { return added.empty() && removed.empty(); }
  std::string ToString() const {
    std::string out;
    if (!added.empty()) out += "added " + Join(added);
    if (!removed.empty()) out += std::string(out.empty() ? "" : "; ") + "removed " + Join(removed);
    return out;
  }
};

SetDelta Delta(const std::vector<std::string>& before, const std::vector<std::string>& after) {
  std::set<std::string> b(before.begin(), before.end());
  std::set<std::string> a(after.begin(), after.end());
  SetDelta d;
  std::set_difference(a.begin(), a.end(), b.begin(), b.end(), std::back_inserter(d.added));
  std::set_difference(b.begin(), b.end(), a.begin(), a.end(), std::back_inserter(d.removed));
  return d;
}

// Elements of two lists matched by key, visited in key order: removed, added or in both.
template <typename T, typename Key, typename OnRemoved, typename OnAdded, typename OnBoth>
void Match(const std::vector<T>& before, const std::vector<T>& after, Key key, OnRemoved on_removed,
           OnAdded on_added, OnBoth on_both) {
  std::map<std::string, std::pair<const T*, const T*>> pairs;
  for (const T& t : before) pairs.try_emplace(key(t), std::make_pair(&t, nullptr));
  for (const T& t : after) {
    auto& slot = pairs[key(t)];
    if (slot.second == nullptr) slot.second = &t;
  }
  for (const auto& [k, pair] : pairs) {
    if (pair.second == nullptr) {
      on_removed(k, *pair.first);
    } else if (pair.first == nullptr) {
      on_added(k, *pair.second);
    } else {
      on_both(k, *pair.first, *pair.second);
    }
  }
}

class Differ {
 public:
  Differ(const Policy& before, const Policy& after) : b_(before), a_(after) {}

  std::vector<PolicyChange> Run() {
    Header();
    Categories();
    Purposes();
    SubjectKinds();
    Features();
    Roles();
    Recipients();
    SharingSection();
    Retention();
    Rights();
    SignalsSection();
    Cookies();
    Channels();
    Breach();
    ChangeNotice();
    Automatic();
    return std::move(out_);
  }

 private:
  void Add(std::string kind, std::string subject, std::string detail, bool material) {
    out_.push_back(PolicyChange{.kind = std::move(kind),
                                .subject = std::move(subject),
                                .detail = std::move(detail),
                                .material = material});
  }

  void Field(const std::string& kind, const std::string& subject, std::string_view field,
             const std::string& before, const std::string& after, bool material = false) {
    if (before == after) return;
    std::string detail = field == subject ? "" : std::string(field) + ": ";
    Add(kind, subject, detail + before + " -> " + after, material);
  }
  void Flag(const std::string& kind, const std::string& subject, std::string_view field,
            bool before, bool after, Worse worse) {
    bool material = (worse == Worse::kTurnedOn && after) || (worse == Worse::kTurnedOff && !after);
    Field(kind, subject, field, Str(before), Str(after), material);
  }
  void Number(const std::string& kind, const std::string& subject, std::string_view field,
              int before, int after, Worse worse) {
    bool material =
        (worse == Worse::kHigher && after > before) || (worse == Worse::kLower && after < before);
    Field(kind, subject, field, std::to_string(before), std::to_string(after), material);
  }
  // `missing` is the value a nullopt stands for when comparing (kForever or 0).
  void Length(const std::string& kind, const std::string& subject, std::string_view field,
              const std::optional<Duration>& before, const std::optional<Duration>& after,
              Worse worse, double missing) {
    if (before == after) return;
    double b = before ? ApproxDays(*before) : missing;
    double a = after ? ApproxDays(*after) : missing;
    bool material = (worse == Worse::kLonger && a > b) || (worse == Worse::kShorter && a < b);
    Field(kind, subject, field, Str(before), Str(after), material);
  }
  void List(const std::string& kind, const std::string& subject, std::string_view field,
            const std::vector<std::string>& before, const std::vector<std::string>& after,
            Worse worse) {
    SetDelta d = Delta(before, after);
    if (d.empty()) return;
    bool material = (worse == Worse::kAdded && !d.added.empty()) ||
                    (worse == Worse::kRemoved && !d.removed.empty());
    Add(kind, subject, (field == subject ? "" : std::string(field) + ": ") + d.ToString(),
        material);
  }

  void Header() {
    Field("organization_changed", "organization", "organization", Str(b_.organization),
          Str(a_.organization));
    Number("version_changed", "version", "version", b_.version, a_.version, Worse::kNever);
    Field("effective_changed", "effective", "effective", CivilDayToString(b_.effective),
          CivilDayToString(a_.effective));
    Field("summary_changed", "summary", "summary", Str(b_.summary), Str(a_.summary));
    List("jurisdictions_changed", "jurisdictions", "jurisdictions", b_.jurisdictions,
         a_.jurisdictions, Worse::kNever);
    Field("governing_law_changed", "governing_law", "governing_law", Str(b_.governing_law),
          Str(a_.governing_law));
    const Contact& cb = b_.contact;
    const Contact& ca = a_.contact;
    Field("contact_changed", "contact.name", "contact.name", Str(cb.name), Str(ca.name));
    Field("contact_changed", "contact.email", "contact.email", Str(cb.email), Str(ca.email));
    Field("contact_changed", "contact.address", "contact.address", Str(cb.address),
          Str(ca.address));
    Field("contact_changed", "contact.phone", "contact.phone", Str(cb.phone), Str(ca.phone));
    Field("contact_changed", "contact.web_form", "contact.web_form", Str(cb.web_form),
          Str(ca.web_form));
    Field("contact_changed", "contact.dpo_email", "contact.dpo_email", Str(cb.dpo_email),
          Str(ca.dpo_email));
    Flag("special_categories_changed", "special_categories_allowed", "special_categories_allowed",
         b_.special_categories_allowed, a_.special_categories_allowed, Worse::kTurnedOn);
    ControllerDetailsSection();
  }

  // controller.* and automated_decisions: words for readers; only automated decisions starting
  // (or a statement that none are made being withdrawn) is material.
  void ControllerDetailsSection() {
    const ControllerDetails& cb = b_.controller;
    const ControllerDetails& ca = a_.controller;
    auto authority = [](const ControllerDetails& c) {
      return c.supervisory_authority
                 ? c.supervisory_authority->name + " " + c.supervisory_authority->url
                 : std::string();
    };
    auto representative = [](const ControllerDetails& c) {
      return c.representative ? c.representative->name + ", " + c.representative->email + ", " +
                                    c.representative->address
                              : std::string();
    };
    Field("controller_changed", "controller.supervisory_authority",
          "controller.supervisory_authority", Str(authority(cb)), Str(authority(ca)));
    Field("controller_changed", "controller.representative", "controller.representative",
          Str(representative(cb)), Str(representative(ca)));
    List("controller_changed", "controller.security_measures", "controller.security_measures",
         cb.security_measures, ca.security_measures, Worse::kNever);
    auto decisions = [](const Policy& p) {
      if (!p.automated_decisions) return std::string();
      return p.automated_decisions->used ? "used: " + p.automated_decisions->description
                                         : std::string("none");
    };
    const bool material = a_.automated_decisions.has_value() && a_.automated_decisions->used &&
                          decisions(b_) != decisions(a_);
    Field("automated_decisions_changed", "automated_decisions", "automated_decisions",
          Str(decisions(b_)), Str(decisions(a_)), material);
  }

  void Categories() {
    Match(
        b_.categories, a_.categories, [](const Category& c) { return c.id; },
        [&](const std::string& id, const Category& c) {
          Add("category_removed", id, Str(c.description), false);
        },
        [&](const std::string& id, const Category& c) {
          std::string detail = Str(c.description);
          if (c.special) detail += " (special category)";
          if (c.forbidden) detail += " (never stored)";
          Add("category_added", id, detail, !c.forbidden);
        },
        [&](const std::string& id, const Category& x, const Category& y) {
          const std::string k = "category_changed";
          Field(k, id, "description", Str(x.description), Str(y.description));
          Flag(k, id, "special", x.special, y.special, Worse::kTurnedOn);
          Flag(k, id, "forbidden", x.forbidden, y.forbidden, Worse::kTurnedOff);
          Field(k, id, "identifier", Str(x.identifier), Str(y.identifier));
          Flag(k, id, "pseudonymous_identifier", x.pseudonymous_identifier,
               y.pseudonymous_identifier, Worse::kTurnedOff);
          Flag(k, id, "public_record", x.public_record, y.public_record, Worse::kNever);
        });
  }

  static bool WeakerConsent(ConsentMode before, ConsentMode after) {
    auto strength = [](ConsentMode m) {
      switch (m) {
        case ConsentMode::kRequired:
          return 2;
        case ConsentMode::kOptOut:
          return 1;
        case ConsentMode::kNone:
          return 0;
      }
      return 0;
    };
    return strength(after) < strength(before);
  }

  void Purposes() {
    using policy_internal::ResolvePurpose;
    Match(
        b_.purposes, a_.purposes, [](const Purpose& p) { return p.id; },
        [&](const std::string& id, const Purpose& p) {
          Add("purpose_removed", id, Str(p.description), false);
        },
        [&](const std::string& id, const Purpose& p) {
          policy_internal::EffectivePurpose e = ResolvePurpose(a_, p);
          std::string detail = e.prohibited ? std::string("prohibited")
                                            : "basis " + Str(e.basis) + " (consent " +
                                                  std::string(ConsentModeName(e.consent)) +
                                                  "); uses " + Join(p.categories);
          Add("purpose_added", id, detail, !e.prohibited);
        },
        [&](const std::string& id, const Purpose& x, const Purpose& y) {
          policy_internal::EffectivePurpose ex = ResolvePurpose(b_, x);
          policy_internal::EffectivePurpose ey = ResolvePurpose(a_, y);
          if (ex.basis != ey.basis) {
            bool weaker = ex.basis == LegalBasis::kConsent;
            Add("purpose_basis_changed", id, Str(ex.basis) + " -> " + Str(ey.basis), weaker);
          }
          if (ex.consent != ey.consent) {
            Add("purpose_consent_changed", id,
                std::string(ConsentModeName(ex.consent)) + " -> " +
                    std::string(ConsentModeName(ey.consent)),
                WeakerConsent(ex.consent, ey.consent));
          }
          List("purpose_categories_changed", id, "categories", x.categories, y.categories,
               Worse::kAdded);
          const std::string k = "purpose_changed";
          Field(k, id, "description", Str(x.description), Str(y.description));
          Field(k, id, "parent", Str(x.parent), Str(y.parent));
          Flag(k, id, "prohibited", ex.prohibited, ey.prohibited, Worse::kTurnedOff);
          Flag(k, id, "processor", ex.processor, ey.processor, Worse::kNever);
          Flag(k, id, "objectable", ex.objectable, ey.objectable, Worse::kTurnedOff);
          Flag(k, id, "direct_marketing", ex.direct_marketing, ey.direct_marketing, Worse::kNever);
          Flag(k, id, "profiling", x.profiling, y.profiling, Worse::kTurnedOn);
          List(k, id, "subject_kinds", x.subject_kinds, y.subject_kinds, Worse::kNever);
          // Showing a purpose's data to more kinds of people widens who sees it (CF07).
          List(k, id, "shown_to_subjects", x.shown_to_subjects, y.shown_to_subjects, Worse::kAdded);
          Number(k, id, "since_version", x.since_version, y.since_version, Worse::kNever);
        });
  }

  void SubjectKinds() {
    Match(
        b_.subject_kinds, a_.subject_kinds, [](const SubjectKind& s) { return s.id; },
        [&](const std::string& id, const SubjectKind& s) {
          Add("subject_kind_removed", id, Str(s.description), false);
        },
        [&](const std::string& id, const SubjectKind& s) {
          Add("subject_kind_added", id, Str(s.description), false);
        },
        [&](const std::string& id, const SubjectKind& x, const SubjectKind& y) {
          const std::string k = "subject_kind_changed";
          Field(k, id, "description", Str(x.description), Str(y.description));
          Number(k, id, "minimum_age", x.minimum_age, y.minimum_age, Worse::kLower);
          Flag(k, id, "location_required", x.location_required, y.location_required, Worse::kNever);
          List(k, id, "location_exemptions", x.location_exemptions, y.location_exemptions,
               Worse::kNever);
        });
  }

  void Features() {
    Match(
        b_.features, a_.features, [](const Feature& f) { return f.id; },
        [&](const std::string& id, const Feature& f) {
          Add("feature_removed", id, Str(f.description), false);
        },
        [&](const std::string& id, const Feature& f) {
          Add("feature_added", id, "purpose " + Str(f.purpose), false);
        },
        [&](const std::string& id, const Feature& x, const Feature& y) {
          const std::string k = "feature_changed";
          Field(k, id, "description", Str(x.description), Str(y.description));
          Field(k, id, "purpose", Str(x.purpose), Str(y.purpose));
          List(k, id, "requires", x.requires_categories, y.requires_categories, Worse::kNever);
          Flag(k, id, "optional", x.optional, y.optional, Worse::kNever);
          List(k, id, "subject_kinds", x.subject_kinds, y.subject_kinds, Worse::kNever);
        });
  }

  void Roles() {
    Match(
        b_.roles, a_.roles, [](const Role& r) { return r.id; },
        [&](const std::string& id, const Role& r) {
          Add("role_removed", id, Str(r.description), false);
        },
        [&](const std::string& id, const Role& r) {
          Add("role_added", id, "categories " + Join(r.categories), false);
        },
        [&](const std::string& id, const Role& x, const Role& y) {
          const std::string k = "role_changed";
          Field(k, id, "description", Str(x.description), Str(y.description));
          List(k, id, "purposes", x.purposes, y.purposes, Worse::kNever);
          List(k, id, "categories", x.categories, y.categories, Worse::kNever);
        });
  }

  void Recipients() {
    Match(
        b_.recipients, a_.recipients, [](const Recipient& r) { return r.id; },
        [&](const std::string& id, const Recipient& r) {
          Add("recipient_removed", id, Str(r.name), false);
        },
        [&](const std::string& id, const Recipient& r) {
          Add("recipient_added", id,
              Str(r.name) + " (" + std::string(RecipientKindName(r.kind)) + ", " + Str(r.country) +
                  "); receives " + Join(r.categories),
              true);
        },
        [&](const std::string& id, const Recipient& x, const Recipient& y) {
          List("recipient_categories_changed", id, "categories", x.categories, y.categories,
               Worse::kAdded);
          List("recipient_purposes_changed", id, "purposes", x.purposes, y.purposes, Worse::kAdded);
          const std::string k = "recipient_changed";
          Field(k, id, "name", Str(x.name), Str(y.name));
          Field(k, id, "kind", std::string(RecipientKindName(x.kind)),
                std::string(RecipientKindName(y.kind)));
          Field(k, id, "function", Str(x.function), Str(y.function));
          Field(k, id, "country", Str(x.country), Str(y.country), !y.country.empty());
          Flag(k, id, "dpa", x.dpa, y.dpa, Worse::kTurnedOff);
          Field(k, id, "transfer_mechanism", Str(x.transfer_mechanism), Str(y.transfer_mechanism),
                y.transfer_mechanism.empty());
          List(k, id, "preconditions", x.preconditions, y.preconditions, Worse::kRemoved);
          Flag(k, id, "sale", x.sale, y.sale, Worse::kTurnedOn);
          Number(k, id, "since_version", x.since_version, y.since_version, Worse::kNever);
        });
  }

  void SharingSection() {
    Flag("sharing_changed", "sale", "sale", b_.sharing.sale, a_.sharing.sale, Worse::kTurnedOn);
    Flag("sharing_changed", "unaffiliated_third_parties", "unaffiliated_third_parties",
         b_.sharing.unaffiliated_third_parties, a_.sharing.unaffiliated_third_parties,
         Worse::kTurnedOn);
  }

  static std::string RuleSummary(const RetentionRule& r) {
    std::string out = r.action == RetentionAction::kDelete ? "delete " : "anonymize ";
    out += DurationToString(r.duration) + " after ";
    out += r.anchor ? std::string(AnchorEventName(*r.anchor)) : std::string("(no anchor)");
    return out;
  }

  void Retention() {
    Match(
        b_.retention, a_.retention, [](const RetentionRule& r) { return r.id; },
        [&](const std::string& id, const RetentionRule& r) {
          Add("retention_removed", id, RuleSummary(r) + " no longer applies", true);
        },
        [&](const std::string& id, const RetentionRule& r) {
          Add("retention_added", id, RuleSummary(r), false);
        },
        [&](const std::string& id, const RetentionRule& x, const RetentionRule& y) {
          Length("retention_duration_changed", id, "duration", x.duration, y.duration,
                 Worse::kLonger, kForever);
          const std::string k = "retention_changed";
          Field(k, id, "anchor",
                x.anchor ? std::string(AnchorEventName(*x.anchor)) : std::string("(none)"),
                y.anchor ? std::string(AnchorEventName(*y.anchor)) : std::string("(none)"));
          Field(k, id, "action", std::string(RetentionActionName(x.action)),
                std::string(RetentionActionName(y.action)));
          Field(k, id, "description", Str(x.description), Str(y.description));
          List(k, id, "categories", x.categories, y.categories, Worse::kNever);
          List(k, id, "purposes", x.purposes, y.purposes, Worse::kNever);
          List(k, id, "subject_kinds", x.subject_kinds, y.subject_kinds, Worse::kNever);
          Flag(k, id, "legal_obligation", x.legal_obligation, y.legal_obligation, Worse::kNever);
          Field(k, id, "unless_consent", Str(x.unless_consent), Str(y.unless_consent));
        });
  }

  static std::string FeeText(const Fee& f) {
    return policy_internal::MoneyText(f.amount_cents, f.currency);
  }

  void Rights() {
    const RightsPolicy& x = b_.rights;
    const RightsPolicy& y = a_.rights;
    std::vector<std::string> rb;
    std::vector<std::string> ra;
    for (Right r : x.offered) rb.emplace_back(RightName(r));
    for (Right r : y.offered) ra.emplace_back(RightName(r));
    SetDelta rights = Delta(rb, ra);
    for (const std::string& r : rights.added) Add("right_added", r, "now offered", false);
    for (const std::string& r : rights.removed) Add("right_removed", r, "no longer offered", true);
    SetDelta channels = Delta(x.channels, y.channels);
    for (const std::string& c : channels.added) Add("rights_channel_added", c, "", false);
    for (const std::string& c : channels.removed) Add("rights_channel_removed", c, "", false);
    Match(
        x.deadlines, y.deadlines, [](const Deadline& d) { return d.jurisdiction; },
        [&](const std::string& j, const Deadline& d) {
          Add("deadline_removed", j, DurationToString(d.period), false);
        },
        [&](const std::string& j, const Deadline& d) {
          Add("deadline_added", j, DurationToString(d.period), false);
        },
        [&](const std::string& j, const Deadline& p, const Deadline& q) {
          Length("deadline_changed", j, "period", p.period, q.period, Worse::kLonger, kForever);
          Length("deadline_changed", j, "extension", p.extension, q.extension, Worse::kLonger,
                 kForever);
          if (p.holidays.size() != q.holidays.size() ||
              !std::equal(p.holidays.begin(), p.holidays.end(), q.holidays.begin())) {
            Add("deadline_changed", j, "holidays changed", false);
          }
        });
    Match(
        x.fees, y.fees,
        [](const Fee& f) {
          std::string key(RightName(f.right));
          return f.jurisdiction.empty() ? key : key + "/" + f.jurisdiction;
        },
        [&](const std::string& r, const Fee& f) { Add("fee_removed", r, FeeText(f), false); },
        [&](const std::string& r, const Fee& f) {
          Add("fee_added", r, FeeText(f), f.amount_cents > 0);
        },
        [&](const std::string& r, const Fee& p, const Fee& q) {
          bool higher = q.amount_cents > p.amount_cents || p.currency != q.currency;
          Field("fee_changed", r, "fee", FeeText(p), FeeText(q), higher);
        });
    Flag("rights_routing_changed", "route_members_to_organization_admin",
         "route_members_to_organization_admin", x.route_members_to_organization_admin,
         y.route_members_to_organization_admin, Worse::kNever);
  }

  // Each TCF mapping as one word: "ads<-p3,p4,sf1".
  static std::vector<std::string> TcfMappingNames(const std::vector<TcfMapping>& tcf) {
    std::vector<std::string> names;
    for (const TcfMapping& t : tcf) {
      std::string name = t.purpose + "<-";
      for (int n : t.tcf_purposes) name += "p" + std::to_string(n) + ",";
      for (int n : t.special_features) name += "sf" + std::to_string(n) + ",";
      if (name.back() == ',') name.pop_back();
      names.push_back(std::move(name));
    }
    return names;
  }

  void SignalsSection() {
    const Signals& x = b_.signals;
    const Signals& y = a_.signals;
    auto signal = [&](const char* name, SignalResponse p, SignalResponse q) {
      Field("signal_changed", name, name, std::string(SignalResponseName(p)),
            std::string(SignalResponseName(q)),
            p == SignalResponse::kHonor && q == SignalResponse::kIgnore);
    };
    signal("dnt", x.dnt, y.dnt);
    signal("gpc", x.gpc, y.gpc);
    List("signal_changed", "opt_out_purposes", "opt_out_purposes", x.opt_out_purposes,
         y.opt_out_purposes, Worse::kRemoved);
    // A purpose that stops following TCF strings, or follows fewer TCF purposes, gives the
    // subject's choice in the consent tool less say.
    List("signal_changed", "tcf", "tcf", TcfMappingNames(x.tcf), TcfMappingNames(y.tcf),
         Worse::kRemoved);
    const GppMapping none;
    const GppMapping& gx = x.gpp ? *x.gpp : none;
    const GppMapping& gy = y.gpp ? *y.gpp : none;
    List("signal_changed", "gpp.sale", "gpp.sale", gx.sale, gy.sale, Worse::kRemoved);
    List("signal_changed", "gpp.sharing", "gpp.sharing", gx.sharing, gy.sharing, Worse::kRemoved);
    List("signal_changed", "gpp.targeted_advertising", "gpp.targeted_advertising",
         gx.targeted_advertising, gy.targeted_advertising, Worse::kRemoved);
    List("signal_changed", "gpp.sensitive_data", "gpp.sensitive_data", gx.sensitive_data,
         gy.sensitive_data, Worse::kRemoved);
    Field("signal_changed", "statement", "statement", Str(x.statement), Str(y.statement));
  }

  void Cookies() {
    Match(
        b_.cookies, a_.cookies, [](const Cookie& c) { return c.id; },
        [&](const std::string& id, const Cookie& c) {
          Add("cookie_removed", id, Str(c.description), false);
        },
        [&](const std::string& id, const Cookie& c) {
          Add("cookie_added", id,
              std::string(c.essential ? "essential" : "optional") + ", purpose " + Str(c.purpose),
              c.essential);
        },
        [&](const std::string& id, const Cookie& x, const Cookie& y) {
          const std::string k = "cookie_changed";
          Field(k, id, "purpose", Str(x.purpose), Str(y.purpose));
          Field(k, id, "description", Str(x.description), Str(y.description));
          Flag(k, id, "essential", x.essential, y.essential, Worse::kTurnedOn);
        });
  }

  void Channels() {
    Match(
        b_.marketing_channels, a_.marketing_channels,
        [](const MarketingChannel& m) { return m.id; },
        [&](const std::string& id, const MarketingChannel& m) {
          Add("channel_removed", id, "purpose " + Str(m.purpose), false);
        },
        [&](const std::string& id, const MarketingChannel& m) {
          Add("channel_added", id,
              std::string(m.opt_in ? "opt-in" : "opt-out") + ", purpose " + Str(m.purpose),
              !m.opt_in || !m.unsubscribe_link);
        },
        [&](const std::string& id, const MarketingChannel& x, const MarketingChannel& y) {
          const std::string k = "channel_changed";
          Field(k, id, "purpose", Str(x.purpose), Str(y.purpose));
          Flag(k, id, "opt_in", x.opt_in, y.opt_in, Worse::kTurnedOff);
          Flag(k, id, "unsubscribe_link", x.unsubscribe_link, y.unsubscribe_link,
               Worse::kTurnedOff);
        });
  }

  void Breach() {
    const BreachPolicy& x = b_.breach;
    const BreachPolicy& y = a_.breach;
    const std::string k = "breach_changed";
    Flag(k, "breach", "notify_subjects", x.notify_subjects, y.notify_subjects, Worse::kTurnedOff);
    List(k, "breach", "channels", x.channels, y.channels, Worse::kRemoved);
    Field(k, "breach", "threshold", Str(x.threshold), Str(y.threshold));
    Length(k, "breach", "authority_within", x.authority_within, y.authority_within, Worse::kLonger,
           kForever);
    Length(k, "breach", "subjects_within", x.subjects_within, y.subjects_within, Worse::kLonger,
           kForever);
  }

  void ChangeNotice() {
    const ChangePolicy& x = b_.changes;
    const ChangePolicy& y = a_.changes;
    const std::string k = "change_notice_changed";
    List(k, "changes", "notify", x.notify, y.notify, Worse::kRemoved);
    Length(k, "changes", "advance_notice", x.advance_notice, y.advance_notice, Worse::kShorter, 0);
    Flag(k, "changes", "material_change_requires_consent", x.material_change_requires_consent,
         y.material_change_requires_consent, Worse::kTurnedOff);
    Length(k, "changes", "opt_out_window", x.opt_out_window, y.opt_out_window, Worse::kShorter, 0);
  }

  void Automatic() {
    const auto& x = b_.automatic_collection;
    const auto& y = a_.automatic_collection;
    if (!x && !y) return;
    if (!y) {
      Add("automatic_collection_removed", "automatic_collection", "no longer collected", false);
      return;
    }
    if (!x) {
      Add("automatic_collection_added", "automatic_collection", "fields " + Join(y->fields), true);
      return;
    }
    const std::string k = "automatic_collection_changed";
    const std::string s = "automatic_collection";
    List(k, s, "fields", x->fields, y->fields, Worse::kAdded);
    List(k, s, "purposes", x->purposes, y->purposes, Worse::kAdded);
    List(k, s, "drop_fields", x->drop_fields, y->drop_fields, Worse::kRemoved);
    Number(k, s, "min_group_size", x->min_group_size, y->min_group_size, Worse::kLower);
    Length(k, s, "retention", x->retention, y->retention, Worse::kLonger, kForever);
  }

  const Policy& b_;
  const Policy& a_;
  std::vector<PolicyChange> out_;
};

}  // namespace

std::vector<PolicyChange> DiffPolicies(const Policy& before, const Policy& after) {
  return Differ(before, after).Run();
}

std::string FormatPolicyChanges(const std::vector<PolicyChange>& changes) {
  if (changes.empty()) return "No changes.\n";
  std::string out;
  auto one_line = [](std::string s) {
    for (char& c : s) {
      if (c == '\n' || c == '\r') c = ' ';
    }
    return s;
  };
  for (const PolicyChange& c : changes) {
    out += c.material ? "MATERIAL " : "         ";
    out += one_line(c.kind);
    if (!c.subject.empty()) out += " " + one_line(c.subject);
    if (!c.detail.empty()) out += ": " + one_line(c.detail);
    out += '\n';
  }
  return out;
}

}  // namespace privet
