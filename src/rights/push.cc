// Sending a portability export to another controller (Art. 20(2)) with libcurl: HTTPS only,
// certificates verified, no redirects followed, a bounded time.
#include <curl/curl.h>

#include <mutex>

#include "rights/internal.h"

namespace privet::rights_internal {
namespace {

size_t Discard(char*, size_t size, size_t count, void*) { return size * count; }

}  // namespace

StatusOr<int> PushExport(const PushTarget& target, const std::string& json) {
  if (target.url.rfind("https://", 0) != 0) {
    return InvalidArgument("an export is sent over https:// only", "push_to.url");
  }
  static std::once_flag init;
  std::call_once(init, [] { curl_global_init(CURL_GLOBAL_DEFAULT); });
  CURL* curl = curl_easy_init();
  if (curl == nullptr) return Internal("push: cannot create an HTTP client");
  curl_slist* headers = curl_slist_append(nullptr, "Content-Type: application/json");
  curl_easy_setopt(curl, CURLOPT_URL, target.url.c_str());
  curl_easy_setopt(curl, CURLOPT_PROTOCOLS_STR, "https");
  curl_easy_setopt(curl, CURLOPT_FOLLOWLOCATION, 0L);
  curl_easy_setopt(curl, CURLOPT_SSL_VERIFYPEER, 1L);
  curl_easy_setopt(curl, CURLOPT_SSL_VERIFYHOST, 2L);
  if (!target.ca_file.empty()) curl_easy_setopt(curl, CURLOPT_CAINFO, target.ca_file.c_str());
  curl_easy_setopt(curl, CURLOPT_TIMEOUT_MS, static_cast<long>(target.timeout.count()));
  curl_easy_setopt(curl, CURLOPT_NOSIGNAL, 1L);
  curl_easy_setopt(curl, CURLOPT_HTTPHEADER, headers);
  curl_easy_setopt(curl, CURLOPT_POSTFIELDS, json.data());
  curl_easy_setopt(curl, CURLOPT_POSTFIELDSIZE_LARGE, static_cast<curl_off_t>(json.size()));
  curl_easy_setopt(curl, CURLOPT_WRITEFUNCTION, Discard);
  const CURLcode rc = curl_easy_perform(curl);
  long status = 0;
  curl_easy_getinfo(curl, CURLINFO_RESPONSE_CODE, &status);
  curl_slist_free_all(headers);
  curl_easy_cleanup(curl);
  // Messages name the failure, never the export's content.
  if (rc != CURLE_OK)
    return Status(StatusCode::kUnavailable, std::string("push: ") + curl_easy_strerror(rc));
  if (status < 200 || status > 299) {
    return Status(StatusCode::kUnavailable,
                  "push: the receiving controller answered HTTP " + std::to_string(status));
  }
  return static_cast<int>(status);
}

}  // namespace privet::rights_internal
