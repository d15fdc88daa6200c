#include "delivery/messages.h"

#include <algorithm>
#include <array>
#include <vector>

#include "common/html.h"

namespace privet::delivery {
namespace {

struct DefaultTemplate {
  std::string_view topic;
  std::string_view subject;
  std::string_view text;
};

// What privet says when the policy gives no template for a topic. Each names its facts from the
// message's body (rights/request_desk.cc, vault/writes.cc, vault/announcements.cc, ...).
constexpr std::array<DefaultTemplate, 11> kDefaults = {{
    {"sign_in_code", "Your sign-in code",
     "To sign in to the privacy center, enter this code: {{code}}\n\nIt is valid until "
     "{{expires_at}} and works once. If you did not ask for it, you can ignore this message: "
     "nobody can sign in without it."},
    {"identity_code", "Your verification code",
     "To confirm your {{right}} request, enter this code: {{code}}\n\nIt is valid until "
     "{{expires_at}}. If you did not make this request, you can ignore this message."},
    {"request_completed", "Your {{right}} request is complete",
     "We have carried out your {{right}} request (reference {{request}})."},
    {"request_denied", "Your {{right}} request",
     "We could not carry out your {{right}} request (reference {{request}}), for this reason: "
     "{{exceptions}}.\n\nYou may complain to a supervisory authority or seek a judicial "
     "remedy."},
    {"request_extended", "Your {{right}} request will take longer",
     "We need more time to answer your {{right}} request (reference {{request}}): {{reason}}. "
     "We will answer by {{new_due}}."},
    {"request_routed", "A member's {{right}} request",
     "A member of your organization made a {{right}} request (reference {{request}})."},
    {"restriction_lift", "The restriction of your data ends",
     "We are about to lift the restriction of processing of your data ({{reason}})."},
    {"feature_suspended", "{{description}} is paused",
     "{{description}} needs data you removed ({{requires}}), so it is paused until you provide "
     "it again."},
    {"policy_change", "What is new in our privacy policy",
     "Our privacy policy (version {{policy_version}}, effective {{effective}}) adds uses of "
     "your data: purposes {{new_purposes}}; recipients {{new_recipients}}.\n\nYou can opt out "
     "within {{opt_out_window}}: {{opt_out}}"},
    {"policy_updated", "Our privacy policy changes on {{effective}}",
     "We have published version {{version}} of our privacy policy. It takes effect on "
     "{{effective}}.\n\nWhat changes:\n{{summary}}\n\nRead it at {{site}}{{notice}}"},
    {"breach_notice", "A security incident affecting your data",
     "We are writing to tell you about a security incident at {{organization}} that concerns "
     "your data.\n\nWhat happened: {{what}}\nIt started: {{started_at}}\nIt ended: "
     "{{ended_at}}\nYour data concerned: {{categories}}\n\nWhat we have done, and what you "
     "can do: {{measures}}\n\nQuestions: {{contact}}"},
}};

// A message for a topic with no template anywhere: every fact of the body, one per line.
constexpr std::string_view kGenericSubject = "A message about your data";

std::string ItemText(const nlohmann::json& item) {
  if (item.is_string()) return item.get<std::string>();
  if (item.is_object()) {
    for (const char* key : {"description", "name", "id"}) {
      if (auto it = item.find(key); it != item.end() && it->is_string())
        return it->get<std::string>();
    }
  }
  return item.dump();
}

std::string ValueText(const nlohmann::json& v) {
  if (v.is_string()) return v.get<std::string>();
  if (v.is_null()) return "";
  if (v.is_array()) {
    std::string out;
    for (const nlohmann::json& item : v) {
      if (!out.empty()) out += ", ";
      out += ItemText(item);
    }
    return out.empty() ? "none" : out;
  }
  return v.dump();
}

// The plain text as HTML: escaped, a paragraph per block, line breaks kept.
std::string TextAsHtml(std::string_view text) {
  std::string out = "<!DOCTYPE html>\n<html><body>\n<p>";
  for (size_t i = 0; i < text.size(); ++i) {
    if (text[i] == '\n' && i + 1 < text.size() && text[i + 1] == '\n') {
      out += "</p>\n<p>";
      while (i + 1 < text.size() && text[i + 1] == '\n') ++i;
    } else if (text[i] == '\n') {
      out += "<br>\n";
    } else {
      AppendHtmlEscaped(out, text.substr(i, 1));
    }
  }
  out += "</p>\n</body></html>\n";
  return out;
}

}  // namespace

std::string FillTemplate(std::string_view tmpl, const nlohmann::json& values, bool html) {
  std::string out;
  size_t at = 0;
  while (at < tmpl.size()) {
    const size_t open = tmpl.find("{{", at);
    const size_t close = open == std::string_view::npos ? open : tmpl.find("}}", open + 2);
    if (close == std::string_view::npos) {
      out += tmpl.substr(at);
      break;
    }
    out += tmpl.substr(at, open - at);
    std::string_view name = tmpl.substr(open + 2, close - open - 2);
    while (!name.empty() && name.front() == ' ') name.remove_prefix(1);
    while (!name.empty() && name.back() == ' ') name.remove_suffix(1);
    if (auto it = values.find(std::string(name)); it != values.end()) {
      const std::string value = ValueText(*it);
      if (html) {
        AppendHtmlEscaped(out, value);
      } else {
        out += value;
      }
    }
    at = close + 2;
  }
  return out;
}

RenderedMessage RenderMarketing(const CompiledPolicy& policy, const nlohmann::json& body,
                                std::string_view unsubscribe_url) {
  const Policy& p = policy.policy();
  auto field = [&](const char* key) {
    auto it = body.find(key);
    return it != body.end() && it->is_string() ? it->get<std::string>() : std::string();
  };
  std::vector<std::string> contact;
  for (const std::string* c :
       {&p.contact.email, &p.contact.address, &p.contact.phone, &p.contact.web_form}) {
    if (!c->empty()) contact.push_back(*c);
  }
  std::string reach;
  for (const std::string& c : contact) reach += (reach.empty() ? "" : " | ") + c;
  const std::string sender = "Sent by " + p.organization + (reach.empty() ? "" : ". Contact: ");
  const std::string stop = "To stop marketing email from " + p.organization + ", unsubscribe: ";

  RenderedMessage m;
  m.subject = field("subject");
  for (char& c : m.subject) {
    if (c == '\r' || c == '\n') c = ' ';  // one header line
  }
  m.text = field("text") + "\n\n-- \n" + sender + reach + "\n" + stop +
           std::string(unsubscribe_url) + "\n";
  const std::string footer = "<hr>\n<p>" + HtmlEscape(sender + reach) + "<br>\n" +
                             HtmlEscape(stop) + "<a href=\"" + HtmlEscape(unsubscribe_url) + "\">" +
                             HtmlEscape(unsubscribe_url) + "</a></p>\n";
  std::string html = field("html");
  if (html.empty()) html = TextAsHtml(field("text"));
  size_t end = std::string::npos;
  for (const char* tag : {"</body>", "</BODY>", "</Body>"}) {
    end = std::min(end, html.rfind(tag));
  }
  m.html = end == std::string::npos ? html + footer : html.insert(end, footer);
  return m;
}

RenderedMessage RenderMessage(const CompiledPolicy& policy, std::string_view topic,
                              const nlohmann::json& body, std::string_view site) {
  const Policy& p = policy.policy();
  nlohmann::json values = body.is_object() ? body : nlohmann::json::object();
  values["site"] = site;
  values["organization"] = p.organization;
  values["contact_email"] = p.contact.email;

  std::string_view subject = kGenericSubject;
  std::string text_template;
  std::string_view html_template;
  bool found = false;
  for (const MessageTemplate& t : p.messages) {
    if (t.topic == topic) {
      subject = t.subject;
      text_template = t.text;
      html_template = t.html;
      found = true;
      break;
    }
  }
  if (!found) {
    for (const DefaultTemplate& d : kDefaults) {
      if (d.topic == topic) {
        subject = d.subject;
        text_template = d.text;
        found = true;
        break;
      }
    }
  }
  if (!found && body.is_object()) {
    for (const auto& [key, value] : body.items()) text_template += key + ": {{" + key + "}}\n";
  }
  // Every message says who sends it and how to reach them.
  const std::string footer = "\n\n-- \n{{organization}}\n{{contact_email}}\n";
  RenderedMessage m;
  m.subject = FillTemplate(subject, values, /*html=*/false);
  for (char& c : m.subject) {
    if (c == '\r' || c == '\n') c = ' ';  // one header line
  }
  m.text = FillTemplate(text_template + footer, values, /*html=*/false);
  m.html = html_template.empty() ? TextAsHtml(m.text) : FillTemplate(html_template, values, true);
  return m;
}

}  // namespace privet::delivery
