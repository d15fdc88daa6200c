// A real SMTP server on loopback for the delivery tests: Debian's aiosmtpd, run by
// tests/testing/smtp_sink.py in a child process, which writes every message it accepts to a
// directory. Stopped (SIGTERM, then waited for) by the destructor.
//
//   SmtpSink sink(dir.path());            // or {.fail_first = 2}, {.reject = true}
//   ASSERT_TRUE(sink.ok());
//   ... deliver to sink.url() ...
//   std::vector<ReceivedMail> mail = sink.WaitFor(1);
#pragma once

#include <netinet/in.h>
#include <signal.h>
#include <sodium.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <string>
#include <thread>
#include <vector>

namespace privet::testing {

struct ReceivedMail {
  std::string mail_from;
  std::string rcpt_to;
  std::string data;  // the message as received (headers and body, CRLF)

  // The value of header `name` (case-sensitive, first occurrence, unfolded), or "".
  std::string Header(const std::string& name) const {
    const std::string key = "\r\n" + name + ": ";
    const std::string text = "\r\n" + data;
    size_t at = text.find(key);
    if (at == std::string::npos) return "";
    at += key.size();
    std::string value;
    for (;;) {
      const size_t end = text.find("\r\n", at);
      value += text.substr(at, end - at);
      if (end == std::string::npos || end + 2 >= text.size() ||
          (text[end + 2] != ' ' && text[end + 2] != '\t')) {
        break;
      }
      at = end + 3;
    }
    return value;
  }

  // The text/plain part's content, decoded from base64 (as privet sends it), or "".
  std::string Text() const {
    const std::string part = "Content-Type: text/plain; charset=utf-8\r\n";
    size_t at = data.find(part);
    if (at == std::string::npos) return "";
    at = data.find("\r\n\r\n", at);
    if (at == std::string::npos) return "";
    at += 4;
    const size_t end = data.find("\r\n--", at);
    const std::string encoded = data.substr(at, end == std::string::npos ? end : end - at);
    std::string out(encoded.size(), '\0');
    size_t len = 0;
    if (sodium_base642bin(reinterpret_cast<unsigned char*>(out.data()), out.size(), encoded.data(),
                          encoded.size(), "\r\n", &len, nullptr,
                          sodium_base64_VARIANT_ORIGINAL) != 0)
      return "";
    out.resize(len);
    return out;
  }
};

struct SmtpSinkOptions {
  int fail_first = 0;   // answer 451 to the first N messages
  bool reject = false;  // answer 550 to every message
  int delay_ms = 0;     // wait before answering each message
};

class SmtpSink {
 public:
  explicit SmtpSink(const std::string& dir, SmtpSinkOptions options = {}) : dir_(dir + "/mail") {
    std::filesystem::create_directories(dir_);
    port_ = FreePort();
    const std::string script = std::string(PRIVET_SOURCE_DIR) + "/tests/testing/smtp_sink.py";
    std::vector<std::string> args = {"/usr/bin/python3",
                                     script,
                                     "--port",
                                     std::to_string(port_),
                                     "--dir",
                                     dir_,
                                     "--fail-first",
                                     std::to_string(options.fail_first),
                                     "--delay-ms",
                                     std::to_string(options.delay_ms)};
    if (options.reject) args.push_back("--reject");
    const pid_t parent = getpid();
    pid_ = fork();
    if (pid_ == 0) {
      // A test killed by its timeout leaves no server behind: the kernel ends the sink with it.
      prctl(PR_SET_PDEATHSIG, SIGKILL);
      if (getppid() != parent) _exit(127);  // the test died before the line above
      std::vector<char*> argv;
      for (std::string& a : args) argv.push_back(a.data());
      argv.push_back(nullptr);
      execv(argv[0], argv.data());
      _exit(127);
    }
    for (int i = 0; i < 200 && !std::filesystem::exists(dir_ + "/ready"); ++i)
      std::this_thread::sleep_for(std::chrono::milliseconds(25));
    ok_ = std::filesystem::exists(dir_ + "/ready");
  }
  ~SmtpSink() { Stop(); }
  SmtpSink(const SmtpSink&) = delete;
  SmtpSink& operator=(const SmtpSink&) = delete;

  void Stop() {
    if (pid_ > 0) {
      kill(pid_, SIGTERM);
      waitpid(pid_, nullptr, 0);
      pid_ = -1;
    }
  }

  bool ok() const { return ok_; }
  int port() const { return port_; }
  std::string url() const { return "smtp://127.0.0.1:" + std::to_string(port_); }

  // Every message received so far, in the order accepted.
  std::vector<ReceivedMail> Received() const {
    std::vector<ReceivedMail> out;
    for (int n = 1;; ++n) {
      char name[16];
      std::snprintf(name, sizeof name, "%06d", n);
      const std::string base = dir_ + "/" + name;
      if (!std::filesystem::exists(base + ".eml")) break;
      ReceivedMail m;
      std::ifstream env(base + ".env");
      std::getline(env, m.mail_from);
      std::getline(env, m.rcpt_to);
      std::ifstream eml(base + ".eml", std::ios::binary);
      std::stringstream data;
      data << eml.rdbuf();
      m.data = data.str();
      out.push_back(std::move(m));
    }
    return out;
  }
  // Waits up to `timeout` for at least `n` messages; returns what arrived.
  std::vector<ReceivedMail> WaitFor(size_t n,
                                    std::chrono::milliseconds timeout = std::chrono::seconds(10)) {
    const auto deadline = std::chrono::steady_clock::now() + timeout;
    std::vector<ReceivedMail> got = Received();
    while (got.size() < n && std::chrono::steady_clock::now() < deadline) {
      std::this_thread::sleep_for(std::chrono::milliseconds(20));
      got = Received();
    }
    return got;
  }

 private:
  static int FreePort() {
    const int s = socket(AF_INET, SOCK_STREAM, 0);
    sockaddr_in addr{};
    addr.sin_family = AF_INET;
    addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    addr.sin_port = 0;
    bind(s, reinterpret_cast<sockaddr*>(&addr), sizeof addr);
    socklen_t len = sizeof addr;
    getsockname(s, reinterpret_cast<sockaddr*>(&addr), &len);
    close(s);
    return ntohs(addr.sin_port);
  }

  std::string dir_;
  int port_ = 0;
  pid_t pid_ = -1;
  bool ok_ = false;
};

}  // namespace privet::testing
