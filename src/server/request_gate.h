// RequestGate: lets requests into what serves them, and holds new ones back while it is being
// replaced (the server switching to a new policy version, Server::AdoptPolicyInForce).
//
//   for (;;) {
//     if (std::optional<RequestGate::Ticket> ticket = gate.TryEnter()) {
//       ... serve, keeping a copy of *ticket until the answer is written ...
//       return;
//     }
//     if (gate.Park([=] { Dispatch(request, reply); })) return;  // runs again once reopened
//   }
//
//   gate.Close();                        // waits until no ticket is held
//   ... replace what requests use ...
//   for (auto& resume : gate.Open()) post(resume);
//
// A request is "under way" while any copy of its ticket lives, so a ticket captured by an
// asynchronous answer (one written later, on the connection's thread) keeps the gate from
// closing until that answer has run or been dropped. A request that arrives while the gate is
// closed is parked, never refused and never blocking an io thread (which in-flight requests
// may still need to finish their own work).
//
// Thread-safety: every member from any thread; Close and Open from one thread at a time, and
// never from a request (it would wait for itself).
#pragma once

#include <functional>
#include <memory>
#include <optional>
#include <vector>

#include "common/mutex.h"

namespace privet::server {

class RequestGate {
 public:
  using Ticket = std::shared_ptr<void>;

  // A ticket when the gate is open; nullopt while it is closed (then Park).
  std::optional<Ticket> TryEnter() EXCLUDES(mu_);
  // Keeps `resume` for Open while the gate is closed; false (keeping nothing) once it has
  // opened again, when the caller tries TryEnter again.
  bool Park(std::function<void()> resume) EXCLUDES(mu_);
  // Holds back new requests and waits until every ticket handed out is released.
  void Close() EXCLUDES(mu_);
  // Lets requests in again, and returns those parked meanwhile, in arrival order.
  std::vector<std::function<void()>> Open() EXCLUDES(mu_);

 private:
  void Leave() EXCLUDES(mu_);

  Mutex mu_;
  CondVar drained_;
  bool closed_ GUARDED_BY(mu_) = false;
  int under_way_ GUARDED_BY(mu_) = 0;
  std::vector<std::function<void()>> parked_ GUARDED_BY(mu_);
};

}  // namespace privet::server
