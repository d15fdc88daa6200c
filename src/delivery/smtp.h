// One email, composed as a MIME message (plain text and HTML alternatives, UTF-8, base64) and
// sent through libcurl's SMTP client, which keeps its connection open across messages.
#pragma once

#include <curl/curl.h>

#include <string>
#include <string_view>

#include "delivery/messages.h"
#include "privet/clock.h"
#include "privet/delivery.h"

namespace privet::delivery {

struct Email {
  std::string from;             // address only
  std::string from_name;        // display name (the organization)
  std::string to;               // address only
  std::string idempotency_key;  // also the Message-ID's local part
  Time date;
  RenderedMessage content;
  // Marketing only: the one-click unsubscribe URL (RFC 8058); empty for service messages.
  std::string unsubscribe_url;
};

// The message as sent: headers (Date, From, To, Subject (RFC 2047 when not ASCII), Message-ID,
// MIME-Version, Auto-Submitted, Privet-Idempotency-Key; with an unsubscribe URL, List-Unsubscribe
// and List-Unsubscribe-Post: List-Unsubscribe=One-Click) and a multipart/alternative body, with
// CRLF line ends.
std::string ComposeMime(const Email& email);

// True for an address that can go in an envelope and a header as it is: one `@`, no spaces,
// control characters, angle brackets, quotes or commas.
bool PlainAddress(std::string_view address);

// How a send ended: kSent; kRetry (a 4xx answer, or the server failed mid-way): try this message
// later; kReject (a 5xx answer to this message): it will never go; kUnreachable (no connection,
// TLS or authentication failed): nothing can go now, try later.
struct SendResult {
  enum Outcome { kSent, kRetry, kReject, kUnreachable } outcome = kSent;
  std::string error;  // a code: smtp_550, connect, tls, auth, timeout, ...
};

class SmtpClient {
 public:
  explicit SmtpClient(const SmtpSettings& settings);
  ~SmtpClient();
  SmtpClient(const SmtpClient&) = delete;
  SmtpClient& operator=(const SmtpClient&) = delete;

  SendResult Send(const Email& email);

 private:
  const SmtpSettings& settings_;
  CURL* curl_ = nullptr;
};

}  // namespace privet::delivery
