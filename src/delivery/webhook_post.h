// One webhook request: a signed JSON POST through libcurl.
#pragma once

#include <curl/curl.h>

#include <string>
#include <string_view>

#include "privet/delivery.h"
#include "privet/status.h"

namespace privet::delivery {

// Checks an endpoint URL: https://, or http:// to a loopback address when `allow_loopback_http`;
// no user or password in it (secrets go in the signature). InvalidArgument naming "url".
Status CheckWebhookUrl(std::string_view url, bool allow_loopback_http);

// `Privet-Signature` for `body` sent at `unix_seconds`: "t=<seconds>,v1=<hex HMAC-SHA256 of
// '<seconds>.<body>' under `secret`>".
std::string WebhookSignature(std::string_view secret, int64_t unix_seconds, std::string_view body);

struct PostResult {
  bool acknowledged = false;  // a 2xx answer
  std::string error;          // http_<status>, connect, timeout, tls, ...
};

class WebhookClient {
 public:
  explicit WebhookClient(const DeliveryOptions& options);
  ~WebhookClient();
  WebhookClient(const WebhookClient&) = delete;
  WebhookClient& operator=(const WebhookClient&) = delete;

  PostResult Post(const std::string& url, std::string_view body, std::string_view signature,
                  std::string_view idempotency_key);

 private:
  const DeliveryOptions& options_;
  CURL* curl_ = nullptr;
};

}  // namespace privet::delivery
