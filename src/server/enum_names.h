// Parsing the API's enum names ("opt_out", "portability", ...) back to values, by the same
// name functions that print them, so the two can never disagree. nullopt for an unknown name.
#pragma once

#include <optional>
#include <string_view>

#include "privet/policy.h"
#include "privet/rights.h"
#include "privet/vault.h"

namespace privet::server {

template <typename E, int kCount, typename NameFn>
std::optional<E> ParseEnumName(std::string_view name, NameFn name_of) {
  for (int i = 0; i < kCount; ++i) {
    if (name_of(static_cast<E>(i)) == name) return static_cast<E>(i);
  }
  return std::nullopt;
}

inline std::optional<ConsentAction> ParseConsentActionName(std::string_view n) {
  return ParseEnumName<ConsentAction, 13>(n, ConsentActionName);
}
inline std::optional<ConsentSource> ParseConsentSourceName(std::string_view n) {
  return ParseEnumName<ConsentSource, 6>(n, ConsentSourceName);
}
inline std::optional<DataSource> ParseDataSourceName(std::string_view n) {
  return ParseEnumName<DataSource, 9>(n, DataSourceName);
}
inline std::optional<Right> ParseRightName(std::string_view n) {
  return ParseEnumName<Right, 10>(n, RightName);
}

inline std::optional<AnchorEvent> ParseAnchorEventName(std::string_view n) {
  return ParseEnumName<AnchorEvent, 6>(n, AnchorEventName);
}

}  // namespace privet::server
