// The breach register, who a breach affected, and what they are told (CN15; privet/breach.h).
//
// Who is affected is computed from two sources: the field metadata (which subjects held data
// in the breached categories by the end of the window) and, when the report names principals or
// API keys, the audit log (whose data in those categories they read in the window: every read
// decision names its principal and key). Who was found is recorded with the breach
// (pseudonymous ids and category codes, in a row of its own written once), so that the notices
// resume from exactly that list after a crash, whatever the data or the policy became meanwhile.
//
// The notices are queued as policy-change notices are (policy_versions.cc): after the commit
// that records the breach, in commits of kBreachNoticeBatch that each record how far they got in
// the breach's row.
#include <string.h>  // memmem

#include <algorithm>
#include <array>
#include <climits>
#include <cstdint>
#include <map>
#include <nlohmann/json.hpp>

#include "common/unix_time.h"
#include "privet/webhook_events.h"
#include "vault/vault_impl.h"

namespace privet {
namespace {

constexpr std::string_view kTopic = "breach_notice";
// Audit entries per store read: larger pages cost fewer calls, but each holds the store's writer
// lock while it copies its rows (16,384 entries of ~300 bytes: a few milliseconds).
constexpr uint64_t kAuditPage = 16384;

bool Lists(const std::vector<std::string>& list, std::string_view item) {
  return std::find(list.begin(), list.end(), item) != list.end();
}

nlohmann::json TimeJson(const std::optional<Time>& t) {
  return t ? nlohmann::json(ToUnix(*t)) : nlohmann::json(nullptr);
}

std::optional<Time> TimeFrom(const nlohmann::json& j, const char* key) {
  const auto it = j.find(key);
  if (it == j.end() || !it->is_number_integer()) return std::nullopt;
  return FromUnix(it->get<int64_t>());
}

// The row's document: everything but the columns the store keeps apart. The audit log's size
// when the breach was recorded bounds the evidence a resume looks at again.
std::string Document(const Breach& b, uint64_t audit_end,
                     const std::vector<std::vector<std::string>>& combos) {
  const BreachReport& r = b.report;
  const nlohmann::json doc = {{"what", r.what},
                              {"started_at", ToUnix(r.started_at)},
                              {"ended_at", TimeJson(r.ended_at)},
                              {"aware_at", ToUnix(r.aware_at)},
                              {"categories", r.categories},
                              {"systems", r.systems},
                              {"api_keys", r.api_keys},
                              {"principals", r.principals},
                              {"risk", BreachRiskName(r.risk)},
                              {"measures", r.measures},
                              {"recorded_by", b.recorded_by},
                              {"read_evidence", b.read_evidence},
                              {"subjects_affected", b.subjects_affected},
                              {"subjects_with_data", b.subjects_with_data},
                              {"threshold_met", b.threshold_met},
                              {"subjects_notified", b.subjects_notified},
                              {"website_notice", b.website_notice},
                              {"subjects_due", TimeJson(b.subjects_due)},
                              {"authority_due", TimeJson(b.authority_due)},
                              {"authority_notified_at", TimeJson(b.authority_notified_at)},
                              {"audit_end", audit_end},
                              {"combos", combos}};
  return doc.dump();
}

// What a breach's document keeps for the vault alone.
struct Stored {
  uint64_t audit_end = 0;                        // the audit log's size when it was recorded
  std::vector<std::vector<std::string>> combos;  // AffectedList::combos
};

store::BreachRecord ToRecord(const Breach& b, const Stored& stored, uint64_t notices_through) {
  return {.id = b.id,
          .recorded_at = ToUnix(b.recorded_at),
          .document = Document(b, stored.audit_end, stored.combos),
          .notices_pending = b.notices_pending,
          .notices_through = notices_through};
}

// A stored breach, with what its document keeps for the vault alone.
std::pair<Breach, Stored> FromRecord(const store::BreachRecord& row) {
  Breach b{.id = row.id, .recorded_at = FromUnix(row.recorded_at)};
  b.notices_pending = row.notices_pending;
  const nlohmann::json doc = nlohmann::json::parse(row.document, nullptr, false);
  if (!doc.is_object()) return {b, {}};
  BreachReport& r = b.report;
  r.what = doc.value("what", "");
  r.started_at = TimeFrom(doc, "started_at").value_or(Time{});
  r.ended_at = TimeFrom(doc, "ended_at");
  r.aware_at = TimeFrom(doc, "aware_at").value_or(Time{});
  r.categories = doc.value("categories", std::vector<std::string>{});
  r.systems = doc.value("systems", std::vector<std::string>{});
  r.api_keys = doc.value("api_keys", std::vector<std::string>{});
  r.principals = doc.value("principals", std::vector<std::string>{});
  r.risk = ParseBreachRisk(doc.value("risk", "")).value_or(BreachRisk::kHighRisk);
  r.measures = doc.value("measures", "");
  b.recorded_by = doc.value("recorded_by", "");
  b.read_evidence = doc.value("read_evidence", false);
  b.subjects_affected = doc.value("subjects_affected", uint64_t{0});
  b.subjects_with_data = doc.value("subjects_with_data", uint64_t{0});
  b.threshold_met = doc.value("threshold_met", false);
  b.subjects_notified = doc.value("subjects_notified", uint64_t{0});
  b.website_notice = doc.value("website_notice", false);
  b.subjects_due = TimeFrom(doc, "subjects_due");
  b.authority_due = TimeFrom(doc, "authority_due");
  b.authority_notified_at = TimeFrom(doc, "authority_notified_at");
  Stored stored{.audit_end = doc.value("audit_end", uint64_t{0})};
  const auto combos = doc.find("combos");
  if (combos != doc.end() && combos->is_array()) {
    for (const nlohmann::json& c : *combos) {
      std::vector<std::string>& ids = stored.combos.emplace_back();
      if (!c.is_array()) continue;
      for (const nlohmann::json& id : c)
        if (id.is_string()) ids.push_back(id.get<std::string>());
    }
  }
  return {b, std::move(stored)};
}

// The affected list's bytes: per subject, its id (8 bytes) and its combination of categories
// (2 bytes), little-endian, ascending ids.
constexpr size_t kAffectedEntry = 10;

std::string EncodeAffected(const std::vector<std::pair<uint64_t, uint16_t>>& subjects) {
  std::string out(subjects.size() * kAffectedEntry, '\0');
  for (size_t i = 0; i < subjects.size(); ++i) {
    char* at = out.data() + i * kAffectedEntry;
    for (int k = 0; k < 8; ++k) at[k] = static_cast<char>(subjects[i].first >> (8 * k));
    at[8] = static_cast<char>(subjects[i].second & 0xff);
    at[9] = static_cast<char>(subjects[i].second >> 8);
  }
  return out;
}

std::vector<std::pair<uint64_t, uint16_t>> DecodeAffected(std::string_view bytes) {
  std::vector<std::pair<uint64_t, uint16_t>> out(bytes.size() / kAffectedEntry);
  for (size_t i = 0; i < out.size(); ++i) {
    const auto* at = reinterpret_cast<const unsigned char*>(bytes.data() + i * kAffectedEntry);
    uint64_t id = 0;
    for (int k = 0; k < 8; ++k) id |= uint64_t{at[k]} << (8 * k);
    out[i] = {id, static_cast<uint16_t>(at[8] | (at[9] << 8))};
  }
  return out;
}

// `t` + `d`: hours exactly (the 72 hours of GDPR Art. 33), longer periods on the calendar at the
// same time of day.
Time After(Time t, Duration d) {
  if (d.unit == TimeUnit::kHours) return t + std::chrono::hours(d.count);
  const CivilDay day = CivilDayOf(t);
  return CivilDayToTime(AddPeriod(day, d)) + (t - CivilDayToTime(day));
}

// Checks a report against the policy and the clock: InvalidArgument naming the field.
Status CheckReport(const BreachReport& r, const CompiledPolicy& policy, Time now) {
  if (r.what.empty()) return InvalidArgument("must say what happened", "what");
  if (r.ended_at && *r.ended_at < r.started_at)
    return InvalidArgument("must not be before started_at", "ended_at");
  if (r.ended_at && *r.ended_at > now) return InvalidArgument("is in the future", "ended_at");
  if (r.started_at > now) return InvalidArgument("is in the future", "started_at");
  if (r.aware_at > now) return InvalidArgument("is in the future", "aware_at");
  if (r.aware_at < r.started_at)
    return InvalidArgument("must not be before started_at", "aware_at");
  if (!policy.Categories(r.categories).ok())
    return InvalidArgument("names a category the policy does not declare", "categories");
  for (const std::string& key : r.api_keys) {
    if (!ParseApiKeyId(key))
      return InvalidArgument("must be API key ids (16 hex digits)", "api_keys");
  }
  for (const std::string& p : r.principals) {
    // Not "subject": it names every data subject's own session, not one account.
    if (!ParsePrincipal(policy, p).ok())
      return InvalidArgument("must be principals as API keys name them", "principals");
  }
  return Status::Ok();
}

// The time an audit entry records, read from its canonical bytes without parsing them:
// `{"event":"<name>","at":<seconds>,...`. nullopt when the entry is not of `event`.
std::optional<int64_t> EntryTime(std::string_view entry, std::string_view prefix) {
  if (entry.substr(0, prefix.size()) != prefix) return std::nullopt;
  entry.remove_prefix(prefix.size());
  int64_t at = 0;
  bool negative = false;
  size_t i = 0;
  if (i < entry.size() && entry[i] == '-') {
    negative = true;
    ++i;
  }
  const size_t digits = i;
  for (; i < entry.size() && entry[i] >= '0' && entry[i] <= '9'; ++i) {
    if (i - digits == 18) return std::nullopt;  // not a time the log writes (nor fits int64)
    at = at * 10 + (entry[i] - '0');
  }
  if (i == digits) return std::nullopt;
  return negative ? -at : at;
}

// What a breach needs of a read decision, read from its canonical bytes without parsing them.
struct DecisionFacts {
  uint64_t subject_id = 0;
  std::string_view principal, key, action;
  std::vector<std::string_view> categories;
};

// A cursor over canonical bytes in the one form SerializeAuditEntry writes when no string needs
// escaping. Each step either matches exactly or fails.
class CanonicalReader {
 public:
  explicit CanonicalReader(std::string_view bytes) : rest_(bytes) {}
  bool Literal(std::string_view text) {
    if (rest_.substr(0, text.size()) != text) return false;
    rest_.remove_prefix(text.size());
    return true;
  }
  // A JSON integer (no leading zero, no sign unless `negative_ok`) of at most `max_digits`
  // digits, so that it fits the type the full parser reads it into.
  std::optional<int64_t> Integer(size_t max_digits, bool negative_ok) {
    const bool negative = negative_ok && Literal("-");
    size_t n = 0;
    int64_t value = 0;
    for (; n < rest_.size() && rest_[n] >= '0' && rest_[n] <= '9'; ++n) {
      if (n == max_digits) return std::nullopt;
      value = value * 10 + (rest_[n] - '0');
    }
    if (n == 0 || (n > 1 && rest_[0] == '0')) return std::nullopt;
    if (negative && value == 0) return std::nullopt;  // "-0": never written
    rest_.remove_prefix(n);
    return negative ? -value : value;
  }
  std::optional<uint64_t> Unsigned() {  // up to 19 digits: below 2^64
    size_t n = 0;
    uint64_t value = 0;
    for (; n < rest_.size() && rest_[n] >= '0' && rest_[n] <= '9'; ++n) {
      if (n == 19) return std::nullopt;
      value = value * 10 + static_cast<uint64_t>(rest_[n] - '0');
    }
    if (n == 0 || (n > 1 && rest_[0] == '0')) return std::nullopt;
    rest_.remove_prefix(n);
    return value;
  }
  // A quoted string of printable ASCII without a quote or backslash: what JSON reads unchanged.
  std::optional<std::string_view> String() {
    if (!Literal("\"")) return std::nullopt;
    size_t n = 0;
    for (; n < rest_.size() && rest_[n] != '"'; ++n) {
      const auto c = static_cast<unsigned char>(rest_[n]);
      if (c < 0x20 || c > 0x7e || c == '\\') return std::nullopt;
    }
    if (n == rest_.size()) return std::nullopt;
    const std::string_view out = rest_.substr(0, n);
    rest_.remove_prefix(n + 1);
    return out;
  }
  bool Strings(std::vector<std::string_view>* out) {
    if (!Literal("[")) return false;
    if (Literal("]")) return true;
    do {
      const std::optional<std::string_view> item = String();
      if (!item) return false;
      if (out) out->push_back(*item);
    } while (Literal(","));
    return Literal("]");
  }
  bool AtEnd() const { return rest_.empty(); }

 private:
  std::string_view rest_;
};

// The facts of a decision entry whose bytes are exactly in the canonical form, keys in order and
// strings unescaped (every entry the vault writes); nullopt for any other bytes, which
// ParseAuditEntry then judges. Whatever this accepts, ParseAuditEntry accepts too with the same
// values: the same twelve or thirteen keys, a non-empty key when present, integers in the range
// it checks (the time in UnixTimeInRange, the subject below 2^64, the policy version an int),
// strings that JSON reads as they stand. It is a shortcut, never a second opinion.
std::optional<DecisionFacts> ReadDecision(std::string_view entry, std::string_view prefix) {
  CanonicalReader r(entry);
  DecisionFacts f;
  if (!r.Literal(prefix)) return std::nullopt;
  const std::optional<int64_t> at = r.Integer(18, /*negative_ok=*/true);
  if (!at || !UnixTimeInRange(*at) || !r.Literal(",\"subject\":")) return std::nullopt;
  const std::optional<uint64_t> subject = r.Unsigned();
  if (!subject || !r.Literal(",\"principal\":")) return std::nullopt;
  f.subject_id = *subject;
  std::optional<std::string_view> text = r.String();
  if (!text) return std::nullopt;
  f.principal = *text;
  if (r.Literal(",\"key\":")) {
    if (!(text = r.String()) || text->empty()) return std::nullopt;
    f.key = *text;
  }
  if (!r.Literal(",\"action\":") || !(text = r.String())) return std::nullopt;
  f.action = *text;
  if (!r.Literal(",\"purpose\":") || !r.String() || !r.Literal(",\"categories\":") ||
      !r.Strings(&f.categories) || !r.Literal(",\"outcome\":") || !r.String() ||
      !r.Literal(",\"basis\":") || !r.String() || !r.Literal(",\"withheld\":") ||
      !r.Strings(nullptr) || !r.Literal(",\"detail\":") || !r.String() ||
      !r.Literal(",\"policy_version\":") || !r.Integer(9, /*negative_ok=*/true) ||
      !r.Literal("}") || !r.AtEnd())
    return std::nullopt;
  return f;
}

// Sorts by subject (the notices resume from a subject id) and merges each subject's pairs into
// one. Cheap when already in order, as the field scan usually delivers them.
void SortBySubject(std::vector<std::pair<uint64_t, CategorySet>>& subjects) {
  auto by_subject = [](const auto& x, const auto& y) { return x.first < y.first; };
  if (!std::is_sorted(subjects.begin(), subjects.end(), by_subject))
    std::sort(subjects.begin(), subjects.end(), by_subject);
  size_t kept = 0;
  for (size_t i = 0; i < subjects.size(); ++i) {
    if (kept > 0 && subjects[kept - 1].first == subjects[i].first) {
      subjects[kept - 1].second |= subjects[i].second;
    } else {
      subjects[kept++] = subjects[i];
    }
  }
  subjects.resize(kept);
}

}  // namespace

StatusOr<Vault::Impl::Affected> Vault::Impl::FindAffected(const Breach& b, uint64_t audit_end) {
  const CompiledPolicy& policy = *policy_;
  CategorySet breached;
  if (b.report.categories.empty()) {
    for (int c = 0; c < policy.category_count(); ++c) breached.Set(static_cast<CategoryId>(c));
  } else {
    PRIVET_ASSIGN_OR_RETURN(breached, policy.Categories(b.report.categories));
  }
  const int64_t start = ToUnix(b.report.started_at);
  const int64_t end = ToUnix(b.report.ended_at.value_or(b.recorded_at));
  using SubjectCategories = std::vector<std::pair<uint64_t, CategorySet>>;

  // Everyone who held data in the breached categories by the end of the window. The scan groups
  // each subject's fields together, so a subject is merged with the one before it, not looked up
  // in a map (a million subjects: no hashing, no allocation each).
  SubjectCategories with_data;
  std::string last_category;  // most fields share a few categories: look each run up once
  std::optional<CategoryId> last_id;
  PRIVET_RETURN_IF_ERROR(data_->ScanFieldMetadata([&](const store::FieldMetadata& f) {
    if (f.collected_at > end) return true;
    if (f.category != last_category) {
      last_category = f.category;
      last_id = policy.FindCategory(f.category);
    }
    if (!last_id || !breached.Test(*last_id)) return true;
    if (with_data.empty() || with_data.back().first != f.subject_id)
      with_data.push_back({f.subject_id, CategorySet{}});
    with_data.back().second.Set(*last_id);
    return true;
  }));
  SortBySubject(with_data);
  Affected out{.with_data = with_data.size()};

  SubjectCategories read;
  if (b.read_evidence) {
    // The needles each involved principal or key leaves in an entry's canonical bytes.
    std::vector<std::string> needles;
    for (const std::string& p : b.report.principals)
      needles.push_back("\"principal\":\"" + p + "\",");
    for (const std::string& k : b.report.api_keys) needles.push_back("\"key\":\"" + k + "\",");
    const std::string prefix =
        "{\"event\":\"" + std::string(AuditEventName(AuditEvent::kDecision)) + "\",\"at\":";
    // memmem (two-way) rather than std::string::find, which compares at every '"' of the entry.
    auto contains = [](std::string_view entry, const std::string& needle) {
      return memmem(entry.data(), entry.size(), needle.data(), needle.size()) != nullptr;
    };
    // Only the blocks of the log whose times reach into the window: the rest hold no entry
    // the time check below would let through.
    for (const auto& [first, last] : audit_->TimesCovering(start, end, audit_end)) {
      for (uint64_t next = first; next < last;) {
        PRIVET_ASSIGN_OR_RETURN(std::vector<store::AuditRecord> page,
                                data_->GetAuditEntries(next, std::min(kAuditPage, last - next)));
        if (page.empty()) break;
        next += page.size();
        for (const store::AuditRecord& row : page) {
          const std::optional<int64_t> at = EntryTime(row.entry, prefix);
          if (!at || *at < start || *at > end) continue;
          if (std::none_of(needles.begin(), needles.end(),
                           [&](const std::string& n) { return contains(row.entry, n); }))
            continue;
          // The canonical bytes read in place; anything else through the full parse.
          std::optional<DecisionFacts> facts = ReadDecision(row.entry, prefix);
          std::optional<AuditEntry> parsed;  // what `facts` points into, when parsed
          if (!facts) {
            StatusOr<AuditEntry> full = ParseAuditEntry(row.entry);
            if (!full.ok()) continue;
            parsed = std::move(*full);
            facts =
                DecisionFacts{.subject_id = parsed->subject_id,
                              .principal = parsed->principal,
                              .key = parsed->key,
                              .action = parsed->action,
                              .categories = {parsed->categories.begin(), parsed->categories.end()}};
          }
          // A read, or a rights request's export (RequestDesk::Fulfil) carried out by it.
          if ((facts->action != "read" && facts->action != "export") || facts->subject_id == 0)
            continue;
          // The needle may have matched inside another key's text: check the fields themselves.
          if (!Lists(b.report.principals, facts->principal) &&
              !Lists(b.report.api_keys, facts->key))
            continue;
          CategorySet released;
          for (std::string_view category : facts->categories) {
            const std::optional<CategoryId> c = policy.FindCategory(category);
            if (c && breached.Test(*c)) released.Set(*c);
          }
          if (released.Any()) read.push_back({facts->subject_id, released});
        }
      }
    }
  }
  if (b.read_evidence) SortBySubject(read);
  out.subjects = std::move(b.read_evidence ? read : with_data);
  return out;
}

StatusOr<Breach> Vault::Impl::RecordBreach(const BreachReport& report) {
  MutexLock recording(&breach_mu_);
  const Time now = clock_.Now();
  PRIVET_RETURN_IF_ERROR(CheckReport(report, *policy_, now));
  const BreachPolicy& rules = policy_->policy().breach;
  Breach b{.id = ids_.Next(), .report = report, .recorded_at = now};
  b.recorded_by = PrincipalText(*policy_, report.by);
  b.read_evidence = !report.api_keys.empty() || !report.principals.empty();
  const std::optional<BreachRisk> threshold = BreachThresholdRisk(rules.threshold);
  b.threshold_met = threshold && report.risk >= *threshold;
  b.website_notice = b.threshold_met && rules.notify_subjects && Lists(rules.channels, "website");
  if (rules.authority_within) b.authority_due = After(report.aware_at, *rules.authority_within);
  b.notices_pending = b.threshold_met && rules.notify_subjects && Lists(rules.channels, "email");
  if (rules.subjects_within && b.notices_pending)
    b.subjects_due = After(report.aware_at, *rules.subjects_within);

  // Reads whose decisions are still buffered count: commit them first.
  store::WriteBatch flush;
  PRIVET_RETURN_IF_ERROR(Commit(flush, {}));
  const uint64_t audit_end = AuditSize();
  PRIVET_ASSIGN_OR_RETURN(Affected found, FindAffected(b, audit_end));
  b.subjects_affected = found.subjects.size();
  b.subjects_with_data = found.with_data;
  // Each subject with its combination of categories; the combinations named by category id.
  AffectedList affected;
  affected.subjects.reserve(found.subjects.size());
  std::map<std::array<uint64_t, CategorySet::kWords>, uint16_t> combo_index;
  for (const auto& [subject, categories] : found.subjects) {
    if (combo_index.size() > UINT16_MAX)
      return Status(StatusCode::kResourceExhausted, "too many combinations of categories");
    auto [it, added] =
        combo_index.try_emplace(categories.words(), static_cast<uint16_t>(affected.combos.size()));
    if (added) {
      std::vector<std::string>& ids = affected.combos.emplace_back();
      for (int c = 0; c < policy_->category_count(); ++c)
        if (categories.Test(c)) ids.push_back(policy_->category(static_cast<CategoryId>(c)).id);
    }
    affected.subjects.emplace_back(subject, it->second);
  }
  const Stored stored{.audit_end = audit_end, .combos = affected.combos};

  store::BreachRecord record = ToRecord(b, stored, 0);
  store::WriteBatch batch;
  batch.PutBreach(record);
  batch.PutBreachAffected(b.id, EncodeAffected(affected.subjects));
  AuditEntry entry = Audit(AuditEvent::kBreach, report.by, 0);
  entry.action = "record";
  entry.categories = report.categories;
  entry.detail = "breach:" + std::to_string(b.id) +
                 ";risk:" + std::string(BreachRiskName(report.risk)) +
                 ";affected:" + std::to_string(b.subjects_affected) +
                 ";threshold_met:" + (b.threshold_met ? "true" : "false");
  // Downstream systems learn of it with the record (counts and codes, nobody named).
  const nlohmann::json event = {
      {"breach_id", std::to_string(b.id)},
      {"risk", BreachRiskName(report.risk)},
      {"categories", report.categories},
      {"started_at", Rfc3339(report.started_at)},
      {"aware_at", Rfc3339(report.aware_at)},
      {"subjects_affected", b.subjects_affected},
      {"threshold_met", b.threshold_met},
      {"subjects_to_notify", b.notices_pending ? b.subjects_affected : 0},
      {"authority_due", b.authority_due ? Rfc3339(*b.authority_due) : ""}};
  AddWebhookEvent(batch, webhook_event::kBreachRecorded, 0, event.dump());
  Status committed = Commit(batch, {entry});
  ForgetBreaches();
  PRIVET_RETURN_IF_ERROR(committed);
  // Recorded: from here on a failure leaves notices_pending in the register (and in the answer),
  // for the next open, breach or delivery pass to finish; it does not undo the record.
  if (b.notices_pending) (void)QueueBreachNotices(b, record, affected);
  // The notices of an earlier breach that a failure interrupted go out now too.
  (void)ResumeBreachNoticesLocked();
  return b;
}

Status Vault::Impl::QueueBreachNotices(Breach& b, store::BreachRecord& record,
                                       const AffectedList& affected) {
  const Policy& p = policy_->policy();
  const std::string contact = !p.contact.email.empty() ? p.contact.email : p.contact.web_form;
  const std::string ended =
      b.report.ended_at ? Rfc3339(*b.report.ended_at) : "not yet: it was still going on when found";
  auto next = std::upper_bound(
      affected.subjects.begin(), affected.subjects.end(), record.notices_through,
      [](uint64_t through, const auto& subject) { return through < subject.first; });
  while (b.notices_pending) {
    store::WriteBatch batch;
    uint64_t queued = 0;
    uint64_t through = record.notices_through;
    for (size_t n = 0; n < Vault::kBreachNoticeBatch && next != affected.subjects.end();
         ++n, ++next) {
      const auto& [subject, combo] = *next;
      through = subject;
      std::string concerned;
      if (combo < affected.combos.size()) {
        for (const std::string& id : affected.combos[combo]) {
          // In the words of the policy in force (the id, if it no longer has the category).
          const std::optional<CategoryId> c = policy_->FindCategory(id);
          const std::string& description = c ? policy_->category(*c).description : id;
          if (!concerned.empty()) concerned += ", ";
          concerned += description.empty() ? id : description;
        }
      }
      const nlohmann::json body = {{"breach_id", std::to_string(b.id)},
                                   {"organization", p.organization},
                                   {"what", b.report.what},
                                   {"started_at", Rfc3339(b.report.started_at)},
                                   {"ended_at", ended},
                                   {"categories", concerned},
                                   {"measures", b.report.measures},
                                   {"contact", contact}};
      StatusOr<std::string> sealed = Seal(subject, OutboxContext(kTopic), body.dump());
      if (!sealed.ok()) {
        // Erased since (nobody to tell), or a key that cannot be read (nothing can be sealed
        // for them: their data is lost to everyone, the breach's included).
        const StatusCode code = sealed.status().code();
        if (code == StatusCode::kNotFound || code == StatusCode::kDataLoss) continue;
        return sealed.status();
      }
      batch.AppendOutbox({.subject_id = subject,
                          .topic = std::string(kTopic),
                          .sealed_body = std::move(*sealed),
                          .created_at = ToUnix(clock_.Now())});
      ++queued;
    }
    const bool done = next == affected.subjects.end();
    Breach updated = b;
    updated.subjects_notified += queued;
    updated.notices_pending = !done;
    store::BreachRecord progress = ToRecord(updated, FromRecord(record).second, through);
    batch.PutBreach(progress);
    AuditEntry entry = Audit(AuditEvent::kBreach, Principal::Service(), 0);
    entry.action = "notify";
    entry.detail = "breach:" + std::to_string(b.id) + ";messages:" + std::to_string(queued);
    // A subject erased between the seal and the commit fails it (its rows are gone): the next
    // open resumes from the last progress, sealing for those still there.
    Status committed = Commit(batch, {entry});
    ForgetBreaches();
    PRIVET_RETURN_IF_ERROR(committed);
    b = std::move(updated);
    record = std::move(progress);
  }
  return Status::Ok();
}

Status Vault::Impl::ResumeBreachNotices() {
  // The cached register says whether there is anything to do: a delivery pass asks every time.
  PRIVET_ASSIGN_OR_RETURN(std::vector<Breach> breaches, Breaches());
  if (std::none_of(breaches.begin(), breaches.end(),
                   [](const Breach& b) { return b.notices_pending; }))
    return Status::Ok();
  MutexLock recording(&breach_mu_);
  return ResumeBreachNoticesLocked();
}

Status Vault::Impl::ResumeBreachNoticesLocked() {
  PRIVET_ASSIGN_OR_RETURN(std::vector<store::BreachRecord> rows, data_->GetBreaches());
  for (store::BreachRecord& row : rows) {
    if (!row.notices_pending) continue;
    auto [b, stored] = FromRecord(row);
    PRIVET_ASSIGN_OR_RETURN(std::string bytes, data_->GetBreachAffected(b.id));
    const AffectedList affected{.subjects = DecodeAffected(bytes), .combos = stored.combos};
    PRIVET_RETURN_IF_ERROR(QueueBreachNotices(b, row, affected));
  }
  return Status::Ok();
}

StatusOr<std::vector<Breach>> Vault::Impl::Breaches() {
  MutexLock lock(&breaches_mu_);
  if (!breaches_) {
    PRIVET_ASSIGN_OR_RETURN(std::vector<store::BreachRecord> rows, data_->GetBreaches());
    std::vector<Breach> out;
    out.reserve(rows.size());
    for (const store::BreachRecord& row : rows) out.push_back(FromRecord(row).first);
    std::sort(out.begin(), out.end(), [](const Breach& x, const Breach& y) {
      return x.recorded_at != y.recorded_at ? x.recorded_at < y.recorded_at : x.id < y.id;
    });
    breaches_ = std::move(out);
  }
  return *breaches_;
}

StatusOr<Breach> Vault::Impl::RecordAuthorityNotified(uint64_t id, Time at, const Principal& by) {
  MutexLock recording(&breach_mu_);
  if (at > clock_.Now()) return InvalidArgument("is in the future", "at");
  PRIVET_ASSIGN_OR_RETURN(std::vector<store::BreachRecord> rows, data_->GetBreaches());
  for (const store::BreachRecord& row : rows) {
    if (row.id != id) continue;
    auto [b, stored] = FromRecord(row);
    if (at < b.report.aware_at) return InvalidArgument("is before aware_at", "at");
    if (b.authority_notified_at) {
      return FailedPrecondition(
          "the authority was told of this breach at " + Rfc3339(*b.authority_notified_at), "at");
    }
    b.authority_notified_at = at;
    store::WriteBatch batch;
    batch.PutBreach(ToRecord(b, stored, row.notices_through));
    AuditEntry entry = Audit(AuditEvent::kBreach, by, 0);
    entry.action = "authority_notified";
    entry.detail = "breach:" + std::to_string(id);
    Status committed = Commit(batch, {entry});
    ForgetBreaches();
    PRIVET_RETURN_IF_ERROR(committed);
    return b;
  }
  return Status(StatusCode::kNotFound, "no such breach", "breach_id");
}

}  // namespace privet
