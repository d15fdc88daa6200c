// A webhook receiver on loopback for the delivery tests: plain HTTP/1.1 (Boost.Beast) on
// 127.0.0.1, one connection at a time, `Connection: close` on every answer. It records each
// request and answers with the next status of a scripted list (then 200).
#pragma once

#include <boost/asio/ip/tcp.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>
#include <chrono>
#include <deque>
#include <map>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

namespace privet::testing {

struct ReceivedRequest {
  std::string target;
  std::map<std::string, std::string> headers;  // lower-case names
  std::string body;
};

class HttpReceiver {
 public:
  // `statuses`: the answers to the first requests, in order; 200 after them.
  explicit HttpReceiver(std::vector<int> statuses = {})
      : statuses_(statuses.begin(), statuses.end()) {
    acceptor_.open(boost::asio::ip::tcp::v4());
    acceptor_.set_option(boost::asio::socket_base::reuse_address(true));
    acceptor_.bind({boost::asio::ip::make_address("127.0.0.1"), 0});
    acceptor_.listen();
    port_ = acceptor_.local_endpoint().port();
    thread_ = std::thread([this] { Serve(); });
  }
  ~HttpReceiver() {
    stop_ = true;
    boost::system::error_code ec;
    boost::asio::ip::tcp::socket poke(io_);
    poke.connect({boost::asio::ip::make_address("127.0.0.1"), port_}, ec);  // wakes accept
    thread_.join();
  }
  HttpReceiver(const HttpReceiver&) = delete;
  HttpReceiver& operator=(const HttpReceiver&) = delete;

  std::string url() const { return "http://127.0.0.1:" + std::to_string(port_) + "/hook"; }
  std::vector<ReceivedRequest> Received() {
    std::lock_guard<std::mutex> lock(mu_);
    return received_;
  }
  std::vector<ReceivedRequest> WaitFor(
      size_t n, std::chrono::milliseconds timeout = std::chrono::seconds(10)) {
    const auto deadline = std::chrono::steady_clock::now() + timeout;
    std::vector<ReceivedRequest> got = Received();
    while (got.size() < n && std::chrono::steady_clock::now() < deadline) {
      std::this_thread::sleep_for(std::chrono::milliseconds(20));
      got = Received();
    }
    return got;
  }

 private:
  void Serve() {
    namespace http = boost::beast::http;
    while (!stop_) {
      boost::system::error_code ec;
      boost::asio::ip::tcp::socket socket(io_);
      acceptor_.accept(socket, ec);
      if (ec || stop_) continue;
      boost::beast::flat_buffer buffer;
      http::request<http::string_body> req;
      http::read(socket, buffer, req, ec);
      if (ec) continue;
      ReceivedRequest r{.target = std::string(req.target()), .body = req.body()};
      for (const auto& h : req) {
        std::string name(h.name_string());
        for (char& c : name) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
        r.headers[name] = std::string(h.value());
      }
      int status = 200;
      {
        std::lock_guard<std::mutex> lock(mu_);
        if (!statuses_.empty()) {
          status = statuses_.front();
          statuses_.pop_front();
        }
        received_.push_back(std::move(r));
      }
      http::response<http::string_body> res{static_cast<http::status>(status), req.version()};
      res.set(http::field::connection, "close");
      res.body() = "{}";
      res.prepare_payload();
      http::write(socket, res, ec);
      socket.shutdown(boost::asio::ip::tcp::socket::shutdown_both, ec);
    }
  }

  boost::asio::io_context io_;
  boost::asio::ip::tcp::acceptor acceptor_{io_};
  uint16_t port_ = 0;
  std::atomic<bool> stop_{false};
  std::mutex mu_;
  std::deque<int> statuses_;
  std::vector<ReceivedRequest> received_;
  std::thread thread_;
};

}  // namespace privet::testing
