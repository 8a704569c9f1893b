#include "common/metrics.hpp"

#include <gtest/gtest.h>

#include <cmath>
#include <limits>
#include <thread>
#include <vector>

namespace {

TEST(MetricsRegistry, EmptyRegistryRendersNothing) {
    const common::MetricsRegistry registry;
    EXPECT_EQ(registry.render(), "");
    EXPECT_EQ(common::MetricsRegistry::kContentType, "text/plain; version=0.0.4; charset=utf-8");
}

TEST(MetricsRegistry, RendersUnlabelledCounterAndGauge) {
    common::MetricsRegistry registry;
    common::Counter& requests = registry.counter("requests_total", "Requests handled.");
    common::Gauge& sessions = registry.gauge("active_sessions", "Open sessions.");
    requests.inc();
    requests.inc(4);
    sessions.set(3);
    sessions.inc();
    sessions.dec();
    sessions.dec();
    EXPECT_EQ(requests.value(), 5u);
    EXPECT_EQ(registry.render(),
              "# HELP active_sessions Open sessions.\n"
              "# TYPE active_sessions gauge\n"
              "active_sessions 2\n"
              "# HELP requests_total Requests handled.\n"
              "# TYPE requests_total counter\n"
              "requests_total 5\n");
}

TEST(MetricsRegistry, RendersLabelledChildrenInSortedOrder) {
    common::MetricsRegistry registry;
    auto& queries =
        registry.counter_family("dns_queries_total", "DNS queries by verdict.", {"verdict", "qtype"});
    queries.with_labels({"deny", "A"}).inc(2);
    queries.with_labels({"allow", "AAAA"}).inc();
    queries.with_labels({"allow", "A"}).inc(3);
    EXPECT_EQ(registry.render(),
              "# HELP dns_queries_total DNS queries by verdict.\n"
              "# TYPE dns_queries_total counter\n"
              "dns_queries_total{verdict=\"allow\",qtype=\"A\"} 3\n"
              "dns_queries_total{verdict=\"allow\",qtype=\"AAAA\"} 1\n"
              "dns_queries_total{verdict=\"deny\",qtype=\"A\"} 2\n");
}

TEST(MetricsRegistry, FamilyWithoutChildrenIsNotRendered) {
    common::MetricsRegistry registry;
    registry.counter_family("unused_total", "Never touched.", {"kind"});
    EXPECT_EQ(registry.render(), "");
}

TEST(MetricsRegistry, EscapesLabelValuesAndHelp) {
    common::MetricsRegistry registry;
    auto& files =
        registry.gauge_family("file_bytes", "Size of a file.\nPath is \"raw\" \\ escaped.", {"path"});
    files.with_labels({"C:\\dir\\\"x\"\nnext"}).set(1.5);
    EXPECT_EQ(registry.render(),
              "# HELP file_bytes Size of a file.\\nPath is \"raw\" \\\\ escaped.\n"
              "# TYPE file_bytes gauge\n"
              "file_bytes{path=\"C:\\\\dir\\\\\\\"x\\\"\\nnext\"} 1.5\n");
}

TEST(MetricsRegistry, RendersHistogramWithCumulativeBuckets) {
    common::MetricsRegistry registry;
    auto& latency =
        registry.histogram_family("upstream_seconds", "Upstream latency.", {0.005, 0.1, 1}, {"server"});
    common::Histogram& google = latency.with_labels({"8.8.8.8"});
    google.observe(0.001);
    google.observe(0.005);  // bounds are inclusive
    google.observe(0.05);
    google.observe(2);
    EXPECT_EQ(google.count(), 4u);
    EXPECT_DOUBLE_EQ(google.sum(), 2.056);
    const std::string text = registry.render();
    const std::string expected_prefix =
        "# HELP upstream_seconds Upstream latency.\n"
        "# TYPE upstream_seconds histogram\n"
        "upstream_seconds_bucket{server=\"8.8.8.8\",le=\"0.005\"} 2\n"
        "upstream_seconds_bucket{server=\"8.8.8.8\",le=\"0.1\"} 3\n"
        "upstream_seconds_bucket{server=\"8.8.8.8\",le=\"1\"} 3\n"
        "upstream_seconds_bucket{server=\"8.8.8.8\",le=\"+Inf\"} 4\n"
        "upstream_seconds_sum{server=\"8.8.8.8\"} ";
    ASSERT_EQ(text.substr(0, expected_prefix.size()), expected_prefix) << text;
    EXPECT_TRUE(text.ends_with("\nupstream_seconds_count{server=\"8.8.8.8\"} 4\n")) << text;
}

TEST(MetricsRegistry, RendersUnlabelledHistogramExactly) {
    common::MetricsRegistry registry;
    common::Histogram& sizes = registry.histogram("reply_bytes", "Reply sizes.", {100, 512});
    sizes.observe(64);
    sizes.observe(600);
    sizes.observe(std::nan(""));  // counted in +Inf only
    EXPECT_EQ(registry.render(),
              "# HELP reply_bytes Reply sizes.\n"
              "# TYPE reply_bytes histogram\n"
              "reply_bytes_bucket{le=\"100\"} 1\n"
              "reply_bytes_bucket{le=\"512\"} 1\n"
              "reply_bytes_bucket{le=\"+Inf\"} 3\n"
              "reply_bytes_sum NaN\n"
              "reply_bytes_count 3\n");
}

TEST(MetricsRegistry, FloatCounterIgnoresNegativeAmounts) {
    common::MetricsRegistry registry;
    common::FloatCounter& cpu = registry.float_counter("cpu_seconds_total", "CPU time.");
    cpu.add(0.25);
    cpu.add(-1);
    cpu.add(std::nan(""));
    cpu.add(1);
    EXPECT_EQ(registry.render(),
              "# HELP cpu_seconds_total CPU time.\n"
              "# TYPE cpu_seconds_total counter\n"
              "cpu_seconds_total 1.25\n");
}

TEST(MetricsRegistry, GaugeRendersSpecialValues) {
    common::MetricsRegistry registry;
    auto& limits = registry.gauge_family("limit", "Limit.", {"kind"});
    limits.with_labels({"a"}).set(std::numeric_limits<double>::infinity());
    limits.with_labels({"b"}).set(-std::numeric_limits<double>::infinity());
    limits.with_labels({"c"}).set(-0.5);
    limits.with_labels({"d"}).set(1e21);
    EXPECT_EQ(registry.render(),
              "# HELP limit Limit.\n"
              "# TYPE limit gauge\n"
              "limit{kind=\"a\"} +Inf\n"
              "limit{kind=\"b\"} -Inf\n"
              "limit{kind=\"c\"} -0.5\n"
              "limit{kind=\"d\"} 1e+21\n");
}

TEST(MetricsRegistry, WithLabelsReturnsTheSameChild) {
    common::MetricsRegistry registry;
    auto& family = registry.counter_family("hits_total", "Hits.", {"route"});
    common::Counter& first = family.with_labels({"/a"});
    for (int i = 0; i < 100; ++i) {
        family.with_labels({"/b" + std::to_string(i)});  // growing the map must not move existing children
    }
    EXPECT_EQ(&family.with_labels({"/a"}), &first);
}

TEST(MetricsRegistry, RejectsBadNames) {
    common::MetricsRegistry registry;
    EXPECT_THROW(registry.counter("", "h"), std::invalid_argument);
    EXPECT_THROW(registry.counter("1abc", "h"), std::invalid_argument);
    EXPECT_THROW(registry.counter("a-b", "h"), std::invalid_argument);
    EXPECT_THROW(registry.counter("a b", "h"), std::invalid_argument);
    EXPECT_NO_THROW(registry.counter("_ok:name_1", "h"));
    EXPECT_NO_THROW(registry.counter(":colon_first", "h"));
    EXPECT_THROW(registry.counter_family("c1", "h", {"1bad"}), std::invalid_argument);
    EXPECT_THROW(registry.counter_family("c2", "h", {"has:colon"}), std::invalid_argument);
    EXPECT_THROW(registry.counter_family("c3", "h", {"__reserved"}), std::invalid_argument);
    EXPECT_THROW(registry.counter_family("c4", "h", {"a", "a"}), std::invalid_argument);
    EXPECT_THROW(registry.histogram_family("h1", "h", {1}, {"le"}), std::invalid_argument);
    EXPECT_EQ(registry.render().find("c1"), std::string::npos);
}

TEST(MetricsRegistry, RejectsDuplicateFamilies) {
    common::MetricsRegistry registry;
    registry.counter("dup_total", "h");
    EXPECT_THROW(registry.gauge("dup_total", "h"), std::invalid_argument);
}

TEST(MetricsRegistry, RejectsLabelCountMismatch) {
    common::MetricsRegistry registry;
    auto& family = registry.counter_family("x_total", "h", {"a", "b"});
    EXPECT_THROW(family.with_labels({"only one"}), std::invalid_argument);
    EXPECT_THROW(family.with_labels({"1", "2", "3"}), std::invalid_argument);
    EXPECT_THROW(family.with_labels({}), std::invalid_argument);
    EXPECT_EQ(registry.render(), "");
}

TEST(MetricsRegistry, RejectsBadHistogramBounds) {
    common::MetricsRegistry registry;
    EXPECT_THROW(registry.histogram("h1", "h", {1, 1}), std::invalid_argument);
    EXPECT_THROW(registry.histogram("h2", "h", {2, 1}), std::invalid_argument);
    EXPECT_THROW(registry.histogram("h3", "h", {1, std::numeric_limits<double>::infinity()}),
                 std::invalid_argument);
    EXPECT_THROW(registry.histogram("h4", "h", {std::nan("")}), std::invalid_argument);
    EXPECT_NO_THROW(registry.histogram("h5", "h", {}));
}

TEST(BucketHelpers, ProduceTheDocumentedBounds) {
    EXPECT_EQ(common::linear_buckets(1, 2, 3), (std::vector<double>{1, 3, 5}));
    const std::vector<double> exponential = common::exponential_buckets(0.001, 10, 4);
    ASSERT_EQ(exponential.size(), 4u);
    EXPECT_DOUBLE_EQ(exponential[0], 0.001);
    EXPECT_DOUBLE_EQ(exponential[1], 0.01);
    EXPECT_DOUBLE_EQ(exponential[2], 0.1);
    EXPECT_DOUBLE_EQ(exponential[3], 1);
    EXPECT_THROW(common::linear_buckets(1, 0, 2), std::invalid_argument);
}

TEST(MetricsRegistry, ConcurrentUpdatesAreExact) {
    common::MetricsRegistry registry;
    auto& counters = registry.counter_family("ops_total", "Ops.", {"worker"});
    common::Counter& shared = registry.counter("shared_total", "Shared.");
    common::Gauge& level = registry.gauge("level", "Level.");
    common::Histogram& histogram = registry.histogram("obs", "Obs.", {0.5});
    constexpr int kThreads = 4;
    constexpr int kIterations = 100000;
    std::vector<std::thread> threads;
    for (int t = 0; t < kThreads; ++t) {
        threads.emplace_back([&, t] {
            common::Counter& mine = counters.with_labels({std::to_string(t % 2)});
            for (int i = 0; i < kIterations; ++i) {
                mine.inc();
                shared.inc();
                level.inc();
                level.dec();
                level.add(1);
                histogram.observe(i % 2 == 0 ? 0.25 : 1.0);
                if (i % 10000 == 0) {
                    (void)registry.render();  // rendering concurrently with updates is safe
                }
            }
        });
    }
    for (std::thread& thread : threads) {
        thread.join();
    }
    EXPECT_EQ(shared.value(), uint64_t{kThreads} * kIterations);
    EXPECT_EQ(counters.with_labels({"0"}).value(), uint64_t{kThreads / 2} * kIterations);
    EXPECT_EQ(counters.with_labels({"1"}).value(), uint64_t{kThreads / 2} * kIterations);
    EXPECT_EQ(level.value(), double{kThreads} * kIterations);
    EXPECT_EQ(histogram.count(), uint64_t{kThreads} * kIterations);
    EXPECT_DOUBLE_EQ(histogram.sum(), kThreads * (kIterations / 2) * 1.25);
    const std::string text = registry.render();
    EXPECT_NE(text.find("obs_bucket{le=\"0.5\"} 200000\n"), std::string::npos) << text;
    EXPECT_NE(text.find("shared_total 400000\n"), std::string::npos) << text;
}

TEST(MetricsRegistry, SnapshotCopiesEveryFamilyWithoutRendering) {
    common::MetricsRegistry registry;
    registry.counter_family("queries_total", "Queries.", {"outcome"}).with_labels({"denied"}).inc(2);
    registry.float_counter("busy_seconds", "Busy.").add(0.5);
    registry.gauge("sessions", "Sessions.").set(3);
    auto& latency = registry.histogram("latency_seconds", "Latency.", {0.1, 1});
    latency.observe(0.05);
    latency.observe(5);
    registry.counter_family("unused_total", "Unused.", {"kind"});

    const auto families = registry.snapshot();
    ASSERT_EQ(families.size(), 5u);
    EXPECT_EQ(families[0].name, "busy_seconds");
    EXPECT_EQ(families[0].kind, common::MetricKind::counter);
    EXPECT_FALSE(families[0].samples.at(0).is_integer);
    EXPECT_DOUBLE_EQ(families[0].samples[0].value, 0.5);

    EXPECT_EQ(families[1].name, "latency_seconds");
    EXPECT_EQ(families[1].kind, common::MetricKind::histogram);
    const common::MetricSample& histogram = families[1].samples.at(0);
    EXPECT_EQ(histogram.upper_bounds, (std::vector<double>{0.1, 1}));
    EXPECT_EQ(histogram.bucket_counts, (std::vector<uint64_t>{1, 0, 1}));
    EXPECT_EQ(histogram.count, 2u);
    EXPECT_DOUBLE_EQ(histogram.sum, 5.05);

    EXPECT_EQ(families[2].name, "queries_total");
    EXPECT_EQ(families[2].help, "Queries.");
    EXPECT_EQ(families[2].label_names, (std::vector<std::string>{"outcome"}));
    EXPECT_EQ(families[2].samples.at(0).label_values, (std::vector<std::string>{"denied"}));
    EXPECT_TRUE(families[2].samples[0].is_integer);
    EXPECT_EQ(families[2].samples[0].int_value, 2u);

    EXPECT_EQ(families[3].kind, common::MetricKind::gauge);
    EXPECT_DOUBLE_EQ(families[3].samples.at(0).value, 3);
    EXPECT_TRUE(families[4].samples.empty());
}

}  // namespace
