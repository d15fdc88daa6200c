#include "common/html.h"

#include <string>
#include <string_view>

namespace privet {

void AppendHtmlEscaped(std::string& out, std::string_view text) {
  out.reserve(out.size() + text.size());
  for (const char c : text) {
    switch (c) {
      case '&':
        out += "&amp;";
        break;
      case '<':
        out += "&lt;";
        break;
      case '>':
        out += "&gt;";
        break;
      case '"':
        out += "&quot;";
        break;
      case '\'':
        out += "&#39;";
        break;
      default:
        out += c;
    }
  }
}

std::string HtmlEscape(std::string_view text) {
  std::string out;
  AppendHtmlEscaped(out, text);
  return out;
}

void Html::Fill(std::string_view markup, std::initializer_list<Piece> pieces) {
  const Piece* next = pieces.begin();
  for (std::size_t i = 0; i < markup.size(); ++i) {
    const char c = markup[i];
    if ((c == '{' || c == '}') && i + 1 < markup.size() && markup[i + 1] == c) {
      out_ += c;  // "{{" or "}}"
      ++i;
    } else if (c == '{') {  // "{}": Markup counted it
      if (next->escape) {
        AppendHtmlEscaped(out_, next->view());
      } else {
        out_ += next->view();
      }
      ++next;
      ++i;
    } else {
      out_ += c;
    }
  }
}

}  // namespace privet
