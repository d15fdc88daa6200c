// Reading an integer out of a JSON document strictly (stored documents, audit entries, tree
// heads). nlohmann::json's get<T>() casts whatever number it finds: a fraction or an exponent
// (1e300) is read as a double, and casting one outside T's range is undefined behaviour; an
// integer outside T's range wraps. privet writes only integers in range, so anything else is a
// damaged or forged document and its parser says so.
#pragma once

#include <cstdint>
#include <nlohmann/json.hpp>
#include <optional>
#include <type_traits>
#include <utility>

namespace privet::common {

// The value of `j` if it is a JSON integer (no fraction, no exponent) that T holds; nullopt for
// any other value, a float or a string of digits included.
template <typename T>
std::optional<T> JsonInteger(const nlohmann::json& j) {
  static_assert(std::is_integral_v<T> && !std::is_same_v<T, bool>);
  if (j.is_number_unsigned()) {
    const uint64_t v = j.get<uint64_t>();
    if (std::in_range<T>(v)) return static_cast<T>(v);
  } else if (j.is_number_integer()) {
    const int64_t v = j.get<int64_t>();
    if (std::in_range<T>(v)) return static_cast<T>(v);
  }
  return std::nullopt;
}

}  // namespace privet::common
