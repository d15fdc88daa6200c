// Bits of a consent string: base64url (no padding) to bits and back, a bounds-checked reader and
// a writer. Shared by the TCF and GPP codecs; nothing here knows a field.
//
// The reader does not stop at the first error: it keeps the first one (which field, at which
// bit, what went wrong) and returns zeros afterwards, so a decoder reads a segment straight
// through and checks `status()` once, and before any loop whose count came from the string.
#pragma once

#include <array>
#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "privet/status.h"

namespace privet::signals {

// How an encoder pads the last bits before writing base64url characters.
enum class Padding : uint8_t {
  kTraditional,  // to a multiple of 24 bits (@iabtechlabtcf/core; GPP's TCF section)
  kCompressed,   // to a multiple of 8 bits, then of 6 (GPP's header and US sections)
};

// Bits in 64-bit words, the first bit the most significant of the first word. Segments up to 682
// characters (a TC string naming vendors up to id 3,900 in bit fields) fit in the inline words;
// longer ones use the heap. Lives on the decoder's stack: filled in place, never copied.
struct Bits {
  static constexpr std::size_t kInlineWords = 64;
  const uint64_t* words() const { return heap.empty() ? inline_words.data() : heap.data(); }

  std::array<uint64_t, kInlineWords> inline_words{};
  std::vector<uint64_t> heap;
  std::size_t size = 0;
};

// Decodes base64url characters into `bits` (6 per character). InvalidArgument naming the
// character offset (counted from `char_offset`, the segment's place in the whole string) if a
// character is not in the alphabet A-Z a-z 0-9 - _ or the segment is empty.
Status Base64UrlToBits(std::string_view text, std::size_t char_offset, std::string_view segment,
                       std::string_view field, Bits& bits);

// Which field a read is for, for error messages: "vendor consents", or "vendor consents: range
// entry 3" with `item` "range entry" and `number` 3.
struct Where {
  template <std::size_t N>
  Where(const char (&field_name)[N])  // NOLINT(google-explicit-constructor): a literal's length
      : what(field_name, N - 1) {}    // is known, no strlen on the hot path
  Where(std::string_view field_name) : what(field_name) {}  // NOLINT(google-explicit-constructor)
  Where(std::string_view field_name, std::string_view item_name, std::size_t item_number)
      : what(field_name), item(item_name), number(item_number) {}
  std::string_view what;
  std::string_view item;
  std::size_t number = 0;
};

class BitReader {
 public:
  // Reads `bits`. `segment` names the segment in error messages ("core segment"); `field` is
  // the Status field ("tcf", "gpp").
  BitReader(const Bits& bits, std::string_view segment, std::string_view field)
      : bits_(bits), segment_(segment), field_(field) {}

  // The next `width` bits (at most 64) as an unsigned integer, most significant bit first.
  // Past the end: records "truncated at bit N (<segment>: <what>)" and returns 0.
  uint64_t Read(int width, const Where& where) {
    if (!status_.ok() || remaining() < static_cast<std::size_t>(width)) {
      return Truncated(where);
    }
    if (width == 0) return 0;
    const std::size_t word = position_ / 64;
    const std::size_t offset = position_ % 64;
    const uint64_t* words = bits_.words();
    uint64_t value = words[word] << offset;
    if (offset + static_cast<std::size_t>(width) > 64) value |= words[word + 1] >> (64 - offset);
    position_ += static_cast<std::size_t>(width);
    return value >> (64 - width);
  }
  bool ReadBool(const Where& where) { return Read(1, where) != 0; }
  // A Fibonacci-coded integer (GPP): bits up to and including the terminating "11".
  uint32_t ReadFibonacci(const Where& where);

  // Records an error about the value just read (at the bit where it started).
  void Fail(std::size_t at_bit, std::string_view problem, const Where& where);

  bool ok() const { return status_.ok(); }
  const Status& status() const { return status_; }
  std::size_t position() const { return position_; }
  std::size_t size() const { return bits_.size; }
  std::size_t remaining() const { return bits_.size - position_; }

 private:
  uint64_t Truncated(const Where& where);  // records the error (unless one is kept); returns 0

  const Bits& bits_;
  std::size_t position_ = 0;
  std::string_view segment_;
  std::string_view field_;
  Status status_;
};

class BitWriter {
 public:
  // Appends `value` in `width` bits, most significant first (a width above 64 writes leading
  // zeros). REQUIRES: value < 2^width (the encoders check each field's range first and return
  // InvalidArgument).
  void Write(uint64_t value, int width);
  void WriteBool(bool value) { bits_.push_back(value ? 1 : 0); }
  void WriteRepeated(bool value, std::size_t count) {
    bits_.insert(bits_.end(), count, value ? 1 : 0);
  }
  void WriteFibonacci(uint32_t value);  // REQUIRES: value >= 1
  std::size_t size() const { return bits_.size(); }
  // Appends the base64url text of the bits written, padded as `padding` says.
  void AppendBase64Url(Padding padding, std::string& out) const;

 private:
  std::vector<uint8_t> bits_;
};

}  // namespace privet::signals
