// CompiledPolicy: the dense, immutable form of a Policy that every decision reads.
//
// Categories, purposes, roles and recipients become small integers (their index in the
// Policy's vectors); the purpose tree, the categories each purpose may use and each role's
// need-to-know become bitsets, so a decision (see decision.h) is a handful of AND/OR operations.
//
//   auto compiled = privet::CompiledPolicy::Compile(std::move(*result.policy));
//   privet::PurposeId p = *compiled->FindPurpose("marketing.email");
//
// Limits: at most kMaxCategories categories and kMaxPurposes purposes per policy (the loader
// reports a file over them). A CompiledPolicy is immutable after Compile() and safe to share
// between threads; hold it by std::shared_ptr<const CompiledPolicy>.
#pragma once

#include <array>
#include <bit>
#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

#include "privet/policy.h"
#include "privet/status.h"

namespace privet {

inline constexpr int kMaxCategories = 256;
inline constexpr int kMaxPurposes = 128;
inline constexpr int kMaxRecipients = 128;
// The policy role organization admins act under (CompiledPolicy::organization_admin_role).
inline constexpr std::string_view kOrganizationAdminRole = "organization_admin";

// A fixed-size set of small integers, as plain words: cheap to copy, test and combine.
template <int N>
class BitSet {
 public:
  static constexpr int kWords = (N + 63) / 64;

  constexpr void Set(int i) { words_[i >> 6] |= uint64_t{1} << (i & 63); }
  constexpr void Reset(int i) { words_[i >> 6] &= ~(uint64_t{1} << (i & 63)); }
  constexpr bool Test(int i) const { return (words_[i >> 6] >> (i & 63)) & 1; }
  constexpr bool Any() const {
    uint64_t acc = 0;
    for (uint64_t w : words_) acc |= w;
    return acc != 0;
  }
  constexpr bool None() const { return !Any(); }
  constexpr int Count() const {
    int n = 0;
    for (uint64_t w : words_) n += std::popcount(w);
    return n;
  }
  // True if every member of this set is in `other`.
  constexpr bool IsSubsetOf(const BitSet& other) const {
    uint64_t outside = 0;
    for (int i = 0; i < kWords; ++i) outside |= words_[i] & ~other.words_[i];
    return outside == 0;
  }
  constexpr bool Intersects(const BitSet& other) const {
    uint64_t acc = 0;
    for (int i = 0; i < kWords; ++i) acc |= words_[i] & other.words_[i];
    return acc != 0;
  }
  constexpr BitSet& operator|=(const BitSet& o) {
    for (int i = 0; i < kWords; ++i) words_[i] |= o.words_[i];
    return *this;
  }
  constexpr BitSet& operator&=(const BitSet& o) {
    for (int i = 0; i < kWords; ++i) words_[i] &= o.words_[i];
    return *this;
  }
  friend constexpr BitSet operator|(BitSet a, const BitSet& b) { return a |= b; }
  friend constexpr BitSet operator&(BitSet a, const BitSet& b) { return a &= b; }
  friend constexpr bool operator==(const BitSet&, const BitSet&) = default;
  // Members minus those in `o`.
  constexpr BitSet Minus(const BitSet& o) const {
    BitSet r = *this;
    for (int i = 0; i < kWords; ++i) r.words_[i] &= ~o.words_[i];
    return r;
  }
  // Smallest member, or -1.
  constexpr int First() const {
    for (int i = 0; i < kWords; ++i)
      if (words_[i] != 0) return i * 64 + std::countr_zero(words_[i]);
    return -1;
  }
  const std::array<uint64_t, kWords>& words() const { return words_; }

 private:
  std::array<uint64_t, kWords> words_{};
};

using CategorySet = BitSet<kMaxCategories>;
using PurposeSet = BitSet<kMaxPurposes>;
using RecipientSet = BitSet<kMaxRecipients>;

using CategoryId = uint16_t;
using PurposeId = uint16_t;
using RoleId = uint16_t;
using RecipientId = uint16_t;
using SubjectKindId = uint16_t;

// Per purpose, everything a decision needs, precomputed.
struct CompiledPurpose {
  PurposeSet self_and_ancestors;  // this purpose and every purpose above it
  PurposeSet self_and_descendants;
  CategorySet categories;  // may use: its own and its ancestors' categories (expanded)
  LegalBasis basis = LegalBasis::kContract;  // effective (inherited) basis
  ConsentMode consent = ConsentMode::kNone;  // effective (inherited) mode
  bool prohibited = false;                   // itself or an ancestor is prohibited
  bool processor = false;                    // itself or an ancestor is processor processing
  bool objectable = false;
  bool direct_marketing = false;
  bool profiling = false;  // itself or an ancestor builds a profile; ending it deletes it (CF15)
  bool sensitive_use_permitted = false;  // itself or an ancestor (California § 1798.121)
  int since_version = 1;                 // the latest since_version along its ancestry
  int depth = 0;
  // CF07: the subject kinds (bit i: subject_kinds[i]) that may read other subjects' data of
  // `shown_categories` (the purpose's own categories, expanded) for this purpose.
  uint64_t shown_to_kinds = 0;
  CategorySet shown_categories;
};

struct CompiledRole {
  PurposeSet purposes;     // expanded to descendants
  CategorySet categories;  // expanded to descendants
};

struct CompiledRecipient {
  PurposeSet purposes;                    // expanded to descendants
  CategorySet categories;                 // expanded to descendants
  bool sale_refused = false;              // a sale, and the policy forbids sales
  bool third_party_refused = false;       // unaffiliated, and the policy forbids that
  bool needs_dpa = false;                 // a processor without a DPA on file
  bool needs_transfer_mechanism = false;  // outside the EU/EEA under GDPR, without a mechanism
  int since_version = 1;
};

class CompiledPolicy {
 public:
  // Builds the dense form. The Policy must have loaded without errors (LoadPolicy checks every
  // reference); a policy built by hand with dangling references yields InvalidArgument.
  static StatusOr<std::shared_ptr<const CompiledPolicy>> Compile(Policy policy);

  const Policy& policy() const { return policy_; }
  int version() const { return policy_.version; }

  int category_count() const { return static_cast<int>(policy_.categories.size()); }
  int purpose_count() const { return static_cast<int>(policy_.purposes.size()); }

  std::optional<CategoryId> FindCategory(std::string_view id) const;
  std::optional<PurposeId> FindPurpose(std::string_view id) const;
  std::optional<RoleId> FindRole(std::string_view id) const;
  std::optional<RecipientId> FindRecipient(std::string_view id) const;
  std::optional<SubjectKindId> FindSubjectKind(std::string_view id) const;

  // The set of categories named by `ids`, each id covering its dotted descendants. An unknown
  // id yields InvalidArgument naming it.
  StatusOr<CategorySet> Categories(const std::vector<std::string>& ids) const;

  const Category& category(CategoryId id) const { return policy_.categories[id]; }
  const Purpose& purpose_decl(PurposeId id) const { return policy_.purposes[id]; }
  const CompiledPurpose& purpose(PurposeId id) const { return purposes_[id]; }
  const CompiledRole& role(RoleId id) const { return roles_[id]; }
  const CompiledRecipient& recipient(RecipientId id) const { return recipients_[id]; }

  // The role named `organization_admin`, under which organization admins act (CT11): their
  // need-to-know, as a staff role's. None when the policy declares no such role (organization
  // admins then use no data for any purpose).
  std::optional<RoleId> organization_admin_role() const { return organization_admin_role_; }

  const CategorySet& forbidden_categories() const { return forbidden_; }
  const CategorySet& special_categories() const { return special_; }
  // California sensitive personal information: categories marked sensitive or special, and every
  // category beneath one.
  const CategorySet& sensitive_categories() const { return sensitive_; }
  // Categories no write may carry: forbidden ones, and special ones unless the policy allows them.
  const CategorySet& refused_on_write() const { return refused_on_write_; }
  // Purposes an honoured GPC / DNT signal opts out of (empty when the signal is ignored).
  const PurposeSet& gpc_opt_outs() const { return gpc_opt_outs_; }
  const PurposeSet& dnt_opt_outs() const { return dnt_opt_outs_; }
  // Request-log data (automatic_collection.categories): only the automatic collection's
  // purposes and those beneath them have these among their categories (CN01, CX04).
  const CategorySet& request_log_categories() const { return request_log_; }
  // True when a jurisdiction of the policy is in the EU/EEA or the UK.
  bool under_gdpr() const { return under_gdpr_; }
  // changes.material_change_requires_consent: data serves only the purposes declared by the
  // version it was collected under, unless the subject consents (CN17). When false, the version
  // in force at the time of use governs (CU11).
  bool use_bound_to_collection_version() const {
    return policy_.changes.material_change_requires_consent;
  }
  // changes.opt_out_window: a new purpose or recipient reaches data collected before it only
  // after the subject was told and the window passed (CU06).
  bool changes_wait_for_notice() const { return policy_.changes.opt_out_window.has_value(); }

 private:
  explicit CompiledPolicy(Policy policy) : policy_(std::move(policy)) {}
  Status Build();

  Policy policy_;
  std::vector<CompiledPurpose> purposes_;
  std::vector<CompiledRole> roles_;
  std::vector<CompiledRecipient> recipients_;
  CategorySet forbidden_;
  CategorySet special_;
  CategorySet sensitive_;
  CategorySet refused_on_write_;
  CategorySet request_log_;
  PurposeSet gpc_opt_outs_;
  PurposeSet dnt_opt_outs_;
  bool under_gdpr_ = false;
  std::optional<RoleId> organization_admin_role_;
  // Id lookups take a string_view without building a std::string (they sit on every read path).
  struct IdHash {
    using is_transparent = void;
    size_t operator()(std::string_view s) const { return std::hash<std::string_view>{}(s); }
  };
  template <typename V>
  using IdIndex = std::unordered_map<std::string, V, IdHash, std::equal_to<>>;
  IdIndex<CategoryId> category_index_;
  IdIndex<PurposeId> purpose_index_;
  IdIndex<RoleId> role_index_;
  IdIndex<RecipientId> recipient_index_;
  IdIndex<SubjectKindId> subject_kind_index_;
};

}  // namespace privet
