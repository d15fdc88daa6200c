// CU07: data subjects sign in with a password kept only as an Argon2id hash; sessions are
// stored as hashes, expire and end at logout; failed logins are rate limited.
#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <sqlite3.h>

#include <atomic>
#include <mutex>
#include <thread>

#include "server/server_fixture.h"

namespace privet::testing {
namespace {

using ::testing::HasSubstr;
using ::testing::Not;
using ::testing::StartsWith;
using Json = nlohmann::json;

constexpr char kPassword[] = "correct horse battery staple";

class Accounts : public ServerTest {
 protected:
  void SetUp() override {
    Start("policies/customertrackr.yaml");
    service_ = Key("service");
    subject_ = NewSubject({{"kind", "user"}}, service_);
    ASSERT_EQ(client()
                  .Post("/v1/subjects/" + subject_ + "/fields",
                        {{"purposes", {"service"}},
                         {"fields",
                          {{{"category", "user.contact.email"}, {"value", "kim@example.com"}},
                           {{"category", "user.profile"}, {"value", "likes: tea"}}}}},
                        service_)
                  .status,
              201);
    ASSERT_EQ(client()
                  .Send("PUT", "/v1/subjects/" + subject_ + "/password",
                        Json{{"password", kPassword}}.dump(), service_)
                  .status,
              204);
  }
  HttpReply Login(const std::string& password, const std::string& email = "kim@example.com") {
    return client().Post("/v1/sessions", {{"email", email}, {"password", password}}, "");
  }
  std::vector<std::string> StoredPasswordHashes() {
    sqlite3* db = nullptr;
    std::vector<std::string> out;
    if (sqlite3_open_v2((dir_ / "keys.db").c_str(), &db, SQLITE_OPEN_READONLY, nullptr) ==
        SQLITE_OK) {
      sqlite3_stmt* stmt = nullptr;
      sqlite3_prepare_v2(db, "SELECT password_hash FROM subject_passwords", -1, &stmt, nullptr);
      while (stmt && sqlite3_step(stmt) == SQLITE_ROW) {
        out.emplace_back(reinterpret_cast<const char*>(sqlite3_column_text(stmt, 0)));
      }
      sqlite3_finalize(stmt);
    }
    sqlite3_close(db);
    return out;
  }
  std::string service_;
  std::string subject_;
};

TEST_F(Accounts, CU07_PasswordsAreStoredOnlyAsArgon2idHashes) {
  std::vector<std::string> hashes = StoredPasswordHashes();
  ASSERT_EQ(hashes.size(), 1u);
  EXPECT_THAT(hashes[0], StartsWith("$argon2id$"));
  EXPECT_THAT(hashes[0], Not(HasSubstr(kPassword)));
  EXPECT_THAT(log(), Not(HasSubstr(kPassword)));
  // Too short a password is refused.
  HttpReply weak = client().Send("PUT", "/v1/subjects/" + subject_ + "/password",
                                 R"({"password":"short"})", service_);
  EXPECT_EQ(weak.status, 400);
  EXPECT_EQ(weak.error("field"), "password");
}

TEST_F(Accounts, CU07_ASubjectSignsInSeesItsOwnDataAndSignsOut) {
  HttpReply login = Login(kPassword);
  ASSERT_EQ(login.status, 201) << login.body;
  const std::string session = login.json()["token"];
  EXPECT_THAT(session, StartsWith("pss_"));
  HttpReply own =
      client().Get("/v1/subjects/" + subject_ + "/fields?purpose=service.profile", session);
  ASSERT_EQ(own.status, 200) << own.body;
  EXPECT_THAT(own.body, HasSubstr("likes: tea"));
  EXPECT_EQ(client().Send("DELETE", "/v1/sessions/current", "", session).status, 204);
  EXPECT_EQ(client().Get("/v1/subjects/" + subject_, session).status, 401);
}

TEST_F(Accounts, CU07_WrongPasswordsAndUnknownEmailsAreTheSame401) {
  HttpReply wrong = Login("not the password at all");
  HttpReply unknown = Login(kPassword, "nobody@example.com");
  EXPECT_EQ(wrong.status, 401);
  EXPECT_EQ(unknown.status, 401);
  EXPECT_EQ(wrong.error("message"), unknown.error("message"));
}

TEST_F(Accounts, CU07_FailedLoginsAreRateLimited) {
  for (int i = 0; i < 5; ++i) EXPECT_EQ(Login("wrong password " + std::to_string(i)).status, 401);
  HttpReply limited = Login(kPassword);  // even the right password, while limited
  EXPECT_EQ(limited.status, 429);
  EXPECT_EQ(limited.error(), "RATE_LIMITED");
  EXPECT_FALSE(limited.headers["Retry-After"].empty());
  clock_.Advance(std::chrono::minutes(16));
  EXPECT_EQ(Login(kPassword).status, 201);
}

// Issue 15: re-spelling the email (case, surrounding spaces) neither resets nor escapes the
// limit: every spelling is one address, as the blind index normalises it.
TEST_F(Accounts, CU07_TheLoginLimitCountsEverySpellingOfAnEmailAsOne) {
  const std::vector<std::string> spellings = {"KIM@EXAMPLE.COM", " kim@example.com",
                                              "Kim@Example.com", "kim@example.com\t",
                                              "kIM@eXAMPLE.cOM"};
  for (const std::string& email : spellings) {
    EXPECT_EQ(Login("wrong password " + email, email).status, 401) << email;
  }
  for (const std::string& email :
       {std::string("kim@example.com"), std::string("  KIM@example.COM  ")}) {
    HttpReply limited = Login(kPassword, email);
    EXPECT_EQ(limited.status, 429) << email;
    EXPECT_EQ(limited.error(), "RATE_LIMITED");
  }
  clock_.Advance(std::chrono::minutes(16));
  // Once the window has passed, any spelling signs in.
  EXPECT_EQ(Login(kPassword, " KIM@Example.com").status, 201);
}

TEST_F(Accounts, CU07_SessionsExpire) {
  HttpReply login = Login(kPassword);
  ASSERT_EQ(login.status, 201);
  const std::string session = login.json()["token"];
  EXPECT_EQ(client().Get("/v1/subjects/" + subject_, session).status, 200);
  clock_.Advance(std::chrono::hours(13));
  EXPECT_EQ(client().Get("/v1/subjects/" + subject_, session).status, 401);
}

TEST_F(Accounts, ErasureEndsTheAccount) {
  HttpReply login = Login(kPassword);
  ASSERT_EQ(login.status, 201);
  const std::string session = login.json()["token"];
  ASSERT_EQ(client().Send("DELETE", "/v1/subjects/" + subject_, "", service_).status, 204);
  EXPECT_EQ(client().Get("/v1/subjects/" + subject_, session).status, 401);
  EXPECT_TRUE(StoredPasswordHashes().empty());
}

// Issue 15: a login racing the subject's erasure yields no session that works afterwards.
// Logins run on two connections while the subject is erased; every token any of them got, before
// or during the erasure, is refused once it returned.
TEST_F(Accounts, ALoginRacingAnErasureLeavesNoWorkingSession) {
  std::mutex mu;
  std::vector<std::string> tokens;
  std::atomic<bool> erased{false};
  std::atomic<int> logins{0};
  auto race = [&] {
    HttpClient own(server().port());
    for (int after = 0; after < 3;) {
      HttpReply r =
          own.Post("/v1/sessions", {{"email", "kim@example.com"}, {"password", kPassword}}, "");
      ++logins;
      if (r.status == 201) {
        std::lock_guard lock(mu);
        tokens.push_back(r.json()["token"]);
      }
      if (erased) ++after;  // a few more once the erasure returned
    }
  };
  std::thread a(race), b(race);
  while (logins < 2) std::this_thread::sleep_for(std::chrono::milliseconds(5));
  const HttpReply erasure = client().Send("DELETE", "/v1/subjects/" + subject_, "", service_);
  erased = true;
  a.join();
  b.join();
  ASSERT_EQ(erasure.status, 204) << erasure.body;
  ASSERT_FALSE(tokens.empty());
  for (const std::string& token : tokens) {
    EXPECT_EQ(client().Get("/v1/subjects/" + subject_, token).status, 401);
    EXPECT_EQ(client().Send("DELETE", "/v1/sessions/current", "", token).status, 401);
  }
  EXPECT_NE(Login(kPassword).status, 201);  // 401, or 429 after the racers' failures
  EXPECT_TRUE(StoredPasswordHashes().empty());
}

}  // namespace
}  // namespace privet::testing
