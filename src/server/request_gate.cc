#include "server/request_gate.h"

namespace privet::server {

std::optional<RequestGate::Ticket> RequestGate::TryEnter() {
  {
    MutexLock lock(&mu_);
    if (closed_) return std::nullopt;
    ++under_way_;
  }
  // The ticket's last copy leaves the gate, wherever it is released.
  return Ticket(static_cast<void*>(this), [this](void*) { Leave(); });
}

bool RequestGate::Park(std::function<void()> resume) {
  MutexLock lock(&mu_);
  if (!closed_) return false;
  parked_.push_back(std::move(resume));
  return true;
}

void RequestGate::Leave() {
  MutexLock lock(&mu_);
  if (--under_way_ == 0 && closed_) drained_.NotifyAll();
}

void RequestGate::Close() {
  MutexLock lock(&mu_);
  closed_ = true;
  while (under_way_ > 0) drained_.Wait(&mu_);
}

std::vector<std::function<void()>> RequestGate::Open() {
  MutexLock lock(&mu_);
  closed_ = false;
  std::vector<std::function<void()>> parked;
  parked.swap(parked_);
  return parked;
}

}  // namespace privet::server
