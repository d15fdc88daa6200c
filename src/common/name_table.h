// NameTable: the one list of an enum's names ("opt_out", "portability", ...), from which both
// directions are derived, so printing and parsing can never disagree.
//
//   constexpr auto kRightNames = common::MakeNameTable<Right>({
//       {Right::kAccess, "access"},
//       {Right::kErasure, "erasure"},
//   });
//   static_assert(common::CoversEveryEnumerator(kRightNames));
//
//   kRightNames.Name(Right::kErasure);  // "erasure"
//   kRightNames.Parse("erasure");       // Right::kErasure; nullopt for an unknown name
//
// REQUIRES: the enum's enumerators are 0, 1, 2, ... with no gaps (every enum of
// include/privet/ is). CoversEveryEnumerator checks, at compile time, that the table lists them
// in that order, names each once, and that the value after its last entry is no enumerator: an
// enumerator added to the enum without a name here fails the build instead of failing to parse.
//
// Everything here is constexpr; no allocation, no locks; thread-safe.
#pragma once

#include <array>
#include <cstddef>
#include <optional>
#include <string_view>

namespace privet::common {

template <typename E>
struct Named {
  E value;
  std::string_view name;
};

template <typename E, size_t N>
class NameTable {
 public:
  constexpr explicit NameTable(const std::array<Named<E>, N>& entries) : entries_(entries) {}

  // The name of `value`; `unknown` for a value outside the enum (a corrupt cast).
  constexpr std::string_view Name(E value, std::string_view unknown = "unknown") const {
    const auto i = static_cast<size_t>(value);
    return i < N ? entries_[i].name : unknown;
  }

  // The value named `name` exactly (case-sensitive); nullopt for any other text.
  constexpr std::optional<E> Parse(std::string_view name) const {
    for (const Named<E>& entry : entries_) {
      if (entry.name == name) return entry.value;
    }
    return std::nullopt;
  }

  // Every entry, in enumerator order: `for (auto [value, name] : table)`.
  constexpr const Named<E>* begin() const { return entries_.data(); }
  constexpr const Named<E>* end() const { return entries_.data() + N; }
  static constexpr size_t size() { return N; }

 private:
  std::array<Named<E>, N> entries_;
};

// The table of `entries`, the enum named explicitly and the size deduced from the list.
template <typename E, size_t N>
constexpr NameTable<E, N> MakeNameTable(const Named<E> (&entries)[N]) {
  std::array<Named<E>, N> a{};
  for (size_t i = 0; i < N; ++i) a[i] = entries[i];
  return NameTable<E, N>(a);
}

namespace name_table_internal {

// True when V is a declared enumerator of its enum. GCC and Clang spell a template argument
// that names an enumerator by its name ("[with auto V = privet::Right::kErasure]") and any
// other value as a cast ("[with auto V = (privet::Right)9]").
template <auto V>
constexpr bool IsEnumerator() {
  constexpr std::string_view kSignature = __PRETTY_FUNCTION__;
  constexpr size_t kAt = kSignature.find("V = ");
  static_assert(kAt != std::string_view::npos, "a compiler that spells __PRETTY_FUNCTION__ so");
  const std::string_view arg = kSignature.substr(kAt + 4);
  if (arg.empty() || arg.front() != '(') return true;
  // "(privet::Right)9" or "(privet::Right)-1"; "(anonymous namespace)::E::kA" is a name.
  const size_t close = arg.rfind(')');
  if (close == std::string_view::npos || close + 1 >= arg.size()) return true;
  const char next = arg[close + 1];
  return !((next >= '0' && next <= '9') || next == '-');
}

}  // namespace name_table_internal

// True when `table` names every enumerator of E once, in enumerator order, and nothing more.
template <typename E, size_t N>
consteval bool CoversEveryEnumerator(const NameTable<E, N>& table) {
  size_t i = 0;
  for (const Named<E>& entry : table) {
    if (static_cast<size_t>(entry.value) != i++) return false;  // out of order, or a gap
    if (entry.name.empty()) return false;
    for (const Named<E>* other = table.begin(); other != &entry; ++other) {
      if (other->name == entry.name) return false;  // two values, one name
    }
  }
  return !name_table_internal::IsEnumerator<static_cast<E>(N)>();
}

}  // namespace privet::common
