// Effective legal basis and consent mode of a purpose in an uncompiled Policy.
//
// A purpose without `basis` or `consent` takes its parent's (the explicit `parent`, or else the
// longest declared dotted prefix of its id); the consent mode defaults to `required` when the
// basis is consent and to `none` otherwise. CompiledPolicy computes the same for the hot path;
// these helpers serve code that reads a Policy as written (notice rendering, policy diff) and
// must also cope with hand-built policies that never went through the loader.
//
// Private to src/policy/.
#pragma once

#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "privet/policy.h"

namespace privet::policy_internal {

inline const Purpose* FindPurposeById(const Policy& p, std::string_view id) {
  for (const Purpose& purpose : p.purposes) {
    if (purpose.id == id) return &purpose;
  }
  return nullptr;
}

// The parent purpose, or nullptr for a root (or a dangling explicit parent).
inline const Purpose* ParentPurpose(const Policy& p, const Purpose& purpose) {
  if (!purpose.parent.empty()) return FindPurposeById(p, purpose.parent);
  std::string_view id = purpose.id;
  for (auto dot = id.rfind('.'); dot != std::string_view::npos; dot = id.rfind('.')) {
    id = id.substr(0, dot);
    if (const Purpose* parent = FindPurposeById(p, id)) return parent;
  }
  return nullptr;
}

struct EffectivePurpose {
  std::optional<LegalBasis> basis;  // nullopt when neither the purpose nor an ancestor states one
  ConsentMode consent = ConsentMode::kNone;
  bool objectable = false;
  bool prohibited = false;               // itself or an ancestor
  bool processor = false;                // itself or an ancestor
  bool direct_marketing = false;         // itself or an ancestor
  bool sensitive_use_permitted = false;  // itself or an ancestor
};

// The same rules as CompiledPolicy: the basis comes from the nearest purpose (itself or an
// ancestor) that states one. The consent mode is the purpose's own, else its parent's when it
// states no basis, else the basis default. `objectable` is the purpose's own, else true for
// legitimate interests and public task when it states a basis, else its parent's. Follows at
// most |purposes| parents, so a cycle in a hand-built policy cannot loop forever.
inline EffectivePurpose ResolvePurpose(const Policy& p, const Purpose& purpose, size_t depth = 0) {
  const Purpose* parent = depth < p.purposes.size() ? ParentPurpose(p, purpose) : nullptr;
  EffectivePurpose up;
  if (parent != nullptr) up = ResolvePurpose(p, *parent, depth + 1);
  EffectivePurpose e;
  e.basis = purpose.basis ? purpose.basis : up.basis;
  if (purpose.consent) {
    e.consent = *purpose.consent;
  } else if (parent != nullptr && !purpose.basis) {
    e.consent = up.consent;
  } else {
    e.consent = e.basis == LegalBasis::kConsent ? ConsentMode::kRequired : ConsentMode::kNone;
  }
  if (purpose.objectable) {
    e.objectable = *purpose.objectable;
  } else if (purpose.basis) {
    e.objectable = *purpose.basis == LegalBasis::kLegitimateInterests ||
                   *purpose.basis == LegalBasis::kPublicTask;
  } else {
    e.objectable = up.objectable;
  }
  e.prohibited = purpose.prohibited || up.prohibited;
  e.processor = purpose.processor || up.processor;
  e.direct_marketing = purpose.direct_marketing || up.direct_marketing;
  e.sensitive_use_permitted = purpose.sensitive_use_permitted || up.sensitive_use_permitted;
  return e;
}

// The category references a purpose may use: its own and every ancestor's, nearest first.
inline std::vector<std::string> EffectiveCategoryRefs(const Policy& p, const Purpose& purpose) {
  std::vector<std::string> refs;
  const Purpose* at = &purpose;
  for (size_t steps = 0; at != nullptr && steps <= p.purposes.size(); ++steps) {
    refs.insert(refs.end(), at->categories.begin(), at->categories.end());
    at = ParentPurpose(p, *at);
  }
  return refs;
}

// California sensitive personal information, as CompiledPolicy::sensitive_categories() sees it,
// and the purposes that may use it: those the regulations permit, and those a subject's limit
// stops (Cal. Civ. Code § 1798.121). Prohibited purposes use nothing.
struct SensitiveUses {
  std::vector<const Category*> categories;  // sensitive or special, or beneath one
  std::vector<const Purpose*> permitted;
  std::vector<const Purpose*> limitable;
};

inline SensitiveUses FindSensitiveUses(const Policy& p) {
  SensitiveUses out;
  for (const Category& c : p.categories) {
    for (const Category& above : p.categories) {
      if ((above.special || above.sensitive) && IdCovers(above.id, c.id)) {
        out.categories.push_back(&c);
        break;
      }
    }
  }
  for (const Purpose& purpose : p.purposes) {
    const EffectivePurpose e = ResolvePurpose(p, purpose);
    if (e.prohibited) continue;
    bool uses = false;
    for (const std::string& ref : EffectiveCategoryRefs(p, purpose)) {
      for (const Category* c : out.categories) uses = uses || IdCovers(ref, c->id);
    }
    if (uses) (e.sensitive_use_permitted ? out.permitted : out.limitable).push_back(&purpose);
  }
  return out;
}

}  // namespace privet::policy_internal
