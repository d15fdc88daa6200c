// A small synchronous HTTP/1.1 client (Boost.Beast) for the end-to-end tests: one connection,
// kept alive across calls, reopened when the server closed it.
#pragma once

// GCC 12 with -O2 and the sanitizers reports a false -Wmaybe-uninitialized inside Beast's
// response parser (boost::optional in basic_parser.hpp, Boost 1.74); it is Boost's code, not ours.
// Clang has no such warning (and -Werror would stop on the unknown option), hence GCC only.
#if defined(__GNUC__) && !defined(__clang__)
#pragma GCC diagnostic push
#pragma GCC diagnostic ignored "-Wmaybe-uninitialized"
#endif
#include <boost/asio/connect.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>
#if defined(__GNUC__) && !defined(__clang__)
#pragma GCC diagnostic pop
#endif
#include <cstdint>
#include <map>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>

namespace privet::testing {

struct HttpReply {
  int status = 0;
  std::string body;
  std::map<std::string, std::string> headers;
  nlohmann::json json() const { return nlohmann::json::parse(body, nullptr, false); }
  // error.code / error.reason / error.field of an error document, or "".
  std::string error(const char* member = "code") const {
    auto j = json();
    if (!j.is_object() || !j.contains("error") || !j["error"].contains(member) ||
        !j["error"][member].is_string()) {
      return "";
    }
    return j["error"][member].get<std::string>();
  }
};

class HttpClient {
 public:
  explicit HttpClient(uint16_t port) : port_(port) {}

  HttpReply Send(const std::string& method, const std::string& target, const std::string& body = "",
                 const std::string& token = "",
                 const std::map<std::string, std::string>& headers = {}) {
    namespace http = boost::beast::http;
    for (int attempt = 0; attempt < 2; ++attempt) {
      Connect();
      http::request<http::string_body> req(http::string_to_verb(method), target, 11);
      if (req.method() == http::verb::unknown) req.method_string(method);
      req.set(http::field::host, "127.0.0.1");
      if (!token.empty()) req.set(http::field::authorization, "Bearer " + token);
      for (const auto& [name, value] : headers) req.set(name, value);
      if (!body.empty() && !headers.count("Content-Type"))
        req.set(http::field::content_type, "application/json");
      req.body() = body;
      req.keep_alive(true);
      req.prepare_payload();
      boost::beast::error_code ec;
      http::write(*stream_, req, ec);
      http::response<http::string_body> res;
      if (!ec) http::read(*stream_, buffer_, res, ec);
      if (ec) {  // the server closed the kept-alive connection: reconnect once
        stream_.reset();
        continue;
      }
      HttpReply reply{.status = static_cast<int>(res.result_int()), .body = res.body()};
      for (const auto& field : res)
        reply.headers[std::string(field.name_string())] = std::string(field.value());
      if (!res.keep_alive()) stream_.reset();
      return reply;
    }
    return {};
  }

  HttpReply Get(const std::string& target, const std::string& token = "",
                const std::map<std::string, std::string>& headers = {}) {
    return Send("GET", target, "", token, headers);
  }
  HttpReply Post(const std::string& target, const nlohmann::json& body, const std::string& token,
                 const std::map<std::string, std::string>& headers = {}) {
    return Send("POST", target, body.dump(), token, headers);
  }

 private:
  void Connect() {
    if (stream_) return;
    stream_.emplace(ioc_);
    buffer_.clear();
    stream_->connect(
        boost::asio::ip::tcp::endpoint(boost::asio::ip::make_address("127.0.0.1"), port_));
  }

  boost::asio::io_context ioc_;
  uint16_t port_;
  std::optional<boost::beast::tcp_stream> stream_;
  boost::beast::flat_buffer buffer_;
};

}  // namespace privet::testing
