// The stored form of a request: a JSON document of ids, codes and times (no personal data).
#include <sodium.h>

#include <algorithm>
#include <charconv>
#include <chrono>
#include <stdexcept>
#include <tuple>

#include "common/json_integer.h"
#include "common/unix_time.h"
#include "rights/internal.h"

namespace privet::rights_internal {
namespace {

using nlohmann::json;

std::string Hex(const std::string& bytes) {
  std::string hex(bytes.size() * 2 + 1, '\0');
  sodium_bin2hex(hex.data(), hex.size(), reinterpret_cast<const unsigned char*>(bytes.data()),
                 bytes.size());
  hex.pop_back();
  return hex;
}

// A value that is not what ToRecord writes: the document is damaged. Thrown inside FromRecord's
// try block, beside nlohmann::json's own exceptions for a missing key or a wrong type.
struct Damaged : std::runtime_error {
  Damaged() : std::runtime_error("damaged request document") {}
};

std::string Unhex(const std::string& hex) {
  std::string bytes(hex.size() / 2, '\0');
  size_t len = 0;
  if (sodium_hex2bin(reinterpret_cast<unsigned char*>(bytes.data()), bytes.size(), hex.data(),
                     hex.size(), nullptr, &len, nullptr) != 0 ||
      len * 2 != hex.size())
    throw Damaged();
  bytes.resize(len);
  return bytes;
}

template <typename T>
T Integer(const json& j) {
  const std::optional<T> v = common::JsonInteger<T>(j);
  if (!v) throw Damaged();
  return *v;
}

Time UnixTime(const json& j) {
  const int64_t seconds = Integer<int64_t>(j);
  if (!UnixTimeInRange(seconds)) throw Damaged();
  return FromUnix(seconds);
}

// null, or a day as DayString writes it.
std::optional<CivilDay> Day(const json& j) {
  if (j.is_null()) return std::nullopt;
  const std::optional<CivilDay> day = ParseDayString(j.get_ref<const std::string&>());
  if (!day) throw Damaged();
  return day;
}

// An id as std::to_string writes it.
uint64_t Id(const json& j) {
  const std::string& text = j.get_ref<const std::string&>();
  uint64_t id = 0;
  const auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), id);
  if (text.empty() || ec != std::errc() || end != text.data() + text.size()) throw Damaged();
  return id;
}

}  // namespace

json ExceptionsJson(const std::vector<RequestException>& exceptions) {
  json out = json::array();
  for (const RequestException& e : exceptions)
    out.push_back({{"scope", e.scope}, {"ground", e.ground}, {"law", e.law}});
  return out;
}

store::RequestRecord ToRecord(const Tracked& r) {
  json history = json::array();
  for (const RequestTransition& t : r.history) {
    history.push_back({{"state", RequestStateName(t.state)},
                       {"at", ToUnix(t.at)},
                       {"actor", t.actor},
                       {"note", t.note}});
  }
  json doc = {{"right", RightName(r.right)},
              {"state", RequestStateName(r.state)},
              {"channel", r.channel},
              {"filed_by", r.filed_by},
              {"purpose", r.purpose},
              {"received_at", ToUnix(r.received_at)},
              {"due", r.due ? json(DayString(*r.due)) : json(nullptr)},
              {"extended_due", r.extended_due ? json(DayString(*r.extended_due)) : json(nullptr)},
              {"extended", r.extended},
              {"routed_to_organization", std::to_string(r.routed_to_organization)},
              {"fee", r.fee ? json{{"amount_cents", r.fee->amount_cents},
                                   {"currency", r.fee->currency},
                                   {"jurisdiction", r.fee->jurisdiction}}
                            : json(nullptr)},
              {"fee_reference", r.fee_reference},
              {"code_hash", Hex(r.code_hash)},
              {"code_expires_at", ToUnix(r.code_expires_at)},
              {"code_attempts_left", r.code_attempts_left},
              {"exceptions", ExceptionsJson(r.exceptions)},
              {"history", history}};
  // The moment a request becomes late: the end of its last day.
  const int64_t due_at = r.due ? ToUnix(CivilDayToTime(*r.due)) + 86400 : 0;
  return {.id = r.id,
          .subject_id = r.subject_id,
          .open = r.open(),
          .due_at = due_at,
          .document = doc.dump()};
}

StatusOr<std::vector<Tracked>> RequestsOfSubject(store::DataStore& data, uint64_t subject_id) {
  PRIVET_ASSIGN_OR_RETURN(std::vector<store::RequestRecord> rows, data.ListRequests(subject_id));
  std::vector<Tracked> out;
  out.reserve(rows.size());
  for (const store::RequestRecord& row : rows) {
    PRIVET_ASSIGN_OR_RETURN(Tracked r, FromRecord(row));
    out.push_back(std::move(r));
  }
  std::sort(out.begin(), out.end(), [](const Tracked& a, const Tracked& b) {
    return std::tie(a.received_at, a.id) < std::tie(b.received_at, b.id);
  });
  return out;
}

StatusOr<Tracked> FromRecord(const store::RequestRecord& record) {
  const Status corrupt(StatusCode::kDataLoss, "data store: a request document is damaged");
  json doc = json::parse(record.document, nullptr, /*allow_exceptions=*/false);
  if (!doc.is_object()) return corrupt;
  try {
    Tracked r;
    r.id = record.id;
    r.subject_id = record.subject_id;
    std::optional<Right> right = ParseRightName(doc.at("right").get<std::string>());
    std::optional<RequestState> state = ParseRequestStateName(doc.at("state").get<std::string>());
    if (!right || !state) return corrupt;
    r.right = *right;
    r.state = *state;
    r.channel = doc.at("channel").get<std::string>();
    r.filed_by = doc.at("filed_by").get<std::string>();
    r.purpose = doc.at("purpose").get<std::string>();
    r.received_at = UnixTime(doc.at("received_at"));
    r.due = Day(doc.at("due"));
    r.extended_due = Day(doc.at("extended_due"));
    r.extended = doc.at("extended").get<bool>();
    r.routed_to_organization = Id(doc.at("routed_to_organization"));
    if (const json& fee = doc.at("fee"); fee.is_object()) {
      r.fee = Fee{.right = r.right,
                  .jurisdiction = fee.at("jurisdiction").get<std::string>(),
                  .amount_cents = Integer<int>(fee.at("amount_cents")),
                  .currency = fee.at("currency").get<std::string>()};
    }
    r.fee_reference = doc.at("fee_reference").get<std::string>();
    r.code_hash = Unhex(doc.at("code_hash").get<std::string>());
    r.code_expires_at = UnixTime(doc.at("code_expires_at"));
    r.code_attempts_left = Integer<int>(doc.at("code_attempts_left"));
    for (const json& e : doc.at("exceptions")) {
      r.exceptions.push_back({e.at("scope").get<std::string>(), e.at("ground").get<std::string>(),
                              e.at("law").get<std::string>()});
    }
    for (const json& t : doc.at("history")) {
      std::optional<RequestState> s = ParseRequestStateName(t.at("state").get<std::string>());
      if (!s) return corrupt;
      r.history.push_back({.state = *s,
                           .at = UnixTime(t.at("at")),
                           .actor = t.at("actor").get<std::string>(),
                           .note = t.at("note").get<std::string>()});
    }
    return r;
  } catch (const std::exception&) {
    return corrupt;
  }
}

}  // namespace privet::rights_internal
