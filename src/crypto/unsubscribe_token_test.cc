// The unsubscribe token: it opens to what it was made for, under its key only, and shows nothing.
#include <gtest/gtest.h>
#include <sodium.h>

#include <string>

#include "crypto/crypto.h"

namespace privet::crypto {
namespace {

constexpr uint64_t kSubject = 0x0123456789abcdefULL;

TEST(UnsubscribeTokenTest, OpensToItsSubjectAndChannel) {
  const SecretKey key = SecretKey::Random();
  const std::string token = SealUnsubscribeToken(key, kSubject, "email");
  EXPECT_EQ(token.find_first_not_of("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz"
                                    "0123456789-_"),
            std::string::npos)
      << "a URL path segment as it is: " << token;
  StatusOr<UnsubscribeTarget> opened = OpenUnsubscribeToken(key, token);
  ASSERT_TRUE(opened.ok()) << opened.status().ToString();
  EXPECT_EQ(opened->subject_id, kSubject);
  EXPECT_EQ(opened->channel, "email");
}

TEST(UnsubscribeTokenTest, EachChannelHasItsOwnAndNoTwoAreAlike) {
  const SecretKey key = SecretKey::Random();
  const std::string email = SealUnsubscribeToken(key, kSubject, "email");
  const std::string sms = SealUnsubscribeToken(key, kSubject, "sms");
  EXPECT_EQ(OpenUnsubscribeToken(key, sms)->channel, "sms");
  EXPECT_EQ(OpenUnsubscribeToken(key, email)->channel, "email");
  // A random nonce: the same subject and channel never give the same token twice.
  EXPECT_NE(email, SealUnsubscribeToken(key, kSubject, "email"));
}

TEST(UnsubscribeTokenTest, AnyChangedCharacterDoesNotOpen) {
  const SecretKey key = SecretKey::Random();
  const std::string token = SealUnsubscribeToken(key, kSubject, "email");
  for (size_t i = 0; i < token.size(); ++i) {
    std::string tampered = token;
    tampered[i] = tampered[i] == 'A' ? 'B' : 'A';
    StatusOr<UnsubscribeTarget> opened = OpenUnsubscribeToken(key, tampered);
    EXPECT_EQ(opened.status().code(), StatusCode::kNotFound) << "position " << i;
  }
  for (const std::string& junk : {std::string(), std::string("x"), std::string("not a token"),
                                  std::string("%2e%2e"), token.substr(1), token.substr(0, 40)}) {
    EXPECT_EQ(OpenUnsubscribeToken(key, junk).status().code(), StatusCode::kNotFound) << junk;
  }
  EXPECT_EQ(OpenUnsubscribeToken(key, token + "AAAA").status().code(), StatusCode::kNotFound);
  EXPECT_EQ(OpenUnsubscribeToken(key, std::string(4096, 'A')).status().code(),
            StatusCode::kNotFound);
}

TEST(UnsubscribeTokenTest, AnotherKeyDoesNotOpenIt) {
  const SecretKey root = SecretKey::Random();
  const std::string token = SealUnsubscribeToken(DeriveKey(root, 1, "privetus"), kSubject, "email");
  EXPECT_TRUE(OpenUnsubscribeToken(DeriveKey(root, 1, "privetus"), token).ok())
      << "the same derived key opens it (after a restart too)";
  EXPECT_EQ(OpenUnsubscribeToken(DeriveKey(root, 1, "privetsv"), token).status().code(),
            StatusCode::kNotFound);
  EXPECT_EQ(OpenUnsubscribeToken(SecretKey::Random(), token).status().code(),
            StatusCode::kNotFound);
}

TEST(UnsubscribeTokenTest, TheSubjectIdCannotBeReadFromIt) {
  const SecretKey key = SecretKey::Random();
  const std::string token = SealUnsubscribeToken(key, kSubject, "email");
  for (const std::string& shown :
       {std::to_string(kSubject), std::string("0123456789abcdef"), std::string("email")}) {
    EXPECT_EQ(token.find(shown), std::string::npos) << shown;
  }
  // The id's bytes, in either order, are not in the decoded token either.
  std::string decoded(token.size(), '\0');
  size_t len = 0;
  ASSERT_EQ(sodium_base642bin(reinterpret_cast<unsigned char*>(decoded.data()), decoded.size(),
                              token.data(), token.size(), nullptr, &len, nullptr,
                              sodium_base64_VARIANT_URLSAFE_NO_PADDING),
            0);
  decoded.resize(len);
  std::string le, be;
  for (int i = 0; i < 8; ++i) {
    le.push_back(static_cast<char>((kSubject >> (8 * i)) & 0xff));
    be.insert(be.begin(), static_cast<char>((kSubject >> (8 * i)) & 0xff));
  }
  EXPECT_EQ(decoded.find(le), std::string::npos);
  EXPECT_EQ(decoded.find(be), std::string::npos);
}

}  // namespace
}  // namespace privet::crypto
