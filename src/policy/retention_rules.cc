#include "policy/retention_rules.h"

#include <algorithm>
#include <chrono>

#include "common/unix_time.h"

namespace privet::retention_internal {

int64_t AddDuration(int64_t at, Duration d) {
  const int64_t day = 86400;
  switch (d.unit) {
    case TimeUnit::kHours:
      return at + d.count * int64_t{3600};
    case TimeUnit::kDays:
      return at + d.count * day;
    case TimeUnit::kWeeks:
      return at + d.count * int64_t{7} * day;
    case TimeUnit::kMonths:
    case TimeUnit::kYears:
    case TimeUnit::kBusinessDays: {
      // Calendar units move the date and keep the time of day.
      const CivilDay start = CivilDayOf(FromUnix(at));
      const int64_t time_of_day = at - ToUnix(CivilDayToTime(start));
      const CivilDay end = AddPeriod(start, d);
      return ToUnix(CivilDayToTime(end)) + time_of_day;
    }
  }
  return at;
}

RuleSet::RuleSet(const CompiledPolicy& policy) : policy_(policy) {
  for (const RetentionRule& r : policy.policy().retention) {
    Compiled c{.rule = &r};
    if (r.categories.empty()) {
      for (int i = 0; i < policy.category_count(); ++i) c.categories.Set(i);
    } else if (StatusOr<CategorySet> set = policy.Categories(r.categories); set.ok()) {
      c.categories = *set;
    }
    if (r.purposes.empty()) {
      for (int i = 0; i < policy.purpose_count(); ++i) c.purposes.Set(i);
    } else {
      for (const std::string& p : r.purposes) {
        if (std::optional<PurposeId> id = policy.FindPurpose(p))
          c.purposes |= policy.purpose(*id).self_and_descendants;
      }
    }
    if (!r.unless_consent.empty()) c.unless_consent = policy.FindPurpose(r.unless_consent);
    rules_.push_back(c);
  }
}

std::optional<int64_t> RuleSet::EndOf(const Compiled& c, int64_t collected_at,
                                      const SubjectFacts& subject) const {
  if (!c.rule->anchor) return std::nullopt;
  int64_t anchor = 0;
  switch (*c.rule->anchor) {
    case AnchorEvent::kCollection:
      anchor = collected_at;
      break;
    case AnchorEvent::kLastActivity:
      anchor = subject.last_activity;
      break;
    default: {
      auto it = subject.events.find(std::string(AnchorEventName(*c.rule->anchor)));
      if (it == subject.events.end()) return std::nullopt;
      anchor = it->second;
      // The analysis covers what was collected before it; later data waits for the next one.
      if (*c.rule->anchor == AnchorEvent::kAnalysis && anchor < collected_at) return std::nullopt;
    }
  }
  return AddDuration(anchor, c.rule->duration);
}

Verdict RuleSet::Evaluate(const std::string& category, const std::vector<std::string>& purposes,
                          int64_t collected_at, const SubjectFacts& subject, int64_t now) const {
  Verdict v;
  std::optional<CategoryId> cat = policy_.FindCategory(category);
  PurposeSet field_purposes;
  for (const std::string& p : purposes) {
    if (std::optional<PurposeId> id = policy_.FindPurpose(p)) field_purposes.Set(*id);
  }
  std::vector<const RetentionRule*>& covering = v.covering;
  for (const Compiled& c : rules_) {
    const RetentionRule& r = *c.rule;
    if (!r.subject_kinds.empty() && std::find(r.subject_kinds.begin(), r.subject_kinds.end(),
                                              subject.kind) == r.subject_kinds.end())
      continue;
    if (!r.categories.empty() && (!cat || !c.categories.Test(*cat))) continue;
    if (!r.purposes.empty() && !field_purposes.Intersects(c.purposes)) continue;
    covering.push_back(&r);
    if (c.unless_consent && subject.consents.Test(*c.unless_consent)) continue;
    std::optional<int64_t> end = EndOf(c, collected_at, subject);
    if (r.legal_obligation) {
      // The law requires keeping it until the period is over (or, anchor unknown, for now).
      if (!end || *end > now) v.obligation = &r;
      continue;
    }
    if (!end) continue;
    if (!v.ends_at || *end < *v.ends_at) v.ends_at = end;
    if (*end <= now && (v.due == nullptr || *end <= *v.ends_at)) v.due = &r;
    if (*end <= now && CoversWholeSubject(r)) v.whole_due = &r;
  }
  for (const RetentionHold& h : subject.holds) {
    if (h.rule.empty() || std::any_of(covering.begin(), covering.end(),
                                      [&](const RetentionRule* r) { return r->id == h.rule; })) {
      v.hold = &h;
      break;
    }
  }
  return v;
}

}  // namespace privet::retention_internal
