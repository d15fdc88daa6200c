#include "vault/consent_state.h"

#include <gtest/gtest.h>

#include "testing/enum_names.h"

namespace privet {
namespace {

TEST(ConsentNames, EveryEnumeratorRoundTrips) {
  testing::ExpectNamesRoundTrip(&ConsentActionName, &ParseConsentActionName);
  testing::ExpectNamesRoundTrip(&ConsentSourceName, &ParseConsentSourceName);
  EXPECT_EQ(ConsentActionName(ConsentAction::kUndoOptOut), "undo_opt_out");
  EXPECT_EQ(ConsentSourceName(ConsentSource::kCookieBanner), "cookie_banner");
}

}  // namespace
}  // namespace privet
