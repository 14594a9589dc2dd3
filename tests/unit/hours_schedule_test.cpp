// Business hours as a pure function of (schedule, instant): every instant is given, never read
// from a clock. Europe/Berlin has DST (last Sunday of March 02:00 → 03:00, last Sunday of
// October 03:00 → 02:00); 2026-12-07 is a Monday.
#include <date/date.h>
#include <gtest/gtest.h>

#include <cstdio>

#include "parley/hours/reply_time.hpp"
#include "parley/hours/schedule.hpp"
#include "parley/hours/schedule_json.hpp"

namespace parley::hours {
namespace {

using namespace std::chrono_literals;

// "2026-12-07T09:30:00Z" (by hand: date::parse trips gcc 12's -Wmaybe-uninitialized).
Instant utc(const std::string& text) {
  int y = 0, mo = 0, d = 0, h = 0, mi = 0, s = 0;
  EXPECT_EQ(std::sscanf(text.c_str(), "%d-%d-%dT%d:%d:%dZ", &y, &mo, &d, &h, &mi, &s), 6) << text;
  auto day = date::sys_days(date::year(y) / static_cast<unsigned>(mo) / static_cast<unsigned>(d));
  return Instant(day) + std::chrono::hours(h) + std::chrono::minutes(mi) + std::chrono::seconds(s);
}

Schedule schedule(const nlohmann::json& doc) { return parse_schedule(doc); }

// Monday to Friday 9:00–17:00 in Berlin.
Schedule office(nlohmann::json exceptions = nlohmann::json::array()) {
  nlohmann::json day = nlohmann::json::array({{{"start", 540}, {"end", 1020}}});
  return schedule({{"zone", "Europe/Berlin"},
                   {"week", {{"mon", day}, {"tue", day}, {"wed", day}, {"thu", day}, {"fri", day}}},
                   {"exceptions", exceptions}});
}

TEST(HoursSchedule, OpenInsideAnIntervalUntilItsEnd) {
  auto st = evaluate(office(), utc("2026-12-07T09:30:00Z"));  // Monday 10:30 in Berlin (UTC+1)
  EXPECT_TRUE(st.open);
  EXPECT_EQ(iso_utc(*st.closes_at), "2026-12-07T16:00:00Z");
  EXPECT_EQ(iso_utc(*st.next_opening), "2026-12-08T08:00:00Z");
}

TEST(HoursSchedule, ClosedBeforeOpeningAndAtTheClosingMinute) {
  auto before = evaluate(office(), utc("2026-12-07T07:59:59Z"));
  EXPECT_FALSE(before.open);
  EXPECT_EQ(iso_utc(*before.next_opening), "2026-12-07T08:00:00Z");
  EXPECT_TRUE(evaluate(office(), utc("2026-12-07T08:00:00Z")).open);
  EXPECT_FALSE(evaluate(office(), utc("2026-12-07T16:00:00Z")).open);  // [start, end)
}

TEST(HoursSchedule, FridayEveningOpensOnMonday) {
  auto st = evaluate(office(), utc("2026-12-11T17:00:00Z"));  // Friday 18:00
  EXPECT_FALSE(st.open);
  EXPECT_FALSE(st.closes_at.has_value());
  EXPECT_EQ(iso_utc(*st.next_opening), "2026-12-14T08:00:00Z");
}

TEST(HoursSchedule, SeveralIntervalsADay) {
  nlohmann::json day = {{{"start", 540}, {"end", 720}}, {{"start", 780}, {"end", 1020}}};
  auto s = schedule({{"zone", "Europe/Berlin"}, {"week", {{"mon", day}}}});
  auto lunch = evaluate(s, utc("2026-12-07T11:30:00Z"));  // 12:30
  EXPECT_FALSE(lunch.open);
  EXPECT_EQ(iso_utc(*lunch.next_opening), "2026-12-07T12:00:00Z");
  auto morning = evaluate(s, utc("2026-12-07T10:00:00Z"));
  EXPECT_EQ(iso_utc(*morning.closes_at), "2026-12-07T11:00:00Z");
  EXPECT_EQ(iso_utc(*morning.next_opening), "2026-12-07T12:00:00Z");
}

TEST(HoursSchedule, OvernightSpanEndsTheNextDay) {
  // Friday 22:00 – Saturday 02:00.
  auto s = schedule({{"zone", "Europe/Berlin"}, {"week", {{"fri", {{{"start", 1320}, {"end", 120}}}}}}});
  auto late = evaluate(s, utc("2026-12-12T00:30:00Z"));  // Saturday 01:30
  EXPECT_TRUE(late.open);
  EXPECT_EQ(iso_utc(*late.closes_at), "2026-12-12T01:00:00Z");
  EXPECT_EQ(iso_utc(*late.next_opening), "2026-12-18T21:00:00Z");
  EXPECT_FALSE(evaluate(s, utc("2026-12-12T01:00:00Z")).open);
}

TEST(HoursSchedule, SpansThatTouchAtMidnightAreOnePeriod) {
  auto s = schedule({{"zone", "Europe/Berlin"},
                     {"week", {{"mon", {{{"start", 1200}, {"end", 1440}}}}, {"tue", {{{"start", 0}, {"end", 360}}}}}}});
  auto st = evaluate(s, utc("2026-12-07T20:00:00Z"));  // Monday 21:00
  EXPECT_TRUE(st.open);
  EXPECT_EQ(iso_utc(*st.closes_at), "2026-12-08T05:00:00Z");  // Tuesday 06:00
}

TEST(HoursSchedule, HolidayExceptionClosesTheDay) {
  auto s = office({{{"date", "2026-12-25"}, {"intervals", nlohmann::json::array()}}});
  auto thursday = evaluate(s, utc("2026-12-24T17:00:00Z"));  // Thursday 18:00
  EXPECT_EQ(iso_utc(*thursday.next_opening), "2026-12-28T08:00:00Z");  // not Friday the 25th
  EXPECT_FALSE(evaluate(s, utc("2026-12-25T10:00:00Z")).open);
}

TEST(HoursSchedule, LateOpeningException) {
  auto s = office({{{"date", "2026-12-24"}, {"intervals", {{{"start", 660}, {"end", 1020}}}}}});
  auto st = evaluate(s, utc("2026-12-24T09:00:00Z"));  // 10:00, usually open
  EXPECT_FALSE(st.open);
  EXPECT_EQ(iso_utc(*st.next_opening), "2026-12-24T10:00:00Z");  // 11:00
}

TEST(HoursSchedule, ExceptionKeepsThePreviousNightsSpan) {
  auto s = schedule({{"zone", "Europe/Berlin"},
                     {"week", {{"thu", {{{"start", 1320}, {"end", 180}}}}}},
                     {"exceptions", {{{"date", "2026-12-11"}, {"intervals", nlohmann::json::array()}}}}});
  EXPECT_TRUE(evaluate(s, utc("2026-12-11T00:30:00Z")).open);  // Friday 01:30, from Thursday night
}

TEST(HoursSchedule, OfficeHoursFollowTheZonesDstChange) {
  // Friday before the spring change: 9:00 CET = 08:00Z; Monday after: 9:00 CEST = 07:00Z.
  auto friday = evaluate(office(), utc("2027-03-26T17:00:00Z"));
  EXPECT_EQ(iso_utc(*friday.next_opening), "2027-03-29T07:00:00Z");
  // Autumn: Friday 9:00 CEST = 07:00Z; Monday 9:00 CET = 08:00Z.
  auto autumn = evaluate(office(), utc("2026-10-23T17:00:00Z"));
  EXPECT_EQ(iso_utc(*autumn.next_opening), "2026-10-26T08:00:00Z");
}

TEST(HoursSchedule, SpringForwardGapAndShortDay) {
  // Sunday 2027-03-28, 01:00–04:00 local is two hours long; a span starting at 02:30 (a time
  // that day does not have) starts at 03:00 CEST.
  auto s = schedule({{"zone", "Europe/Berlin"}, {"week", {{"sun", {{{"start", 60}, {"end", 240}}}}}}});
  EXPECT_EQ(business_time(s, utc("2027-03-27T00:00:00Z"), utc("2027-03-29T00:00:00Z")), 2h);
  auto gap = schedule({{"zone", "Europe/Berlin"}, {"week", {{"sun", {{{"start", 150}, {"end", 300}}}}}}});
  EXPECT_EQ(iso_utc(*evaluate(gap, utc("2027-03-27T12:00:00Z")).next_opening), "2027-03-28T01:00:00Z");
}

TEST(HoursSchedule, FallBackRepeatedHourCountsTwice) {
  // Sunday 2026-10-25, 02:30–03:30 local: from the first 02:30 (00:30Z) to 03:30 CET (02:30Z).
  auto s = schedule({{"zone", "Europe/Berlin"}, {"week", {{"sun", {{{"start", 150}, {"end", 210}}}}}}});
  auto st = evaluate(s, utc("2026-10-24T12:00:00Z"));
  EXPECT_EQ(iso_utc(*st.next_opening), "2026-10-25T00:30:00Z");
  EXPECT_EQ(business_time(s, utc("2026-10-25T00:00:00Z"), utc("2026-10-26T00:00:00Z")), 2h);
}

TEST(HoursSchedule, OtherZone) {
  nlohmann::json day = nlohmann::json::array({{{"start", 540}, {"end", 1020}}});
  auto s = schedule({{"zone", "America/New_York"}, {"week", {{"mon", day}}}});
  EXPECT_EQ(iso_utc(*evaluate(s, utc("2026-12-07T00:00:00Z")).next_opening), "2026-12-07T14:00:00Z");
}

TEST(HoursSchedule, NeverOpenAndAlwaysOpen) {
  auto never = evaluate(schedule({{"zone", "UTC"}}), utc("2026-12-07T09:00:00Z"));
  EXPECT_FALSE(never.open);
  EXPECT_FALSE(never.next_opening.has_value());
  nlohmann::json all = nlohmann::json::array({{{"start", 0}, {"end", 1440}}});
  auto always = evaluate(schedule({{"zone", "UTC"},
                                   {"week", {{"mon", all}, {"tue", all}, {"wed", all}, {"thu", all}, {"fri", all},
                                             {"sat", all}, {"sun", all}}}}),
                         utc("2026-12-07T09:00:00Z"));
  EXPECT_TRUE(always.open);
  EXPECT_FALSE(always.closes_at.has_value());
}

TEST(HoursSchedule, BusinessTimeSkipsClosedHours) {
  // Asked Friday 16:50 Berlin, answered Monday 9:05: 15 minutes of business time.
  EXPECT_EQ(business_time(office(), utc("2026-12-11T15:50:00Z"), utc("2026-12-14T08:05:00Z")), 15min);
  EXPECT_EQ(business_time(office(), utc("2026-12-14T08:05:00Z"), utc("2026-12-11T15:50:00Z")), 0s);
}

TEST(HoursSchedule, MedianAndWords) {
  auto s = office();
  std::vector<FirstResponse> rows = {
      {utc("2026-12-07T09:00:00Z"), utc("2026-12-07T09:02:00Z")},
      {utc("2026-12-11T15:50:00Z"), utc("2026-12-14T08:05:00Z")},  // 15 min, not a weekend
      {utc("2026-12-08T09:00:00Z"), utc("2026-12-08T09:04:00Z")},
  };
  EXPECT_EQ(*median_response(s, rows), 4min);
  EXPECT_FALSE(median_response(s, {}).has_value());
  EXPECT_EQ(reply_words(4min), "a few minutes");
  EXPECT_EQ(reply_words(40min), "under an hour");
  EXPECT_EQ(reply_words(3h), "a few hours");
  EXPECT_EQ(reply_words(20h), "about a day");
}

TEST(HoursScheduleJson, RoundTrip) {
  auto s = office({{{"date", "2026-12-24"}, {"intervals", {{{"start", 660}, {"end", 1020}}}}}});
  auto doc = to_json(s);
  EXPECT_EQ(doc["zone"], "Europe/Berlin");
  EXPECT_EQ(doc["week"]["sat"], nlohmann::json::array());
  EXPECT_EQ(doc["exceptions"][0]["date"], "2026-12-24");
  EXPECT_EQ(to_json(parse_schedule(doc)), doc);
}

TEST(HoursScheduleJson, RefusesWhatIsNotASchedule) {
  auto refused = [](const nlohmann::json& doc) {
    try {
      parse_schedule(doc);
    } catch (const ScheduleError& e) {
      return std::string(e.what());
    }
    return std::string("accepted");
  };
  EXPECT_NE(refused({{"zone", "Mars/Olympus"}}).find("Unknown time zone"), std::string::npos);
  EXPECT_NE(refused({{"week", nlohmann::json::object()}}).find("zone"), std::string::npos);
  EXPECT_NE(refused({{"zone", "UTC"}, {"week", {{"funday", nlohmann::json::array()}}}}).find("Unknown day"),
            std::string::npos);
  EXPECT_NE(refused({{"zone", "UTC"}, {"week", {{"mon", {{{"start", 600}, {"end", 700}}, {{"start", 650}, {"end", 800}}}}}}})
                .find("overlap"),
            std::string::npos);
  EXPECT_NE(refused({{"zone", "UTC"}, {"week", {{"mon", {{{"start", 1320}, {"end", 60}}, {{"start", 1380}, {"end", 1400}}}}}}})
                .find("overlap"),
            std::string::npos);
  EXPECT_NE(refused({{"zone", "UTC"}, {"week", {{"mon", {{{"start", -5}, {"end", 700}}}}}}}).find("between"),
            std::string::npos);
  EXPECT_NE(refused({{"zone", "UTC"}, {"week", {{"mon", {{{"start", 600}, {"end", 600}}}}}}}).find("same time"),
            std::string::npos);
  EXPECT_NE(refused({{"zone", "UTC"}, {"exceptions", {{{"date", "2026-02-30"}}}}}).find("real date"), std::string::npos);
  EXPECT_NE(refused({{"zone", "UTC"}, {"exceptions", {{{"date", "2026-12-25"}}, {{"date", "2026-12-25"}}}}}).find("twice"),
            std::string::npos);
  EXPECT_EQ(refused({{"zone", "UTC"}, {"exceptions", {{{"date", "2026-12-25"}}}}}), "accepted");
}

}  // namespace
}  // namespace parley::hours
