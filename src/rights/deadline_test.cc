// Deadline table: calendar months with end-of-month clamping, days, business days, extensions.
#include <gtest/gtest.h>

#include "privet/rights.h"

namespace privet {
namespace {

constexpr Duration kOneMonth{1, TimeUnit::kMonths};

TEST(AddPeriod, MonthsClampToTheEndOfTheMonth) {
  EXPECT_EQ(AddPeriod({2023, 1, 31}, kOneMonth), (CivilDay{2023, 2, 28}));
  EXPECT_EQ(AddPeriod({2024, 1, 31}, kOneMonth), (CivilDay{2024, 2, 29}));  // leap year
  EXPECT_EQ(AddPeriod({2024, 3, 31}, kOneMonth), (CivilDay{2024, 4, 30}));
  EXPECT_EQ(AddPeriod({2024, 1, 15}, kOneMonth), (CivilDay{2024, 2, 15}));
  EXPECT_EQ(AddPeriod({2024, 12, 31}, kOneMonth), (CivilDay{2025, 1, 31}));  // across the year
  EXPECT_EQ(AddPeriod({2024, 2, 29}, {1, TimeUnit::kYears}), (CivilDay{2025, 2, 28}));
}

TEST(AddPeriod, Days) {
  EXPECT_EQ(AddPeriod({2024, 1, 1}, {45, TimeUnit::kDays}), (CivilDay{2024, 2, 15}));
  EXPECT_EQ(AddPeriod({2023, 12, 20}, {45, TimeUnit::kDays}), (CivilDay{2024, 2, 3}));
  EXPECT_EQ(AddPeriod({2024, 2, 28}, {1, TimeUnit::kDays}), (CivilDay{2024, 2, 29}));
  EXPECT_EQ(AddPeriod({2024, 1, 1}, {2, TimeUnit::kWeeks}), (CivilDay{2024, 1, 15}));
}

TEST(AddPeriod, BusinessDaysSkipWeekendsAndHolidays) {
  // Friday 20 December 2024 + 5 business days, with 25 and 26 December as holidays:
  // Mon 23, Tue 24, (25, 26 holidays), Fri 27, Mon 30, Tue 31.
  const std::vector<CivilDay> holidays = {{2024, 12, 25}, {2024, 12, 26}};
  EXPECT_EQ(AddPeriod({2024, 12, 20}, {5, TimeUnit::kBusinessDays}, holidays),
            (CivilDay{2024, 12, 31}));
  // Without the holidays: Mon 23 .. Fri 27.
  EXPECT_EQ(AddPeriod({2024, 12, 20}, {5, TimeUnit::kBusinessDays}), (CivilDay{2024, 12, 27}));
  // Received on a Saturday: the first business day is Monday.
  EXPECT_EQ(AddPeriod({2024, 3, 2}, {1, TimeUnit::kBusinessDays}), (CivilDay{2024, 3, 4}));
}

TEST(ComputeDeadline, GdprOneMonthPlusTwo) {
  const Deadline eu{.jurisdiction = "EU", .period = kOneMonth, .extension = {2, TimeUnit::kMonths}};
  RequestDeadline d = ComputeDeadline(eu, {2023, 1, 31});
  EXPECT_EQ(d.due, (CivilDay{2023, 2, 28}));
  ASSERT_TRUE(d.extended_due);
  EXPECT_EQ(*d.extended_due, (CivilDay{2023, 4, 30}));  // three months from receipt, not Feb 28 + 2
  d = ComputeDeadline(eu, {2024, 1, 31});
  EXPECT_EQ(d.due, (CivilDay{2024, 2, 29}));
}

TEST(ComputeDeadline, CcpaFortyFivePlusFortyFive) {
  const Deadline ca{
      .jurisdiction = "US-CA", .period = {45, TimeUnit::kDays}, .extension = {45, TimeUnit::kDays}};
  RequestDeadline d = ComputeDeadline(ca, {2024, 1, 1});
  EXPECT_EQ(d.due, (CivilDay{2024, 2, 15}));
  EXPECT_EQ(*d.extended_due, (CivilDay{2024, 3, 31}));  // 90 days, through leap February
}

TEST(ComputeDeadline, NoExtensionWhenTheRuleHasNone) {
  const Deadline rule{.jurisdiction = "XX", .period = {10, TimeUnit::kBusinessDays}};
  RequestDeadline d = ComputeDeadline(rule, {2024, 3, 4});  // a Monday
  EXPECT_EQ(d.due, (CivilDay{2024, 3, 18}));
  EXPECT_FALSE(d.extended_due);
}

TEST(FindDeadline, ExactThenCountry) {
  Policy p;
  p.rights.deadlines = {{.jurisdiction = "US", .period = {45, TimeUnit::kDays}},
                        {.jurisdiction = "EU", .period = kOneMonth}};
  ASSERT_NE(FindDeadline(p, "US-CA"), nullptr);
  EXPECT_EQ(FindDeadline(p, "US-CA")->jurisdiction, "US");
  EXPECT_EQ(FindDeadline(p, "EU")->jurisdiction, "EU");
  EXPECT_EQ(FindDeadline(p, "BR"), nullptr);
}

}  // namespace
}  // namespace privet
