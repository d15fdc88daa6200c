// A receiving controller on loopback for portability pushes (Art. 20(2)): HTTPS with a
// self-signed certificate made by openssl; it accepts one request and answers 202.
#pragma once

#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/ssl.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>
#include <boost/beast/ssl.hpp>
#include <cstdlib>
#include <string>
#include <thread>

namespace privet::testing {

class HttpsReceiver {
 public:
  explicit HttpsReceiver(const std::string& dir) : ssl_(boost::asio::ssl::context::tls_server) {
    cert_ = dir + "/cert.pem";
    const std::string key = dir + "/key.pem";
    const std::string cmd =
        "openssl req -x509 -newkey rsa:2048 -nodes -keyout " + key + " -out " + cert_ +
        " -days 1 -subj /CN=localhost -addext subjectAltName=IP:127.0.0.1 2>/dev/null";
    ok_ = std::system(cmd.c_str()) == 0;
    if (!ok_) return;
    ssl_.use_certificate_chain_file(cert_);
    ssl_.use_private_key_file(key, boost::asio::ssl::context::pem);
    acceptor_.open(boost::asio::ip::tcp::v4());
    acceptor_.bind({boost::asio::ip::make_address("127.0.0.1"), 0});
    acceptor_.listen();
    port_ = acceptor_.local_endpoint().port();
    thread_ = std::thread([this] { ServeOne(); });
  }
  ~HttpsReceiver() {
    if (thread_.joinable()) thread_.join();
  }
  bool ok() const { return ok_; }
  std::string url() const { return "https://127.0.0.1:" + std::to_string(port_) + "/import"; }
  const std::string& cert() const { return cert_; }
  std::string Received() {
    if (thread_.joinable()) thread_.join();
    return body_;
  }

 private:
  void ServeOne() {
    namespace http = boost::beast::http;
    boost::system::error_code ec;
    boost::asio::ip::tcp::socket socket(io_);
    acceptor_.accept(socket, ec);
    if (ec) return;
    boost::beast::ssl_stream<boost::asio::ip::tcp::socket> stream(std::move(socket), ssl_);
    stream.handshake(boost::asio::ssl::stream_base::server, ec);
    if (ec) return;
    boost::beast::flat_buffer buffer;
    http::request<http::string_body> req;
    http::read(stream, buffer, req, ec);
    if (ec) return;
    body_ = req.body();
    http::response<http::string_body> res{http::status::accepted, req.version()};
    res.set(http::field::content_type, "application/json");
    res.body() = "{}";
    res.prepare_payload();
    http::write(stream, res, ec);
    stream.shutdown(ec);
  }

  boost::asio::io_context io_;
  boost::asio::ssl::context ssl_;
  boost::asio::ip::tcp::acceptor acceptor_{io_};
  std::string cert_;
  bool ok_ = false;
  unsigned short port_ = 0;
  std::thread thread_;
  std::string body_;
};

}  // namespace privet::testing
