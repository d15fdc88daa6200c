#include "server/request_json.h"

namespace privet::server {

Json RequestJson(const RightsRequest& r) {
  Json exceptions = Json::array();
  for (const RequestException& e : r.exceptions) {
    exceptions.push_back({{"scope", e.scope}, {"ground", e.ground}, {"law", e.law}});
  }
  Json history = Json::array();
  for (const RequestTransition& t : r.history) {
    history.push_back({{"state", RequestStateName(t.state)},
                       {"at", Rfc3339(t.at)},
                       {"actor", t.actor},
                       {"note", t.note}});
  }
  Json j = {{"id", IdString(r.id)},
            {"right", RightName(r.right)},
            {"subject_id", IdString(r.subject_id)},
            {"state", RequestStateName(r.state)},
            {"channel", r.channel},
            {"filed_by", r.filed_by},
            {"purpose", r.purpose},
            {"received_at", Rfc3339(r.received_at)},
            {"extended", r.extended},
            {"code_attempts_left", r.code_attempts_left},
            {"fee_reference", r.fee_reference},
            {"exceptions", exceptions},
            {"history", history}};
  j["due"] = r.due ? Json(DayString(*r.due)) : Json(nullptr);
  j["extended_due"] = r.extended_due ? Json(DayString(*r.extended_due)) : Json(nullptr);
  j["routed_to_organization"] =
      r.routed_to_organization ? Json(IdString(r.routed_to_organization)) : Json(nullptr);
  if (r.fee) {
    j["fee"] = {{"amount_cents", r.fee->amount_cents}, {"currency", r.fee->currency}};
  } else {
    j["fee"] = nullptr;
  }
  return j;
}

}  // namespace privet::server
