#include "store/faulty_store.h"

#include <utility>

namespace privet::store {

bool FaultPlan::Allow() {
  const uint64_t n = ++writes_;
  const uint64_t at = fail_at_.load();
  const bool fail = at != 0 && (n == at || (n > at && mode_.load() == Mode::kForever));
  if (fail) ++failures_;
  return !fail;
}

namespace {

Status Injected() { return Status(StatusCode::kUnavailable, "injected store fault"); }

class FaultyDataStore final : public DataStore {
 public:
  FaultyDataStore(std::unique_ptr<DataStore> inner, std::shared_ptr<FaultPlan> plan)
      : inner_(std::move(inner)), plan_(std::move(plan)) {}

  Status Apply(const WriteBatch& batch) override {
    return plan_->Allow() ? inner_->Apply(batch) : Injected();
  }
  Status PurgeSubject(uint64_t id) override {
    return plan_->Allow() ? inner_->PurgeSubject(id) : Injected();
  }

  StatusOr<std::optional<SubjectRecord>> GetSubject(uint64_t id) override {
    return inner_->GetSubject(id);
  }
  StatusOr<std::vector<FieldRecord>> GetFields(uint64_t subject_id) override {
    if (std::function<void()> hook = plan_->TakeGetFieldsHook()) hook();
    return inner_->GetFields(subject_id);
  }
  StatusOr<std::vector<ConsentEventRecord>> GetConsentEvents(uint64_t subject_id) override {
    return inner_->GetConsentEvents(subject_id);
  }
  StatusOr<std::vector<DisclosureRecord>> GetDisclosures(uint64_t subject_id) override {
    return inner_->GetDisclosures(subject_id);
  }
  StatusOr<std::optional<uint64_t>> FindByBlindIndex(std::string_view index,
                                                     std::string_view hash) override {
    return inner_->FindByBlindIndex(index, hash);
  }
  StatusOr<std::vector<uint64_t>> ListOrganizationMembers(uint64_t organization_id) override {
    return inner_->ListOrganizationMembers(organization_id);
  }
  StatusOr<std::optional<RequestRecord>> GetRequest(uint64_t id) override {
    return inner_->GetRequest(id);
  }
  StatusOr<std::vector<RequestRecord>> ListRequests(uint64_t subject_id) override {
    return inner_->ListRequests(subject_id);
  }
  StatusOr<std::vector<RequestRecord>> ListOpenRequests() override {
    return inner_->ListOpenRequests();
  }
  StatusOr<std::vector<OutboxRecord>> GetOutbox(bool unsent_only) override {
    return inner_->GetOutbox(unsent_only);
  }
  StatusOr<std::vector<OutboxRecord>> GetDueOutbox(int64_t now, size_t limit) override {
    return inner_->GetDueOutbox(now, limit);
  }
  StatusOr<std::vector<OutboxRecord>> GetOutboxInState(OutboxState state) override {
    return inner_->GetOutboxInState(state);
  }
  StatusOr<std::vector<WebhookEndpointRecord>> GetWebhookEndpoints() override {
    return inner_->GetWebhookEndpoints();
  }
  StatusOr<std::vector<WebhookEventRecord>> GetWebhookEvents(int64_t after_seq,
                                                             size_t limit) override {
    return inner_->GetWebhookEvents(after_seq, limit);
  }
  StatusOr<int64_t> LastWebhookEventSeq() override { return inner_->LastWebhookEventSeq(); }
  StatusOr<std::vector<WebhookDeadLetterRecord>> GetWebhookDeadLetters() override {
    return inner_->GetWebhookDeadLetters();
  }
  StatusOr<std::vector<LegalHoldRecord>> GetLegalHolds(uint64_t subject_id) override {
    return inner_->GetLegalHolds(subject_id);
  }
  StatusOr<std::vector<LifecycleEventRecord>> GetLifecycleEvents(uint64_t subject_id) override {
    return inner_->GetLifecycleEvents(subject_id);
  }
  StatusOr<std::vector<AggregateRecord>> GetAggregates() override {
    return inner_->GetAggregates();
  }
  Status ScanFieldMetadata(const std::function<bool(const FieldMetadata&)>& visit) override {
    return inner_->ScanFieldMetadata(visit);
  }
  StatusOr<std::vector<SubjectRecord>> ListSubjects(uint64_t after, size_t limit) override {
    return inner_->ListSubjects(after, limit);
  }
  StatusOr<std::vector<PolicyVersionRecord>> GetPolicyVersions() override {
    return inner_->GetPolicyVersions();
  }
  StatusOr<std::vector<BreachRecord>> GetBreaches() override { return inner_->GetBreaches(); }
  StatusOr<std::string> GetBreachAffected(uint64_t breach_id) override {
    return inner_->GetBreachAffected(breach_id);
  }
  Status BackupTo(const std::string& path) override { return inner_->BackupTo(path); }
  StatusOr<std::vector<AuditRecord>> GetAuditEntries(uint64_t start, uint64_t limit) override {
    return inner_->GetAuditEntries(start, limit);
  }
  StatusOr<std::vector<TreeHeadRecord>> GetTreeHeads() override { return inner_->GetTreeHeads(); }
  void SetAuditOnlyDurability(AuditOnlyDurability d) override { inner_->SetAuditOnlyDurability(d); }

 private:
  std::unique_ptr<DataStore> inner_;
  std::shared_ptr<FaultPlan> plan_;
};

class FaultyKeyStore final : public KeyStore {
 public:
  FaultyKeyStore(std::unique_ptr<KeyStore> inner, std::shared_ptr<FaultPlan> plan)
      : inner_(std::move(inner)), plan_(std::move(plan)) {}

  Status PutWrappedKey(uint64_t subject_id, std::string_view wrapped) override {
    return plan_->Allow() ? inner_->PutWrappedKey(subject_id, wrapped) : Injected();
  }
  Status PutWrappedKeys(const std::vector<std::pair<uint64_t, std::string>>& keys) override {
    return plan_->Allow() ? inner_->PutWrappedKeys(keys) : Injected();
  }
  Status DestroyWrappedKey(uint64_t subject_id) override {
    return plan_->Allow() ? inner_->DestroyWrappedKey(subject_id) : Injected();
  }
  Status DestroyWrappedKeys(const std::vector<uint64_t>& subject_ids) override {
    return plan_->Allow() ? inner_->DestroyWrappedKeys(subject_ids) : Injected();
  }
  Status PurgeDone(uint64_t subject_id) override {
    return plan_->Allow() ? inner_->PurgeDone(subject_id) : Injected();
  }
  Status PutMeta(std::string_view name, std::string_view value) override {
    return plan_->Allow() ? inner_->PutMeta(name, value) : Injected();
  }
  Status RewrapAll(const std::function<StatusOr<std::string>(uint64_t, std::string_view)>& rewrap,
                   const std::function<StatusOr<std::string>(std::string_view, std::string_view)>&
                       rewrap_meta) override {
    return plan_->Allow() ? inner_->RewrapAll(rewrap, rewrap_meta) : Injected();
  }

  StatusOr<std::optional<std::string>> GetWrappedKey(uint64_t subject_id) override {
    return inner_->GetWrappedKey(subject_id);
  }
  StatusOr<std::vector<uint64_t>> PendingPurges() override { return inner_->PendingPurges(); }
  StatusOr<std::optional<std::string>> GetMeta(std::string_view name) override {
    return inner_->GetMeta(name);
  }
  Status BackupTo(const std::string& path) override { return inner_->BackupTo(path); }

 private:
  std::unique_ptr<KeyStore> inner_;
  std::shared_ptr<FaultPlan> plan_;
};

}  // namespace

std::unique_ptr<DataStore> WrapFaulty(std::unique_ptr<DataStore> inner,
                                      std::shared_ptr<FaultPlan> plan) {
  return std::make_unique<FaultyDataStore>(std::move(inner), std::move(plan));
}

std::unique_ptr<KeyStore> WrapFaulty(std::unique_ptr<KeyStore> inner,
                                     std::shared_ptr<FaultPlan> plan) {
  return std::make_unique<FaultyKeyStore>(std::move(inner), std::move(plan));
}

}  // namespace privet::store
