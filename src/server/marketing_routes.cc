// Marketing channels (CN13, CN14, CT07): the service sends marketing email through privet, which
// decides first and adds the unsubscribe; the subject unsubscribes from a link, without signing in.
#include <cctype>

#include "common/html.h"
#include "delivery/messages.h"
#include "policy/notice_text.h"
#include "privet/vault.h"
#include "server/api.h"
#include "server/json_io.h"

namespace privet::server {
namespace {

// The decision on a channel, for the channels privet decides but does not send (sms, phone,
// postal) as much as for email: the caller sends those itself, when this says it may.
StatusOr<HttpResponse> DecideChannel(const Call& call) {
  PRIVET_ASSIGN_OR_RETURN(SubjectInfo s, call.Subject());
  const std::string& channel = call.params.at("channel");
  PRIVET_ASSIGN_OR_RETURN(Decision d, call.ctx.vault.DecideMarketing(s.id, channel));
  const MarketingChannel* m = FindMarketingChannel(call.ctx.policy->policy(), channel);
  Json out = {{"channel", m->id},
              {"purpose", m->purpose},
              {"allowed", d.allowed()},
              {"reason", ReasonName(d.reason)},
              {"sent_by_privet", m->id == "email"}};
  if (d.allowed()) out["basis"] = LegalBasisName(d.basis);
  return JsonResponse(200, out);
}

// Queues a marketing email if the subject's choices allow it now (403 with the reason, and
// nothing queued, otherwise); the deliverer decides again when it sends.
StatusOr<HttpResponse> QueueMarketing(const Call& call) {
  PRIVET_ASSIGN_OR_RETURN(Json body,
                          ParseObject(call.request.body, {"channel", "subject", "text", "html"}));
  Field f{body, ""};
  Field long_text{body, "", size_t{256} * 1024};
  PRIVET_ASSIGN_OR_RETURN(std::string channel, f.RequiredString("channel"));
  PRIVET_ASSIGN_OR_RETURN(std::string subject, f.RequiredString("subject"));
  PRIVET_ASSIGN_OR_RETURN(std::string text, long_text.RequiredString("text"));
  PRIVET_ASSIGN_OR_RETURN(auto html, long_text.String("html"));
  if (!call.ctx.delivery.SendsMarketing()) {
    return FailedPrecondition(
        "marketing email needs the server's public URL (--public-url) for its unsubscribe link",
        "channel");
  }
  PRIVET_ASSIGN_OR_RETURN(SubjectInfo s, call.Subject());
  PRIVET_RETURN_IF_ERROR(call.ctx.vault.QueueMarketing({.subject_id = s.id,
                                                        .channel = std::move(channel),
                                                        .subject = std::move(subject),
                                                        .text = std::move(text),
                                                        .html = html.value_or(""),
                                                        .by = call.principal}));
  call.ctx.delivery.Wake();
  return JsonResponse(202, {{"queued", true}});
}

// A small page of our own: no script, no third-party resource, values escaped, and a policy that
// forbids anything else; the link's token must not leak to another site (no referrer).
HttpResponse Page(int status, std::string_view title, const std::string& body_html) {
  HttpResponse r{.status = status, .content_type = "text/html; charset=utf-8"};
  r.body =
      "<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n"
      "<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\n"
      "<meta name=\"referrer\" content=\"no-referrer\">\n<title>" +
      HtmlEscape(title) +
      "</title>\n<style>body{font-family:sans-serif;max-width:36rem;margin:3rem auto;"
      "padding:0 1rem;line-height:1.5}button{font-size:1rem;padding:.5rem 1rem}</style>\n"
      "</head>\n<body>\n<main>\n<h1>" +
      HtmlEscape(title) + "</h1>\n" + body_html + "</main>\n</body>\n</html>\n";
  r.headers.emplace_back("Content-Security-Policy",
                         "default-src 'none'; style-src 'unsafe-inline'; form-action 'self'; "
                         "frame-ancestors 'none'; base-uri 'none'");
  r.headers.emplace_back("Referrer-Policy", "no-referrer");
  return r;
}

// One answer for every link that does not work, whatever the reason (altered, unknown, an erased
// subject's): it says nothing of whose it was.
HttpResponse UnknownLink() {
  return Page(404, "This link does not work",
              "<p>This unsubscribe link is not valid. If you copied it from an email, check that "
              "it is complete.</p>\n");
}

std::string ChannelWords(std::string_view channel) {
  std::string words = policy_internal::MarketingChannelText(channel);
  for (char& c : words) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return words;
}

// GET: what the link would do, and a button that does it. Nothing changes here: mail scanners and
// link previews fetch links, and must never unsubscribe anyone.
StatusOr<HttpResponse> ConfirmPage(const Call& call) {
  StatusOr<std::string> channel = call.ctx.vault.UnsubscribeChannel(call.params.at("token"));
  if (!channel.ok()) {
    if (channel.status().code() == StatusCode::kNotFound) return UnknownLink();
    return channel.status();
  }
  const std::string organization = call.ctx.policy->policy().organization;
  return Page(200, "Unsubscribe",
              "<p>Stop marketing by <strong>" + HtmlEscape(ChannelWords(*channel)) +
                  "</strong> from " + HtmlEscape(organization) +
                  "? Messages about your account and your requests still reach you.</p>\n"
                  "<form method=\"post\">\n"
                  "<input type=\"hidden\" name=\"List-Unsubscribe\" value=\"One-Click\">\n"
                  "<button type=\"submit\">Unsubscribe</button>\n</form>\n");
}

// POST: the one-click unsubscribe (RFC 8058: the mail client posts List-Unsubscribe=One-Click),
// or the page's button. Takes effect at once; answered here, never by a redirect.
StatusOr<HttpResponse> UnsubscribeNow(const Call& call) {
  StatusOr<std::string> channel = call.ctx.vault.Unsubscribe(call.params.at("token"));
  if (!channel.ok()) {
    if (channel.status().code() == StatusCode::kNotFound) return UnknownLink();
    return channel.status();
  }
  return Page(200, "You are unsubscribed",
              "<p>" + HtmlEscape(call.ctx.policy->policy().organization) +
                  " will send you no more marketing by " + HtmlEscape(ChannelWords(*channel)) +
                  ". This took effect now. Your other choices are unchanged.</p>\n");
}

}  // namespace

void AddMarketingRoutes(RouteTable& table) {
  table.Add("POST", "/v1/subjects/{id}/marketing", kServiceOnly, QueueMarketing);
  table.Add("GET", "/v1/subjects/{id}/marketing/{channel}", kServiceOnly, DecideChannel);
  // The token is the only credential; the access log records the pattern, never the token.
  table.Add("GET", "/unsubscribe/{token}", kPublic, ConfirmPage);
  table.Add("POST", "/unsubscribe/{token}", kPublic, UnsubscribeNow);
}

}  // namespace privet::server
