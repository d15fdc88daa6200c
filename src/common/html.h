// HTML written so that no value can become markup: the markup is a string literal, checked at
// compile time, and every value put into it is escaped (text), unless it is itself Html.
//
//   Html row;
//   row.Add("<tr><td>{}</td><td>{}</td></tr>\n", field.category, field.value);
//   Html page;
//   page.Add("<table>{}</table>", row);          // Html goes in as is
//
// "{}" is the only placeholder; a literal brace is written "{{" or "}}". A value is escaped for
// both text and double-quoted attribute values (& < > " '), so `<a href="/x/{}">` is safe for
// any value; never put a value into an unquoted attribute, a <script> or a <style>.
// HtmlEscape is the same escaping for the few callers that build strings themselves.
#pragma once

#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <initializer_list>
#include <string>
#include <string_view>
#include <type_traits>

namespace privet {

// Appends `text` to `out` with & < > " ' replaced by character references.
void AppendHtmlEscaped(std::string& out, std::string_view text);
std::string HtmlEscape(std::string_view text);

// A markup template: only a string literal converts to it (consteval), so a value read at run
// time can never be taken for markup.
class Markup {
 public:
  template <std::size_t N>
  consteval Markup(const char (&text)[N])  // NOLINT(google-explicit-constructor): literals only
      : text_(text, N - 1), holes_(CountHoles(text_)) {}
  std::string_view text() const { return text_; }
  std::size_t holes() const { return holes_; }

 private:
  static consteval std::size_t CountHoles(std::string_view text) {
    std::size_t holes = 0;
    for (std::size_t i = 0; i < text.size(); ++i) {
      if (text[i] == '{' && i + 1 < text.size() && text[i + 1] == '{') {
        ++i;
      } else if (text[i] == '}' && i + 1 < text.size() && text[i + 1] == '}') {
        ++i;
      } else if (text[i] == '{' && i + 1 < text.size() && text[i + 1] == '}') {
        ++holes;
        ++i;
      } else if (text[i] == '{' || text[i] == '}') {
        throw "a lone brace in markup: write {{ or }}";  // a compile error in a consteval call
      }
    }
    return holes;
  }
  std::string_view text_;
  std::size_t holes_;
};

class Html {
 public:
  Html() = default;

  // Appends `markup` with each "{}" replaced by the next value: strings escaped, integers as
  // decimal, Html as is. The number of values must match the placeholders (checked: a mismatch
  // aborts, as a bug in the caller).
  template <typename... Values>
  Html& Add(Markup markup, const Values&... values) {
    if (markup.holes() != sizeof...(Values)) std::abort();
    Fill(markup.text(), {Piece(values)...});
    return *this;
  }
  // Appends another fragment.
  Html& Add(const Html& html) {
    out_ += html.out_;
    return *this;
  }

  const std::string& str() const { return out_; }
  std::string Take() { return std::move(out_); }
  bool empty() const { return out_.empty(); }

 private:
  struct Piece {
    Piece(const Html& html) : text(html.out_), escape(false) {}  // NOLINT
    Piece(std::string_view value) : text(value) {}               // NOLINT
    Piece(const std::string& value) : text(value) {}             // NOLINT
    Piece(const char* value) : text(value) {}                    // NOLINT
    template <typename Integer>
    requires std::is_integral_v<Integer> &&(!std::is_same_v<Integer, bool>)Piece(Integer value)
        : owned(std::to_string(value)), escape(false) {}  // NOLINT
    std::string owned;
    std::string_view text;
    bool escape = true;
    std::string_view view() const { return owned.empty() ? text : std::string_view(owned); }
  };
  void Fill(std::string_view markup, std::initializer_list<Piece> pieces);

  std::string out_;
};

}  // namespace privet
