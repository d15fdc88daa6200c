// An outbox message's text: what a subject reads, rendered from the message's JSON body with
// the template for its topic — the policy's (`messages:`, docs/policy.md) or the default.
//
// Templates are plain text with `{{name}}` placeholders, filled from the body's top-level keys
// and from `organization` and `contact_email` (the policy's) and `site` (where privet's public
// pages are, DeliveryOptions::public_url: a body's paths such as `/privacy` follow it). A string
// fills in as it is, a number as its digits, a list as its items joined by ", " (an item that is an
// object shows its `description`, `name` or `id`), anything else as compact JSON; an unknown name
// as nothing. The HTML part is the HTML template filled with HTML-escaped values, or, without one,
// the plain text escaped, with a paragraph per blank-line-separated block.
#pragma once

#include <nlohmann/json.hpp>
#include <string>
#include <string_view>

#include "privet/compiled_policy.h"

namespace privet::delivery {

struct RenderedMessage {
  std::string subject;
  std::string text;
  std::string html;
};

RenderedMessage RenderMessage(const CompiledPolicy& policy, std::string_view topic,
                              const nlohmann::json& body, std::string_view site = "");

// A marketing email (topic `marketing`): the caller's subject line, text and HTML from `body`
// ({"subject","text","html"}), each part followed by a footer that names the sender (the policy's
// organization), its contact details (email, postal address, phone, web form: those the policy
// gives) and the unsubscribe link `unsubscribe_url` (CN14). The caller's HTML is its own; the
// footer goes before its `</body>`, or at the end.
RenderedMessage RenderMarketing(const CompiledPolicy& policy, const nlohmann::json& body,
                                std::string_view unsubscribe_url);

// `{{name}}` placeholders of `tmpl` filled from `values` (escaped for HTML when `html`).
std::string FillTemplate(std::string_view tmpl, const nlohmann::json& values, bool html);

}  // namespace privet::delivery
