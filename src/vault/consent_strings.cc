// IAB consent strings on the consent ledger: what a TCF v2.2 or GPP string changes under the
// policy's signals.tcf / signals.gpp, recorded in one commit with the string's own timestamps
// (Vault::RecordConsentString, include/privet/vault.h).
//
// The two asymmetries keep a stale or second-hand string from undoing a choice:
//   - a refusal always applies, at once;
//   - an allowance (a grant, or an opt-out taken back) applies only when the string was last
//     updated after the subject's latest choice about that purpose, and never over an opt-out a
//     browser signal (GPC, DNT) or a GPP string made: those are repeated by the browser, not
//     chosen once in a consent tool. A GPP string only ever opts out.
#include <algorithm>
#include <chrono>

#include "common/unix_time.h"
#include "privet/gpp.h"
#include "privet/tcf.h"
#include "vault/vault_impl.h"

namespace privet {
namespace {

// A string may be last updated a little ahead of our clock (a consent tool on another machine),
// not a day.
constexpr auto kClockSkew = std::chrono::hours(24);

// An opt-out a browser repeats on its own: a consent tool's string does not take it back.
bool MadeByBrowserSignal(std::string_view source) {
  return source == ConsentSourceName(ConsentSource::kGpc) ||
         source == ConsentSourceName(ConsentSource::kDnt) ||
         source == ConsentSourceName(ConsentSource::kGpp);
}

void AddOnce(std::vector<std::string>& to, const std::vector<std::string>& purposes) {
  for (const std::string& p : purposes)
    if (std::find(to.begin(), to.end(), p) == to.end()) to.push_back(p);
}

}  // namespace

// What a TCF string (alone, or a GPP string's TCF EU v2 section) changes for the subject in
// `state`, whose ledger is `ledger`; `source` is where it came from.
std::vector<ConsentChange> Vault::Impl::TcfChanges(
    const TcString& tc, const SubjectState& state,
    const std::vector<store::ConsentEventRecord>& ledger, ConsentSource source) const {
  const CompiledPolicy& policy = *policy_;
  std::vector<ConsentChange> changes;
  for (const TcfMapping& m : policy.policy().signals.tcf) {
    const std::optional<PurposeId> id = policy.FindPurpose(m.purpose);
    if (!id) continue;  // the loader refuses such a policy
    bool allowed = true;
    for (int n : m.tcf_purposes) allowed = allowed && tc.purpose_consents.test(n - 1);
    for (int n : m.special_features) allowed = allowed && tc.special_feature_optins.test(n - 1);
    const bool opt_out_mode = policy.purpose(*id).consent == ConsentMode::kOptOut;
    const bool allowed_now = opt_out_mode ? !state.opt_outs.Test(*id) : state.consents.Test(*id);
    if (allowed == allowed_now) continue;
    if (!allowed) {
      changes.push_back({.purpose = m.purpose,
                         .action = opt_out_mode ? ConsentAction::kOptOut : ConsentAction::kWithdraw,
                         .source = source});
      continue;
    }
    // Allowing again: only over an older choice made the same way.
    const store::ConsentEventRecord* latest = nullptr;
    for (const store::ConsentEventRecord& e : ledger)
      if (e.purpose == m.purpose) latest = &e;
    if (latest != nullptr &&
        (MadeByBrowserSignal(latest->source) || ToUnix(tc.last_updated) <= latest->at))
      continue;
    changes.push_back({.purpose = m.purpose,
                       .action = opt_out_mode ? ConsentAction::kUndoOptOut : ConsentAction::kGrant,
                       .source = source});
  }
  return changes;
}

StatusOr<std::vector<ConsentEvent>> Vault::Impl::RecordConsentString(uint64_t id,
                                                                     ConsentStringFormat format,
                                                                     std::string_view text) {
  const CompiledPolicy& policy = *policy_;
  const Signals& signals = policy.policy().signals;
  const bool gpc_honoured = signals.gpc == SignalResponse::kHonor;
  // Refuse what the policy gives no meaning before reading anything.
  if (format == ConsentStringFormat::kTcf && signals.tcf.empty())
    return FailedPrecondition("the policy gives TCF strings no meaning (signals.tcf)", "tcf");
  if (format == ConsentStringFormat::kGpp && !signals.gpp && !gpc_honoured)
    return FailedPrecondition(
        "the policy gives GPP strings no meaning (no signals.gpp, and GPC is not honoured)", "gpp");

  std::optional<TcString> tc;
  std::vector<std::string> opt_outs;  // GPP: the purposes it opts out of
  if (format == ConsentStringFormat::kTcf) {
    PRIVET_ASSIGN_OR_RETURN(tc, DecodeTcString(text));
  } else {
    PRIVET_ASSIGN_OR_RETURN(GppString gpp, DecodeGppString(text));
    if (!signals.tcf.empty()) tc = std::move(gpp.tcf_eu);
    const GppOptOuts said = OptOutsOf(gpp);
    if (signals.gpp) {
      if (said.sale) AddOnce(opt_outs, signals.gpp->sale);
      if (said.sharing) AddOnce(opt_outs, signals.gpp->sharing);
      if (said.targeted_advertising) AddOnce(opt_outs, signals.gpp->targeted_advertising);
      if (said.sensitive_data) AddOnce(opt_outs, signals.gpp->sensitive_data);
    }
    // Honoured like GPC: an opt-out of sale or sharing is what the GPC signal says.
    if (gpc_honoured && (said.sale || said.sharing || said.gpc))
      AddOnce(opt_outs, signals.opt_out_purposes);
  }
  const std::string field = format == ConsentStringFormat::kTcf ? "tcf" : "gpp";
  if (tc && tc->last_updated > clock_.Now() + kClockSkew)
    return InvalidArgument("the string was last updated in the future", field);

  PRIVET_ASSIGN_OR_RETURN(std::shared_ptr<const CachedSubject> subject, Load(id));
  const SubjectState& state = subject->state;
  const ConsentSource source =
      format == ConsentStringFormat::kTcf ? ConsentSource::kTcf : ConsentSource::kGpp;
  std::vector<ConsentChange> changes;
  if (tc) {
    PRIVET_ASSIGN_OR_RETURN(std::vector<store::ConsentEventRecord> ledger,
                            data_->GetConsentEvents(id));
    changes = TcfChanges(*tc, state, ledger, source);
  }
  for (const std::string& purpose : opt_outs) {
    const std::optional<PurposeId> pid = policy.FindPurpose(purpose);
    if (!pid || state.opt_outs.Test(*pid)) continue;
    // A TCF section of the same string may have opted out already.
    if (std::any_of(changes.begin(), changes.end(), [&](const ConsentChange& c) {
          return c.purpose == purpose && c.action == ConsentAction::kOptOut;
        }))
      continue;
    changes.push_back(
        {.purpose = purpose, .action = ConsentAction::kOptOut, .source = ConsentSource::kGpp});
  }

  const ConsentEvidence times{.created = tc ? std::optional(tc->created) : std::nullopt,
                              .updated = tc ? std::optional(tc->last_updated) : std::nullopt};
  return CommitConsentEvents(id, changes, times);
}

}  // namespace privet
