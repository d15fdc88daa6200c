// Payment card detection (CX02): a value that carries anything shaped like a card number is
// refused wherever it appears, so a card number typed into a "notes" field is not stored either;
// and the one check of every code or reference kept beside personal data (CheckReference).
#include <cctype>
#include <string>
#include <string_view>
#include <vector>

#include "privet/vault.h"

namespace privet {
namespace {

bool LuhnValid(const std::vector<int>& digits) {
  int sum = 0;
  bool double_it = false;
  for (auto it = digits.rbegin(); it != digits.rend(); ++it) {
    int d = *it;
    if (double_it) {
      d *= 2;
      if (d > 9) d -= 9;
    }
    sum += d;
    double_it = !double_it;
  }
  return sum % 10 == 0;
}

}  // namespace

bool LooksLikePaymentCardNumber(std::string_view text) {
  // Split the text into runs of digit groups joined by single spaces or dashes ("4111 1111-1111
  // 1111 12 25" is one run of six groups). Any sequence of consecutive groups within a run that
  // holds 13..19 digits and passes the Luhn check is a card number; a bare run of more than 19
  // digits (an account or tracking number) is not.
  size_t i = 0;
  while (i < text.size()) {
    if (text[i] < '0' || text[i] > '9') {
      ++i;
      continue;
    }
    std::vector<std::vector<int>> groups(1);
    size_t j = i;
    while (j < text.size()) {
      const char c = text[j];
      if (c >= '0' && c <= '9') {
        groups.back().push_back(c - '0');
        ++j;
      } else if ((c == ' ' || c == '-') && j + 1 < text.size() && text[j + 1] >= '0' &&
                 text[j + 1] <= '9') {
        groups.emplace_back();
        ++j;
      } else {
        break;
      }
    }
    for (size_t first = 0; first < groups.size(); ++first) {
      std::vector<int> digits;
      for (size_t last = first; last < groups.size(); ++last) {
        digits.insert(digits.end(), groups[last].begin(), groups[last].end());
        if (digits.size() > 19) break;
        if (digits.size() >= 13 && LuhnValid(digits)) return true;
      }
    }
    i = j;
  }
  return false;
}

Status CheckReference(std::string_view value, std::string_view field) {
  const std::string name(field);
  if (value.empty() || value.size() > kMaxReferenceBytes)
    return InvalidArgument(name + ": 1 to " + std::to_string(kMaxReferenceBytes) + " characters",
                           name);
  for (char c : value) {
    const bool ok = std::isalnum(static_cast<unsigned char>(c)) || c == '_' || c == '-' ||
                    c == '.' || c == ':' || c == '/';
    if (!ok) return InvalidArgument(name + ": letters, digits and _-.:/ only", name);
  }
  return RefuseCardNumber(value, field);
}

Status RefuseCardNumber(std::string_view text, std::string_view field) {
  if (!LooksLikePaymentCardNumber(text)) return Status::Ok();
  const std::string name(field);
  return PermissionDenied(Reason::kPaymentCardNumber,
                          name + ": looks like a payment card number, which is never stored", name);
}

}  // namespace privet
