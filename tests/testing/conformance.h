// Conformance test support: one fixture per reference company, loading that company's policy
// file from policies/ and asking the real decision engine (Decide, DecideDisclosure,
// SignalOptOuts) about it. Each suite derives from ConformanceTest and names its file:
//
//   class Confect : public privet::testing::ConformanceTest {
//    protected:
//     Confect() : ConformanceTest("policies/confect.yaml") {}
//   };
//   TEST_F(Confect, CF08_AuthorityGetsDataOnlyWithCourtOrder) {
//     EXPECT_THAT(Disclose("authorities", {"user.name"}, "security"),
//                 DeniedBecause(Reason::kMissingPrecondition));
//   }
//
// Lookups of ids the policy does not declare record a test failure (naming the id) and return a
// value the engine refuses, so a renamed purpose or category fails the test instead of passing
// vacuously.
#pragma once

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <functional>
#include <limits>
#include <memory>
#include <ostream>
#include <string>
#include <string_view>
#include <vector>

#include "privet/compiled_policy.h"
#include "privet/decision.h"
#include "privet/policy.h"
#include "testing/policy_fixture.h"

namespace privet {

// Readable failures: "Decision{denied: no_consent, basis: consent}".
inline void PrintTo(const Decision& d, std::ostream* os) {
  *os << "Decision{" << (d.allowed() ? "allowed" : "denied: ")
      << (d.allowed() ? "" : ReasonName(d.reason)) << ", basis: " << LegalBasisName(d.basis) << "}";
}

namespace testing {

// The decision allows the action and relies on `basis`.
MATCHER_P(AllowedUnder, basis, "is allowed under " + std::string(LegalBasisName(basis))) {
  if (!arg.allowed()) {
    *result_listener << "denied: " << ReasonName(arg.reason);
    return false;
  }
  if (arg.basis != basis) {
    *result_listener << "allowed, but under " << LegalBasisName(arg.basis);
    return false;
  }
  return true;
}

// The decision refuses the action for `reason`.
MATCHER_P(DeniedBecause, reason, "is denied: " + std::string(ReasonName(reason))) {
  if (arg.reason == reason) return true;
  *result_listener << (arg.allowed() ? "allowed"
                                     : "denied: " + std::string(ReasonName(arg.reason)));
  return false;
}

// A purpose id no policy declares: the engine answers kUnknownPurpose.
inline constexpr PurposeId kUndeclaredPurpose = std::numeric_limits<PurposeId>::max();
inline constexpr RecipientId kUndeclaredRecipient = std::numeric_limits<RecipientId>::max();

// A recipient to add to a copy of a policy: `kind`, receiving `categories` for `purposes`,
// located in `country`, with no DPA, transfer mechanism or preconditions.
inline Recipient NewRecipient(std::string id, RecipientKind kind, std::string country,
                              std::vector<std::string> categories,
                              std::vector<std::string> purposes) {
  Recipient r;
  r.id = id;
  r.name = std::move(id);
  r.kind = kind;
  r.country = std::move(country);
  r.categories = std::move(categories);
  r.purposes = std::move(purposes);
  return r;
}

class ConformanceTest : public ::testing::Test {
 protected:
  explicit ConformanceTest(std::string policy_file) : policy_file_(std::move(policy_file)) {}

  void SetUp() override {
    policy_ = CompileFile(policy_file_);
    ASSERT_NE(policy_, nullptr) << policy_file_ << " does not load";
  }

  const CompiledPolicy& compiled() const { return *policy_; }
  // The Policy model, as loaded from the file.
  const Policy& model() const { return policy_->policy(); }

  PurposeId P(std::string_view id) const {
    std::optional<PurposeId> p = policy_->FindPurpose(id);
    if (!p) ADD_FAILURE() << policy_file_ << " declares no purpose '" << id << "'";
    return p.value_or(kUndeclaredPurpose);
  }
  CategorySet C(const std::vector<std::string>& ids) const {
    StatusOr<CategorySet> set = policy_->Categories(ids);
    if (!set.ok()) ADD_FAILURE() << policy_file_ << ": " << set.status().ToString();
    return set.ok() ? *set : CategorySet();
  }
  Principal Staff(std::string_view role) const {
    std::optional<RoleId> r = policy_->FindRole(role);
    if (!r) ADD_FAILURE() << policy_file_ << " declares no role '" << role << "'";
    return Principal::Staff(r.value_or(std::numeric_limits<RoleId>::max()));
  }

  // Adds `purpose` to (removes it from) a subject's consents, opt-outs, objections, ...
  void Add(PurposeSet& set, std::string_view purpose) const {
    if (PurposeId id = P(purpose); id != kUndeclaredPurpose) set.Set(id);
  }
  void Remove(PurposeSet& set, std::string_view purpose) const {
    if (PurposeId id = P(purpose); id != kUndeclaredPurpose) set.Reset(id);
  }
  bool Includes(const PurposeSet& set, std::string_view purpose) const {
    PurposeId id = P(purpose);
    return id != kUndeclaredPurpose && set.Test(id);
  }

  // A subject of the controller's own (no organization, no tenant), with no choices recorded.
  static SubjectState Subject() {
    SubjectState s;
    s.subject_id = 1;
    return s;
  }
  // The same subject, having consented to each of `purposes`.
  SubjectState ConsentedTo(const std::vector<std::string_view>& purposes) const {
    SubjectState s = Subject();
    for (std::string_view p : purposes) Add(s.consents, p);
    return s;
  }
  // The same subject, having opted out of each of `purposes`.
  SubjectState OptedOutOf(const std::vector<std::string_view>& purposes) const {
    SubjectState s = Subject();
    for (std::string_view p : purposes) Add(s.opt_outs, p);
    return s;
  }

  Decision Read(const SubjectState& s, const std::vector<std::string>& categories,
                std::string_view purpose, const Principal& who = Principal::Service()) const {
    return Decide(*policy_, who, Action::kRead, s, C(categories), P(purpose));
  }
  Decision Write(const SubjectState& s, const std::vector<std::string>& categories,
                 std::string_view purpose, const Principal& who = Principal::Service()) const {
    return Decide(*policy_, who, Action::kWrite, s, C(categories), P(purpose));
  }
  Decision Disclose(std::string_view recipient, const std::vector<std::string>& categories,
                    std::string_view purpose, const std::vector<std::string>& evidence = {}) const {
    return DiscloseUnder(*policy_, recipient, categories, purpose, evidence);
  }
  // As Disclose, against another compiled form of the policy (e.g. a modified copy).
  Decision DiscloseUnder(const CompiledPolicy& policy, std::string_view recipient,
                         const std::vector<std::string>& categories, std::string_view purpose,
                         const std::vector<std::string>& evidence = {}) const {
    std::optional<RecipientId> to = policy.FindRecipient(recipient);
    if (!to) ADD_FAILURE() << policy_file_ << " declares no recipient '" << recipient << "'";
    return DecideDisclosure(policy, {.recipient = to.value_or(kUndeclaredRecipient),
                                     .categories = C(categories),
                                     .purpose = P(purpose),
                                     .evidence = &evidence});
  }

  // The purpose as compiled: its effective basis, consent mode, flags.
  const CompiledPurpose& PurposeOf(std::string_view id) const {
    static const CompiledPurpose kNone;
    PurposeId p = P(id);
    return p == kUndeclaredPurpose ? kNone : policy_->purpose(p);
  }
  // The category as declared; fails the test when absent.
  const Category& CategoryDecl(std::string_view id) const {
    static const Category kNone;
    const Category* c = Declared(model().categories, id, "category");
    return c != nullptr ? *c : kNone;
  }
  // The purpose / recipient / feature as declared in the file; fails the test when absent.
  const Purpose* PurposeDecl(std::string_view id) const {
    return Declared(model().purposes, id, "purpose");
  }
  const Recipient* RecipientDecl(std::string_view id) const {
    return Declared(model().recipients, id, "recipient");
  }
  const Feature* FeatureDecl(std::string_view id) const {
    return Declared(model().features, id, "feature");
  }

  // The policy model, changed by `edit` and compiled: for promises about what the engine does
  // when the policy is different (e.g. a recipient without a DPA).
  std::shared_ptr<const CompiledPolicy> CompileEdited(
      const std::function<void(Policy&)>& edit) const {
    Policy copy = model();
    edit(copy);
    StatusOr<std::shared_ptr<const CompiledPolicy>> compiled =
        CompiledPolicy::Compile(std::move(copy));
    EXPECT_TRUE(compiled.ok()) << compiled.status().ToString();
    return compiled.ok() ? *compiled : nullptr;
  }

  // Ids of every declared purpose.
  std::vector<std::string> PurposeIds() const {
    std::vector<std::string> ids;
    for (const Purpose& p : model().purposes) ids.push_back(p.id);
    return ids;
  }

  // Ids of the top-level purposes (those with no parent): the policy's purpose families.
  std::vector<std::string> TopLevelPurposes() const {
    std::vector<std::string> roots;
    for (const Purpose& p : model().purposes)
      if (p.parent.empty() && p.id.find('.') == std::string::npos) roots.push_back(p.id);
    return roots;
  }

  // Every category the purpose may use, as ids (its own and its ancestors').
  std::vector<std::string> CategoriesOf(std::string_view purpose) const {
    std::vector<std::string> ids;
    const CategorySet& set = PurposeOf(purpose).categories;
    for (int c = 0; c < policy_->category_count(); ++c)
      if (set.Test(c)) ids.push_back(policy_->category(static_cast<CategoryId>(c)).id);
    return ids;
  }

 private:
  template <typename T>
  const T* Declared(const std::vector<T>& items, std::string_view id, std::string_view what) const {
    for (const T& item : items)
      if (item.id == id) return &item;
    ADD_FAILURE() << policy_file_ << " declares no " << what << " '" << id << "'";
    return nullptr;
  }

  std::string policy_file_;
  std::shared_ptr<const CompiledPolicy> policy_;
};

}  // namespace testing
}  // namespace privet
