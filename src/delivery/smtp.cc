#include "delivery/smtp.h"

#include <sodium.h>

#include <cstring>
#include <mutex>

#include "common/unix_time.h"

namespace privet::delivery {
namespace {

constexpr size_t kBase64LineChars = 76;

std::string Base64(std::string_view bytes) {
  if (bytes.empty()) return "";
  std::string out(sodium_base64_ENCODED_LEN(bytes.size(), sodium_base64_VARIANT_ORIGINAL), '\0');
  sodium_bin2base64(out.data(), out.size(), reinterpret_cast<const unsigned char*>(bytes.data()),
                    bytes.size(), sodium_base64_VARIANT_ORIGINAL);
  out.resize(std::strlen(out.c_str()));
  return out;
}

// Base64 in lines of 76 characters, each ended by CRLF (RFC 2045 6.8).
std::string Base64Lines(std::string_view bytes) {
  const std::string flat = Base64(bytes);
  std::string out;
  for (size_t i = 0; i < flat.size(); i += kBase64LineChars) {
    out += flat.substr(i, kBase64LineChars);
    out += "\r\n";
  }
  return out;
}

bool PrintableAscii(std::string_view s) {
  for (char c : s) {
    const auto u = static_cast<unsigned char>(c);
    if (u < 0x20 || u > 0x7e) return false;
  }
  return true;
}

// A header value as RFC 2047 encoded words when it is not printable ASCII: chunks of at most 45
// bytes (60 base64 characters, within the 75 an encoded word may have), cut between UTF-8
// characters, on folded lines.
std::string HeaderText(std::string_view value) {
  if (PrintableAscii(value)) return std::string(value);
  std::string out;
  size_t at = 0;
  while (at < value.size()) {
    size_t end = std::min(value.size(), at + 45);
    while (end < value.size() && end > at + 1 &&
           (static_cast<unsigned char>(value[end]) & 0xC0) == 0x80) {
      --end;  // not inside a character
    }
    if (!out.empty()) out += "\r\n ";
    out += "=?UTF-8?B?" + Base64(value.substr(at, end - at)) + "?=";
    at = end;
  }
  return out;
}

std::string DomainOf(std::string_view address) {
  const size_t at = address.rfind('@');
  return at == std::string_view::npos ? "privet.invalid" : std::string(address.substr(at + 1));
}

// RFC 5322 date in UTC: "Mon, 07 Dec 2026 04:06:36 +0000".
std::string MailDate(Time t) {
  static constexpr const char* kDays[] = {"Thu", "Fri", "Sat", "Sun", "Mon", "Tue", "Wed"};
  static constexpr const char* kMonths[] = {"Jan", "Feb", "Mar", "Apr", "May", "Jun",
                                            "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"};
  const int64_t secs = ToUnix(t);
  const int64_t days = secs >= 0 ? secs / 86400 : (secs - 86399) / 86400;
  const CivilDay d = CivilDayOf(t);
  const int64_t in_day = secs - days * 86400;
  char buf[64];
  std::snprintf(buf, sizeof buf, "%s, %02u %s %04d %02d:%02d:%02d +0000",
                kDays[((days % 7) + 7) % 7], d.day, kMonths[d.month - 1], d.year,
                static_cast<int>(in_day / 3600), static_cast<int>(in_day / 60 % 60),
                static_cast<int>(in_day % 60));
  return buf;
}

struct Upload {
  std::string_view data;
  size_t at = 0;
};

size_t ReadUpload(char* buffer, size_t size, size_t count, void* user) {
  auto* up = static_cast<Upload*>(user);
  const size_t n = std::min(size * count, up->data.size() - up->at);
  std::memcpy(buffer, up->data.data() + up->at, n);
  up->at += n;
  return n;
}

}  // namespace

bool PlainAddress(std::string_view address) {
  const size_t at = address.find('@');
  if (at == std::string_view::npos || at == 0 || at + 1 >= address.size() ||
      address.find('@', at + 1) != std::string_view::npos || address.size() > 254) {
    return false;
  }
  for (char c : address) {
    const auto u = static_cast<unsigned char>(c);
    if (u <= 0x20 || u == 0x7f || c == '<' || c == '>' || c == '"' || c == ',' || c == '(' ||
        c == ')' || c == ';' || c == '\\') {
      return false;
    }
  }
  return true;
}

std::string ComposeMime(const Email& email) {
  const std::string boundary = "privet-" + email.idempotency_key;
  std::string m;
  m += "Date: " + MailDate(email.date) + "\r\n";
  m += "From: " + (email.from_name.empty() ? "" : HeaderText(email.from_name) + " ") + "<" +
       email.from + ">\r\n";
  m += "To: <" + email.to + ">\r\n";
  m += "Subject: " + HeaderText(email.content.subject) + "\r\n";
  m += "Message-ID: <" + email.idempotency_key + "@" + DomainOf(email.from) + ">\r\n";
  m += "Privet-Idempotency-Key: " + email.idempotency_key + "\r\n";
  if (!email.unsubscribe_url.empty()) {
    m += "List-Unsubscribe: <" + email.unsubscribe_url + ">\r\n";
    m += "List-Unsubscribe-Post: List-Unsubscribe=One-Click\r\n";
  }
  m += "Auto-Submitted: auto-generated\r\n";
  m += "MIME-Version: 1.0\r\n";
  m += "Content-Type: multipart/alternative; boundary=\"" + boundary + "\"\r\n";
  m += "\r\n";
  for (const auto& [type, body] :
       {std::pair<std::string_view, const std::string&>{"text/plain", email.content.text},
        {"text/html", email.content.html}}) {
    m += "--" + boundary + "\r\n";
    m += "Content-Type: " + std::string(type) + "; charset=utf-8\r\n";
    m += "Content-Transfer-Encoding: base64\r\n\r\n";
    m += Base64Lines(body);
  }
  m += "--" + boundary + "--\r\n";
  return m;
}

SmtpClient::SmtpClient(const SmtpSettings& settings) : settings_(settings) {
  static std::once_flag init;
  std::call_once(init, [] { curl_global_init(CURL_GLOBAL_DEFAULT); });
  curl_ = curl_easy_init();
}

SmtpClient::~SmtpClient() {
  if (curl_ != nullptr) curl_easy_cleanup(curl_);
}

SendResult SmtpClient::Send(const Email& email) {
  if (curl_ == nullptr) return {SendResult::kUnreachable, "curl_init"};
  const std::string message = ComposeMime(email);
  Upload upload{message};
  const std::string from = "<" + settings_.from + ">";
  const std::string to = "<" + email.to + ">";
  curl_slist* rcpt = curl_slist_append(nullptr, to.c_str());
  CURL* c = curl_;
  curl_easy_setopt(c, CURLOPT_URL, settings_.url.c_str());
  curl_easy_setopt(c, CURLOPT_PROTOCOLS_STR, "smtp,smtps");
  curl_easy_setopt(c, CURLOPT_USE_SSL,
                   static_cast<long>(settings_.require_tls ? CURLUSESSL_ALL : CURLUSESSL_TRY));
  curl_easy_setopt(c, CURLOPT_SSL_VERIFYPEER, 1L);
  curl_easy_setopt(c, CURLOPT_SSL_VERIFYHOST, 2L);
  if (!settings_.ca_file.empty()) curl_easy_setopt(c, CURLOPT_CAINFO, settings_.ca_file.c_str());
  if (!settings_.username.empty()) {
    curl_easy_setopt(c, CURLOPT_USERNAME, settings_.username.c_str());
    curl_easy_setopt(c, CURLOPT_PASSWORD, settings_.password.c_str());
  }
  curl_easy_setopt(c, CURLOPT_MAIL_FROM, from.c_str());
  curl_easy_setopt(c, CURLOPT_MAIL_RCPT, rcpt);
  curl_easy_setopt(c, CURLOPT_READFUNCTION, ReadUpload);
  curl_easy_setopt(c, CURLOPT_READDATA, &upload);
  curl_easy_setopt(c, CURLOPT_UPLOAD, 1L);
  curl_easy_setopt(c, CURLOPT_INFILESIZE_LARGE, static_cast<curl_off_t>(message.size()));
  curl_easy_setopt(c, CURLOPT_TIMEOUT_MS, static_cast<long>(settings_.timeout.count()));
  curl_easy_setopt(c, CURLOPT_NOSIGNAL, 1L);
  const CURLcode rc = curl_easy_perform(c);
  long code = 0;
  curl_easy_getinfo(c, CURLINFO_RESPONSE_CODE, &code);
  curl_easy_setopt(c, CURLOPT_MAIL_RCPT, nullptr);
  curl_slist_free_all(rcpt);
  if (rc == CURLE_OK) return {SendResult::kSent, ""};
  switch (rc) {
    case CURLE_COULDNT_RESOLVE_HOST:
    case CURLE_COULDNT_CONNECT:
      return {SendResult::kUnreachable, "connect"};
    case CURLE_OPERATION_TIMEDOUT:
      return {SendResult::kUnreachable, "timeout"};
    case CURLE_LOGIN_DENIED:
      return {SendResult::kUnreachable, "auth"};
    case CURLE_USE_SSL_FAILED:
    case CURLE_SSL_CONNECT_ERROR:
    case CURLE_PEER_FAILED_VERIFICATION:
      return {SendResult::kUnreachable, "tls"};
    default:
      break;
  }
  if (code >= 500 && code < 600) return {SendResult::kReject, "smtp_" + std::to_string(code)};
  if (code >= 400) return {SendResult::kRetry, "smtp_" + std::to_string(code)};
  return {SendResult::kRetry, "curl_" + std::to_string(static_cast<int>(rc))};
}

}  // namespace privet::delivery
