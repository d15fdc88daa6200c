#include "delivery/webhook_post.h"

#include <memory>
#include <mutex>

#include "crypto/crypto.h"

namespace privet::delivery {
namespace {

size_t Discard(char*, size_t size, size_t count, void*) { return size * count; }

struct UrlParts {
  std::string scheme;
  std::string host;
  bool has_credentials = false;
};

StatusOr<UrlParts> ParseUrl(std::string_view url) {
  std::unique_ptr<CURLU, decltype(&curl_url_cleanup)> h(curl_url(), curl_url_cleanup);
  if (!h || curl_url_set(h.get(), CURLUPART_URL, std::string(url).c_str(), 0) != CURLUE_OK)
    return InvalidArgument("not a valid URL", "url");
  UrlParts parts;
  for (auto [part, out] : {std::pair<CURLUPart, std::string*>{CURLUPART_SCHEME, &parts.scheme},
                           {CURLUPART_HOST, &parts.host}}) {
    char* value = nullptr;
    if (curl_url_get(h.get(), part, &value, 0) != CURLUE_OK || value == nullptr)
      return InvalidArgument("not a valid URL", "url");
    *out = value;
    curl_free(value);
  }
  for (CURLUPart part : {CURLUPART_USER, CURLUPART_PASSWORD}) {
    char* value = nullptr;
    if (curl_url_get(h.get(), part, &value, 0) == CURLUE_OK && value != nullptr) {
      parts.has_credentials = true;
      curl_free(value);
    }
  }
  return parts;
}

}  // namespace

Status CheckWebhookUrl(std::string_view url, bool allow_loopback_http) {
  if (url.size() > 2048) return InvalidArgument("the URL is longer than 2048 bytes", "url");
  PRIVET_ASSIGN_OR_RETURN(UrlParts parts, ParseUrl(url));
  if (parts.has_credentials)
    return InvalidArgument("the URL must not carry a user or password", "url");
  if (parts.scheme == "https") return Status::Ok();
  const bool loopback =
      parts.host == "127.0.0.1" || parts.host == "[::1]" || parts.host == "localhost";
  if (parts.scheme == "http" && allow_loopback_http && loopback) return Status::Ok();
  return InvalidArgument("a webhook URL must be https://", "url");
}

std::string WebhookSignature(std::string_view secret, int64_t unix_seconds, std::string_view body) {
  const std::string t = std::to_string(unix_seconds);
  std::string signed_bytes = t + "." + std::string(body);
  return "t=" + t + ",v1=" + crypto::HmacSha256Hex(secret, signed_bytes);
}

WebhookClient::WebhookClient(const DeliveryOptions& options) : options_(options) {
  static std::once_flag init;
  std::call_once(init, [] { curl_global_init(CURL_GLOBAL_DEFAULT); });
  curl_ = curl_easy_init();
}

WebhookClient::~WebhookClient() {
  if (curl_ != nullptr) curl_easy_cleanup(curl_);
}

PostResult WebhookClient::Post(const std::string& url, std::string_view body,
                               std::string_view signature, std::string_view idempotency_key) {
  if (curl_ == nullptr) return {false, "curl_init"};
  // Checked again at each send: a URL stored under other rules (allow_loopback_http) or by an
  // older version must still meet today's.
  if (!CheckWebhookUrl(url, options_.allow_loopback_http).ok()) return {false, "bad_url"};
  curl_slist* headers = curl_slist_append(nullptr, "Content-Type: application/json");
  const std::string sig = "Privet-Signature: " + std::string(signature);
  const std::string key = "Privet-Idempotency-Key: " + std::string(idempotency_key);
  headers = curl_slist_append(headers, sig.c_str());
  headers = curl_slist_append(headers, key.c_str());
  headers = curl_slist_append(headers, "Expect:");  // no 100-continue round trip
  CURL* c = curl_;
  curl_easy_setopt(c, CURLOPT_URL, url.c_str());
  curl_easy_setopt(c, CURLOPT_PROTOCOLS_STR, options_.allow_loopback_http ? "https,http" : "https");
  curl_easy_setopt(c, CURLOPT_FOLLOWLOCATION, 0L);
  curl_easy_setopt(c, CURLOPT_SSL_VERIFYPEER, 1L);
  curl_easy_setopt(c, CURLOPT_SSL_VERIFYHOST, 2L);
  if (!options_.webhook_ca_file.empty())
    curl_easy_setopt(c, CURLOPT_CAINFO, options_.webhook_ca_file.c_str());
  curl_easy_setopt(c, CURLOPT_TIMEOUT_MS, static_cast<long>(options_.webhook_timeout.count()));
  curl_easy_setopt(c, CURLOPT_NOSIGNAL, 1L);
  curl_easy_setopt(c, CURLOPT_USERAGENT, "privet-webhooks/1");
  curl_easy_setopt(c, CURLOPT_HTTPHEADER, headers);
  curl_easy_setopt(c, CURLOPT_POSTFIELDS, body.data());
  curl_easy_setopt(c, CURLOPT_POSTFIELDSIZE_LARGE, static_cast<curl_off_t>(body.size()));
  curl_easy_setopt(c, CURLOPT_WRITEFUNCTION, Discard);
  const CURLcode rc = curl_easy_perform(c);
  long status = 0;
  curl_easy_getinfo(c, CURLINFO_RESPONSE_CODE, &status);
  curl_easy_setopt(c, CURLOPT_HTTPHEADER, nullptr);
  curl_slist_free_all(headers);
  if (rc == CURLE_OK && status >= 200 && status < 300) return {true, ""};
  if (rc == CURLE_OK) return {false, "http_" + std::to_string(status)};
  switch (rc) {
    case CURLE_COULDNT_RESOLVE_HOST:
    case CURLE_COULDNT_CONNECT:
      return {false, "connect"};
    case CURLE_OPERATION_TIMEDOUT:
      return {false, "timeout"};
    case CURLE_SSL_CONNECT_ERROR:
    case CURLE_PEER_FAILED_VERIFICATION:
      return {false, "tls"};
    default:
      return {false, "curl_" + std::to_string(static_cast<int>(rc))};
  }
}

}  // namespace privet::delivery
