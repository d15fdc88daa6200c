// The breach risk scale and the policy thresholds that name it (include/privet/policy.h).
#include "privet/policy.h"

namespace privet {

std::string_view BreachRiskName(BreachRisk risk) {
  switch (risk) {
    case BreachRisk::kUnlikely:
      return "unlikely";
    case BreachRisk::kRisk:
      return "risk";
    case BreachRisk::kReasonableRiskOfHarm:
      return "reasonable_risk_of_harm";
    case BreachRisk::kHighRisk:
      return "high_risk";
  }
  return "high_risk";
}

std::optional<BreachRisk> ParseBreachRisk(std::string_view name) {
  for (BreachRisk r : {BreachRisk::kUnlikely, BreachRisk::kRisk, BreachRisk::kReasonableRiskOfHarm,
                       BreachRisk::kHighRisk}) {
    if (BreachRiskName(r) == name) return r;
  }
  return std::nullopt;
}

std::optional<BreachRisk> BreachThresholdRisk(std::string_view threshold) {
  if (threshold.empty() || threshold == "any" || threshold == "required_by_law")
    return BreachRisk::kRisk;
  std::optional<BreachRisk> named = ParseBreachRisk(threshold);
  if (named == BreachRisk::kUnlikely) return std::nullopt;  // "tell when unlikely" is no threshold
  return named;
}

}  // namespace privet
