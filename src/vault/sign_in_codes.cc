// The one-time sign-in code: the message that carries it to the subject, through the outbox.
// The code itself is made and checked by whoever signs subjects in (server/accounts.h), which
// keeps only its hash.
#include <nlohmann/json.hpp>

#include "common/unix_time.h"
#include "vault/vault_impl.h"

namespace privet {

Status Vault::Impl::QueueSignInCode(uint64_t id, std::string_view code, Time expires_at) {
  PRIVET_ASSIGN_OR_RETURN(std::shared_ptr<const CachedSubject> subject, Load(id));
  const nlohmann::json body = {{"code", code}, {"expires_at", Rfc3339(expires_at)}};
  const std::string topic = "sign_in_code";
  store::WriteBatch batch;
  batch.AppendOutbox({.subject_id = id,
                      .topic = topic,
                      .sealed_body = SealFor(*subject, id, OutboxContext(topic), body.dump()),
                      .created_at = ToUnix(clock_.Now())});
  return Commit(batch, {});
}

}  // namespace privet
