// UTF-8 validation (RFC 3629): the one check every input path uses, the policy loader's and the
// vault's alike.
#pragma once

#include <cstddef>
#include <string_view>

namespace privet {

// The byte offset of the first byte that starts no valid UTF-8 sequence in `text`, or npos
// when all of it is valid. Overlong forms, surrogates (U+D800..U+DFFF), values past U+10FFFF and
// sequences cut short by the end of the text are invalid; NUL is valid (callers that refuse it
// say so themselves). No allocation; thread-safe.
size_t FirstInvalidUtf8(std::string_view text);

inline bool IsValidUtf8(std::string_view text) {
  return FirstInvalidUtf8(text) == std::string_view::npos;
}

}  // namespace privet
