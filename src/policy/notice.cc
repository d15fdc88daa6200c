// Renders the notice document (notice_document.h) as Markdown or as a standalone HTML page.
// Both renderers escape every span for their format; neither adds content of its own beyond
// layout, so the two formats always say the same thing.
#include "privet/notice.h"

#include <string>
#include <string_view>

#include "common/html.h"
#include "policy/notice_document.h"

namespace privet {
namespace {

using policy_internal::Block;
using policy_internal::NoticeDocument;
using policy_internal::Rich;
using policy_internal::Section;
using policy_internal::Span;

// Line breaks and tabs in policy strings become spaces: a description cannot start a new block.
std::string OneLine(std::string_view s) {
  std::string out;
  out.reserve(s.size());
  for (char c : s) out += (c == '\n' || c == '\r' || c == '\t') ? ' ' : c;
  return out;
}

// ---- Markdown ----

std::string MarkdownEscape(std::string_view s) {
  std::string out;
  out.reserve(s.size());
  for (char c : OneLine(s)) {
    switch (c) {
      case '\\':
      case '`':
      case '*':
      case '_':
      case '[':
      case ']':
      case '<':
      case '>':
      case '#':
      case '&':
      case '|':
      case '~':
        out += '\\';
        break;
      default:
        break;
    }
    out += c;
  }
  return out;
}

// A code span that survives backticks inside the text (CommonMark: a longer fence).
std::string MarkdownCode(std::string_view s) {
  std::string text = OneLine(s);
  size_t longest = 0;
  size_t run = 0;
  for (char c : text) {
    run = c == '`' ? run + 1 : 0;
    if (run > longest) longest = run;
  }
  std::string fence(longest + 1, '`');
  bool pad = !text.empty() && (text.front() == '`' || text.back() == '`');
  return fence + (pad ? " " : "") + text + (pad ? " " : "") + fence;
}

std::string MarkdownInline(const Rich& r) {
  std::string out;
  for (const Span& span : r.spans()) {
    switch (span.kind) {
      case Span::Kind::kText:
        out += MarkdownEscape(span.text);
        break;
      case Span::Kind::kCode:
        out += MarkdownCode(span.text);
        break;
      case Span::Kind::kStrong:
        out += "**" + MarkdownEscape(span.text) + "**";
        break;
      case Span::Kind::kLink:  // SafeHref: no space, '<', '>', '\\' or control character in href
        out += "[" + MarkdownEscape(span.text) + "](<" + span.href + ">)";
        break;
    }
  }
  // A block must not start like a list item or a setext underline.
  if (!out.empty() && (out[0] == '-' || out[0] == '+' || out[0] == '=')) out.insert(0, 1, '\\');
  size_t digits = 0;
  while (digits < out.size() && out[digits] >= '0' && out[digits] <= '9') ++digits;
  if (digits > 0 && digits < out.size() && (out[digits] == '.' || out[digits] == ')')) {
    out.insert(digits, 1, '\\');
  }
  return out;
}

void MarkdownSection(const Section& s, int level, std::string& out) {
  out += std::string(level, '#') + " " + MarkdownInline(s.title) + "\n\n";
  for (const Block& b : s.blocks) {
    if (b.kind == Block::Kind::kParagraph) {
      out += MarkdownInline(b.items.front()) + "\n\n";
    } else {
      for (const Rich& item : b.items) out += "- " + MarkdownInline(item) + "\n";
      out += "\n";
    }
  }
  for (const Section& sub : s.subsections) MarkdownSection(sub, level + 1, out);
}

// ---- HTML ----

// Notice text is one line per item: line breaks in policy text become spaces, then escaped.
std::string HtmlText(std::string_view s) { return privet::HtmlEscape(OneLine(s)); }

std::string HtmlInline(const Rich& r) {
  std::string out;
  for (const Span& span : r.spans()) {
    switch (span.kind) {
      case Span::Kind::kText:
        out += HtmlText(span.text);
        break;
      case Span::Kind::kCode:
        out += "<code>" + HtmlText(span.text) + "</code>";
        break;
      case Span::Kind::kStrong:
        out += "<strong>" + HtmlText(span.text) + "</strong>";
        break;
      case Span::Kind::kLink:
        out += "<a href=\"" + HtmlText(span.href) + "\">" + HtmlText(span.text) + "</a>";
        break;
    }
  }
  return out;
}

void HtmlSection(const Section& s, int level, std::string& out) {
  std::string h = "h" + std::to_string(level);
  out += "<section id=\"" + HtmlText(s.anchor) + "\">\n";
  out += "<" + h + ">" + HtmlInline(s.title) + "</" + h + ">\n";
  for (const Block& b : s.blocks) {
    if (b.kind == Block::Kind::kParagraph) {
      out += "<p>" + HtmlInline(b.items.front()) + "</p>\n";
    } else {
      out += "<ul>\n";
      for (const Rich& item : b.items) out += "<li>" + HtmlInline(item) + "</li>\n";
      out += "</ul>\n";
    }
  }
  for (const Section& sub : s.subsections) HtmlSection(sub, level + 1, out);
  out += "</section>\n";
}

constexpr std::string_view kStyle = R"css(
:root { color-scheme: light; }
body { margin: 0; background: #ffffff; color: #1f2328;
  font-family: system-ui, -apple-system, "Segoe UI", Roboto, "Helvetica Neue", Arial, sans-serif;
  font-size: 1rem; line-height: 1.6; }
main { max-width: 46rem; margin: 0 auto; padding: 2rem 1.25rem 4rem; }
h1 { font-size: 1.9rem; line-height: 1.25; margin: 0 0 1rem; }
h2 { font-size: 1.35rem; margin: 2.5rem 0 .75rem; padding-bottom: .3rem;
  border-bottom: 1px solid #d8dee4; }
h3 { font-size: 1.1rem; margin: 1.5rem 0 .5rem; }
p, ul { margin: .6rem 0; }
ul { padding-left: 1.4rem; }
li { margin: .35rem 0; }
code { font-family: ui-monospace, SFMono-Regular, Menlo, Consolas, monospace; font-size: .88em;
  background: #f3f4f6; padding: .1em .3em; border-radius: 4px; overflow-wrap: anywhere; }
nav { background: #f6f8fa; border: 1px solid #d8dee4; border-radius: 8px; padding: .75rem 1.25rem; }
nav h2 { margin: 0 0 .25rem; border: 0; font-size: 1rem; }
nav ol { margin: 0; padding-left: 1.25rem; }
a { color: #0b57d0; }
)css";

}  // namespace

std::string RenderNoticeMarkdown(const Policy& p) { return RenderNoticeMarkdown(p, {}); }

std::string RenderNoticeMarkdown(const Policy& p, const NoticeHistory& history) {
  NoticeDocument doc = policy_internal::BuildNotice(p, history);
  std::string out = "# " + MarkdownInline(Rich(doc.title)) + "\n\n";
  for (const Rich& para : doc.intro) out += MarkdownInline(para) + "\n\n";
  for (const Section& s : doc.sections) MarkdownSection(s, 2, out);
  while (out.size() > 1 && out[out.size() - 1] == '\n' && out[out.size() - 2] == '\n') {
    out.pop_back();
  }
  return out;
}

std::string RenderNoticeHtml(const Policy& p) { return RenderNoticeHtml(p, {}); }

std::string RenderNoticeHtml(const Policy& p, const NoticeHistory& history) {
  NoticeDocument doc = policy_internal::BuildNotice(p, history);
  std::string out;
  out += "<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n";
  out += "<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\n";
  out +=
      "<meta http-equiv=\"Content-Security-Policy\" "
      "content=\"default-src 'none'; style-src 'unsafe-inline'\">\n";
  out += "<title>" + HtmlText(doc.title) + "</title>\n";
  out += "<style>" + std::string(kStyle) + "</style>\n</head>\n<body>\n<main>\n";
  out += "<h1>" + HtmlText(doc.title) + "</h1>\n";
  for (const Rich& para : doc.intro) out += "<p>" + HtmlInline(para) + "</p>\n";
  out += "<nav aria-label=\"Contents\">\n<h2>Contents</h2>\n<ol>\n";
  for (const Section& s : doc.sections) {
    out += "<li><a href=\"#" + HtmlText(s.anchor) + "\">" + HtmlInline(s.title) + "</a></li>\n";
  }
  out += "</ol>\n</nav>\n";
  for (const Section& s : doc.sections) HtmlSection(s, 2, out);
  out += "</main>\n</body>\n</html>\n";
  return out;
}

}  // namespace privet
