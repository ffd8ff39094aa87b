#include "metrics/metrics.h"

#include <thread>
#include <vector>

#include <gmock/gmock.h>
#include <gtest/gtest.h>

namespace riec::metrics {
namespace {

using ::testing::HasSubstr;
using ::testing::Not;

TEST(MetricsTest, CountersAndGaugesAreWrittenWithHelpTypeAndLabels) {
  Registry r;
  r.GetCounter("riec_requests_total", "Calls.", {{"method", "/a.B/C"}, {"code", "OK"}}).Add();
  r.GetCounter("riec_requests_total", "Calls.", {{"method", "/a.B/C"}, {"code", "OK"}}).Add(2);
  r.GetCounter("riec_requests_total", "Calls.", {{"method", "/a.B/C"}, {"code", "NOT_FOUND"}}).Add();
  r.GetGauge("riec_open", "Open things.").Set(2.5);
  EXPECT_EQ(r.Expose(),
            "# HELP riec_open Open things.\n"
            "# TYPE riec_open gauge\n"
            "riec_open 2.5\n"
            "# HELP riec_requests_total Calls.\n"
            "# TYPE riec_requests_total counter\n"
            "riec_requests_total{method=\"/a.B/C\",code=\"NOT_FOUND\"} 1\n"
            "riec_requests_total{method=\"/a.B/C\",code=\"OK\"} 3\n");
}

TEST(MetricsTest, HistogramBucketsAreCumulativeWithSumAndCount) {
  Registry r;
  Histogram& h = r.GetHistogram("riec_batch", "Records per commit.", {1, 2, 4});
  for (double v : {1.0, 1.0, 3.0, 9.0}) h.Observe(v);
  EXPECT_EQ(r.Expose(),
            "# HELP riec_batch Records per commit.\n"
            "# TYPE riec_batch histogram\n"
            "riec_batch_bucket{le=\"1\"} 2\n"
            "riec_batch_bucket{le=\"2\"} 2\n"
            "riec_batch_bucket{le=\"4\"} 3\n"
            "riec_batch_bucket{le=\"+Inf\"} 4\n"
            "riec_batch_sum 14\n"
            "riec_batch_count 4\n");
}

TEST(MetricsTest, HistogramWithLabelsPutsLeLast) {
  Registry r;
  r.GetHistogram("riec_seconds", "Latency.", {0.5}, {{"method", "m"}}).Observe(0.25);
  EXPECT_THAT(r.Expose(), HasSubstr("riec_seconds_bucket{method=\"m\",le=\"0.5\"} 1\n"
                                    "riec_seconds_bucket{method=\"m\",le=\"+Inf\"} 1\n"
                                    "riec_seconds_sum{method=\"m\"} 0.25\n"
                                    "riec_seconds_count{method=\"m\"} 1\n"));
}

TEST(MetricsTest, LabelValuesAndHelpAreEscaped) {
  Registry r;
  r.GetCounter("riec_x_total", "a \\ b\nc", {{"v", "q\"\\\n"}}).Add();
  const std::string out = r.Expose();
  EXPECT_THAT(out, HasSubstr("# HELP riec_x_total a \\\\ b\\nc\n"));
  EXPECT_THAT(out, HasSubstr("riec_x_total{v=\"q\\\"\\\\\\n\"} 1\n"));
}

TEST(MetricsTest, ADeclaredFamilyIsShownBeforeItsFirstSample) {
  Registry r;
  r.Declare("riec_refusals_total", "Refusals.", Registry::Type::kCounter);
  EXPECT_EQ(r.Expose(), "# HELP riec_refusals_total Refusals.\n# TYPE riec_refusals_total counter\n");
  r.GetCounter("riec_refusals_total", "Refusals.", {{"quota", "q"}}).Add();
  EXPECT_EQ(r.Expose(),
            "# HELP riec_refusals_total Refusals.\n# TYPE riec_refusals_total counter\n"
            "riec_refusals_total{quota=\"q\"} 1\n");
}

TEST(MetricsTest, ComputedFamiliesAreReadAtEachScrape) {
  Registry r;
  double size = 7;
  r.AddComputed("riec_log_records", "Records.", Registry::Type::kGauge,
                [&] { return std::vector<Sample>{{{}, size}}; });
  EXPECT_THAT(r.Expose(), HasSubstr("riec_log_records 7\n"));
  size = 8;
  EXPECT_THAT(r.Expose(), HasSubstr("riec_log_records 8\n"));
  EXPECT_THAT(r.Expose(), Not(HasSubstr("riec_log_records 7\n")));
}

TEST(MetricsTest, ValuesAreFormattedAsTheExpositionFormatWants) {
  EXPECT_EQ(FormatValue(3), "3");
  EXPECT_EQ(FormatValue(-2), "-2");
  EXPECT_EQ(FormatValue(0.1), "0.10000000000000001");
  EXPECT_EQ(FormatValue(1.0 / 0.0), "+Inf");
  EXPECT_EQ(FormatValue(-1.0 / 0.0), "-Inf");
  EXPECT_EQ(FormatValue(0.0 / 0.0), "NaN");
  EXPECT_EQ(FormatValue(1e20), "1e+20");
}

TEST(MetricsTest, ConcurrentUpdatesAreAllCounted) {
  Registry r;
  std::vector<std::thread> threads;
  for (int t = 0; t < 4; ++t) {
    threads.emplace_back([&r] {
      for (int i = 0; i < 10000; ++i) {
        r.GetCounter("riec_n_total", "N.").Add();
        r.GetHistogram("riec_h", "H.", {1}).Observe(0.5);
      }
    });
  }
  for (auto& t : threads) t.join();
  EXPECT_EQ(r.GetCounter("riec_n_total", "N.").value(), 40000);
  EXPECT_EQ(r.GetHistogram("riec_h", "H.", {1}).Read().count, 40000u);
}

TEST(MetricsDeathTest, ANameUsedAsTwoKindsIsAProgrammingError) {
  Registry r;
  r.GetCounter("riec_a_total", "A.");
  EXPECT_DEATH(r.GetGauge("riec_a_total", "A."), "another kind");
  EXPECT_DEATH(r.GetCounter("riec-bad", "B."), "bad metric name");
  EXPECT_DEATH(r.GetCounter("riec_b_total", "B.", {{"le", "1"}}), "bad label name");
}

}  // namespace
}  // namespace riec::metrics
