// Principals' names and text forms (include/privet/decision.h): the one place that spells them.
#include <charconv>

#include "common/name_table.h"
#include "privet/decision.h"

namespace privet {
namespace {

constexpr auto kPrincipalKindNames = common::MakeNameTable<PrincipalKind>({
    {PrincipalKind::kSubject, "subject"},
    {PrincipalKind::kStaff, "staff"},
    {PrincipalKind::kService, "service"},
    {PrincipalKind::kOrganizationAdmin, "organization_admin"},
    {PrincipalKind::kTenant, "tenant"},
    {PrincipalKind::kAdmin, "admin"},
});
static_assert(common::CoversEveryEnumerator(kPrincipalKindNames));

// "<kind>:<argument>".
std::string WithArgument(PrincipalKind kind, std::string_view argument) {
  std::string out(PrincipalKindName(kind));
  out += ':';
  out += argument;
  return out;
}

// A decimal id other than 0.
std::optional<uint64_t> ParseId(std::string_view text) {
  uint64_t v = 0;
  auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), v);
  if (text.empty() || ec != std::errc() || end != text.data() + text.size() || v == 0) {
    return std::nullopt;
  }
  return v;
}

}  // namespace

std::string_view PrincipalKindName(PrincipalKind kind) { return kPrincipalKindNames.Name(kind); }

std::optional<PrincipalKind> ParsePrincipalKindName(std::string_view name) {
  return kPrincipalKindNames.Parse(name);
}

std::string StaffPrincipalText(std::string_view role) {
  return WithArgument(PrincipalKind::kStaff, role);
}

std::string ApiKeyIdText(uint64_t id) {
  static constexpr char kHex[] = "0123456789abcdef";
  std::string out(16, '0');
  for (int i = 15; i >= 0; --i, id >>= 4) out[static_cast<size_t>(i)] = kHex[id & 15];
  return out;
}

std::optional<uint64_t> ParseApiKeyId(std::string_view text) {
  if (text.size() != 16) return std::nullopt;
  uint64_t id = 0;
  for (char c : text) {
    int digit = 0;
    if (c >= '0' && c <= '9')
      digit = c - '0';
    else if (c >= 'a' && c <= 'f')
      digit = c - 'a' + 10;
    else
      return std::nullopt;
    id = (id << 4) | static_cast<uint64_t>(digit);
  }
  return id;
}

std::string PrincipalText(const CompiledPolicy& policy, const Principal& p) {
  switch (p.kind) {
    case PrincipalKind::kStaff:
      return StaffPrincipalText(p.role < policy.policy().roles.size()
                                    ? std::string_view(policy.policy().roles[p.role].id)
                                    : std::string_view("?"));
    case PrincipalKind::kOrganizationAdmin:
      return WithArgument(p.kind, std::to_string(p.organization_id));
    case PrincipalKind::kTenant:
      return WithArgument(p.kind, std::to_string(p.tenant_id));
    case PrincipalKind::kSubject:
    case PrincipalKind::kService:
    case PrincipalKind::kAdmin:
      return std::string(PrincipalKindName(p.kind));
  }
  return "unknown";
}

StatusOr<Principal> ParsePrincipal(const CompiledPolicy& policy, std::string_view text) {
  const size_t colon = text.find(':');
  const std::optional<PrincipalKind> kind = ParsePrincipalKindName(text.substr(0, colon));
  if (kind && colon == std::string_view::npos) {
    if (*kind == PrincipalKind::kService) return Principal::Service();
    if (*kind == PrincipalKind::kAdmin) return Principal{.kind = PrincipalKind::kAdmin};
  } else if (kind) {
    const std::string_view argument = text.substr(colon + 1);
    if (*kind == PrincipalKind::kStaff) {
      const std::optional<RoleId> role = policy.FindRole(argument);
      if (!role) return InvalidArgument("the policy declares no such role", "principal");
      return Principal::Staff(*role);
    }
    if (*kind == PrincipalKind::kOrganizationAdmin) {
      if (auto id = ParseId(argument)) return Principal::OrganizationAdmin(*id);
    }
    if (*kind == PrincipalKind::kTenant) {
      if (auto id = ParseId(argument)) return Principal::Tenant(*id);
    }
  }
  return InvalidArgument(
      "must be service, admin, staff:<role>, organization_admin:<id> or tenant:<id>", "principal");
}

}  // namespace privet
