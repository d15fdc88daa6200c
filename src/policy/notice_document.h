// The privacy notice as a small document tree, built once from a Policy (BuildNotice) and
// rendered to Markdown or HTML (notice.cc), so both formats say exactly the same thing.
//
// Text is kept as spans (plain, code, strong); each renderer escapes it for its own format, so
// policy strings can never inject markup.
//
// Private to src/policy/.
#pragma once

#include <string>
#include <string_view>
#include <vector>

#include "privet/notice.h"
#include "privet/policy.h"

namespace privet::policy_internal {

struct Span {
  enum class Kind { kText, kCode, kStrong, kLink };
  Kind kind = Kind::kText;
  std::string text;
  std::string href;  // kLink only: an http, https or mailto URL (SafeHref), never anything else
};

// True for an href a renderer may emit as a link: http://, https:// or mailto: (any case), with
// something after the scheme and no whitespace, control characters, quotes or angle brackets.
// `javascript:`, `data:` and relative references are never links.
bool SafeHref(std::string_view href);

// A line of text: a sequence of spans, built fluently:
//   Rich().Strong("Legal basis:").Text(" ").Text(LegalBasisTitle(b))
// Readers see descriptions and names: ids of the policy file never reach the text.
class Rich {
 public:
  Rich() = default;
  explicit Rich(std::string_view text) { Text(text); }

  Rich& Text(std::string_view s) { return Append(Span::Kind::kText, s); }
  Rich& Code(std::string_view s) { return Append(Span::Kind::kCode, s); }
  Rich& Strong(std::string_view s) { return Append(Span::Kind::kStrong, s); }
  // `text` linked to `href`; plain text when `href` is not SafeHref.
  Rich& Link(std::string_view text, std::string_view href);
  // An address: linked when it is a URL (http, https) or an email address (mailto:).
  Rich& Address(std::string_view address);
  // Appends every span of `other`.
  Rich& Append(const Rich& other);

  const std::vector<Span>& spans() const { return spans_; }
  bool empty() const { return spans_.empty(); }

 private:
  Rich& Append(Span::Kind kind, std::string_view s) {
    if (!s.empty()) spans_.push_back(Span{kind, std::string(s)});
    return *this;
  }
  std::vector<Span> spans_;
};

struct Block {
  enum class Kind { kParagraph, kList };
  Kind kind = Kind::kParagraph;
  std::vector<Rich> items;  // one for a paragraph, one per bullet for a list
};

struct Section {
  std::string anchor;  // stable id for links: "rights"
  Rich title;
  std::vector<Block> blocks;
  std::vector<Section> subsections;

  void Paragraph(Rich text) { blocks.push_back(Block{Block::Kind::kParagraph, {std::move(text)}}); }
  void List(std::vector<Rich> items) {
    if (!items.empty()) blocks.push_back(Block{Block::Kind::kList, std::move(items)});
  }
};

struct NoticeDocument {
  std::string title;
  std::vector<Rich> intro;  // paragraphs under the title
  std::vector<Section> sections;
};

// Deterministic: the same policy always gives the same document.
NoticeDocument BuildNotice(const Policy& p, const NoticeHistory& history = {});

}  // namespace privet::policy_internal
