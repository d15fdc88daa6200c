#include "signals/bits.h"

#include <array>
#include <string>

namespace privet::signals {
namespace {

constexpr std::string_view kAlphabet =
    "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";

constexpr uint8_t kNotBase64Url = 0xff;

// The value of each base64url character, or kNotBase64Url.
constexpr std::array<uint8_t, 256> MakeReverseAlphabet() {
  std::array<uint8_t, 256> reverse{};
  for (auto& value : reverse) value = kNotBase64Url;
  for (std::size_t i = 0; i < kAlphabet.size(); ++i) {
    reverse[static_cast<unsigned char>(kAlphabet[i])] = static_cast<uint8_t>(i);
  }
  return reverse;
}
constexpr std::array<uint8_t, 256> kReverseAlphabet = MakeReverseAlphabet();

}  // namespace

Status Base64UrlToBits(std::string_view text, std::size_t char_offset, std::string_view segment,
                       std::string_view field, Bits& bits) {
  if (text.empty()) {
    return InvalidArgument(
        "empty " + std::string(segment) + " at character " + std::to_string(char_offset),
        std::string(field));
  }
  bits.size = text.size() * 6;
  const std::size_t word_count = (bits.size + 63) / 64;
  bits.heap.clear();
  if (word_count > Bits::kInlineWords) bits.heap.resize(word_count);
  uint64_t* words = word_count > Bits::kInlineWords ? bits.heap.data() : bits.inline_words.data();
  // `bad` collects every value looked up: only kNotBase64Url has bits above the low six, so one
  // test after the loop finds any character outside the alphabet.
  const auto* chars = reinterpret_cast<const unsigned char*>(text.data());
  uint8_t bad = 0;
  // Bits into `pending` (holding `held` bits, fewer than 64), a word out when it fills: four
  // characters (24 bits) at a time, then the last few one by one.
  uint64_t pending = 0;
  int held = 0;
  std::size_t word = 0;
  const auto push = [&](uint64_t value, int width) {
    if (held + width < 64) {
      pending = (pending << width) | value;
      held += width;
      return;
    }
    const int fits = 64 - held;  // 1..width bits of this value end the word
    words[word++] = (pending << fits) | (value >> (width - fits));
    held = width - fits;
    pending = value & ((uint64_t{1} << held) - 1);
  };
  std::size_t i = 0;
  for (; i + 4 <= text.size(); i += 4) {
    const uint8_t a = kReverseAlphabet[chars[i]];
    const uint8_t b = kReverseAlphabet[chars[i + 1]];
    const uint8_t c = kReverseAlphabet[chars[i + 2]];
    const uint8_t d = kReverseAlphabet[chars[i + 3]];
    bad |= a | b | c | d;
    push((uint64_t{a} << 18) | (uint64_t{b} << 12) | (uint64_t{c} << 6) | d, 24);
  }
  for (; i < text.size(); ++i) {
    const uint8_t value = kReverseAlphabet[chars[i]];
    bad |= value;
    push(value, 6);
  }
  if (bad > 63) {
    for (i = 0; kReverseAlphabet[chars[i]] != kNotBase64Url; ++i) {
    }
    return InvalidArgument("not a base64url character at character " +
                               std::to_string(char_offset + i) + " (" + std::string(segment) + ")",
                           std::string(field));
  }
  if (held > 0) words[word] = pending << (64 - held);
  return Status::Ok();
}

uint64_t BitReader::Truncated(const Where& where) {
  if (status_.ok()) {
    Fail(position_, "truncated", where);
    position_ = bits_.size;
  }
  return 0;
}

uint32_t BitReader::ReadFibonacci(const Where& where) {
  if (!status_.ok()) return 0;
  const std::size_t start = position_;
  // Fibonacci numbers 1, 2, 3, 5, ...; a GPP value fits 16 bits, so 24 terms (46368) suffice and
  // a longer code is malformed.
  constexpr int kMaxTerms = 24;
  uint32_t value = 0;
  uint32_t fib = 1;
  uint32_t next = 2;
  uint8_t previous = 0;
  for (int term = 0;; ++term) {
    if (position_ >= bits_.size) {
      Fail(start, "truncated Fibonacci code", where);
      return 0;
    }
    const auto bit = static_cast<uint8_t>(Read(1, where));
    if (bit == 1 && previous == 1) return value;
    if (term >= kMaxTerms) {
      Fail(start, "Fibonacci code too long", where);
      return 0;
    }
    if (bit == 1) value += fib;
    previous = bit;
    const uint32_t sum = fib + next;
    fib = next;
    next = sum;
  }
}

void BitReader::Fail(std::size_t at_bit, std::string_view problem, const Where& where) {
  if (!status_.ok()) return;
  std::string message = std::string(problem) + " at bit " + std::to_string(at_bit) + " (" +
                        std::string(segment_) + ": " + std::string(where.what);
  if (!where.item.empty()) {
    message += ": " + std::string(where.item) + " " + std::to_string(where.number);
  }
  status_ = InvalidArgument(message + ")", std::string(field_));
}

void BitWriter::Write(uint64_t value, int width) {
  for (int i = width - 1; i >= 0; --i) {
    bits_.push_back(i < 64 ? static_cast<uint8_t>((value >> i) & 1) : 0);  // above 64: zeros
  }
}

void BitWriter::WriteFibonacci(uint32_t value) {
  // Fibonacci numbers up to value, then the greedy (Zeckendorf) representation, least term
  // first, and the terminating 1.
  std::array<uint32_t, 48> fib{};
  std::size_t count = 0;
  for (uint32_t a = 1, b = 2; a <= value && count < fib.size(); count++) {
    fib[count] = a;
    const uint32_t sum = a + b;
    a = b;
    b = sum;
  }
  std::array<uint8_t, 48> code{};
  for (std::size_t i = count; i-- > 0;) {
    if (value >= fib[i]) {
      code[i] = 1;
      value -= fib[i];
    }
  }
  bits_.insert(bits_.end(), code.begin(), code.begin() + static_cast<std::ptrdiff_t>(count));
  bits_.push_back(1);
}

void BitWriter::AppendBase64Url(Padding padding, std::string& out) const {
  std::size_t length = bits_.size();
  if (padding == Padding::kTraditional) {
    length = (length + 23) / 24 * 24;
  } else {
    length = (length + 7) / 8 * 8;
    length = (length + 5) / 6 * 6;
  }
  out.reserve(out.size() + length / 6);
  for (std::size_t i = 0; i < length; i += 6) {
    unsigned value = 0;
    for (std::size_t b = i; b < i + 6; ++b)
      value = (value << 1) | (b < bits_.size() ? bits_[b] : 0);
    out.push_back(kAlphabet[value]);
  }
}

}  // namespace privet::signals
