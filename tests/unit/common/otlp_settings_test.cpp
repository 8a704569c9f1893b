#include "common/otlp_settings.hpp"

#include <gtest/gtest.h>
#include <stdlib.h>

#include <optional>
#include <stdexcept>
#include <string>

#include "scoped_env.hpp"

namespace {

const common::OtlpIdentity kIdentity{"opensandbox-test-1.0", "opensandbox/test", "OTLP_TEST_SANDBOX_ID",
                                     "OTLP_TEST_EXTRA_ATTRS"};

TEST(OtlpEndpoint, SplitsOriginHostPortAndPath) {
    const auto endpoint = common::parse_otlp_endpoint("http://collector:4318/v1/metrics");
    EXPECT_EQ(endpoint.origin, "http://collector:4318");
    EXPECT_EQ(endpoint.host, "collector");
    EXPECT_EQ(endpoint.port, 4318);
    EXPECT_EQ(endpoint.path, "/v1/metrics");
    const auto bare = common::parse_otlp_endpoint("10.0.0.1:4318");
    EXPECT_EQ(bare.origin, "http://10.0.0.1:4318");
    EXPECT_EQ(bare.path, "/");
    const auto v6 = common::parse_otlp_endpoint("HTTP://[::1]:4318/x");
    EXPECT_EQ(v6.origin, "http://[::1]:4318");
    EXPECT_EQ(v6.host, "::1");
    EXPECT_EQ(v6.port, 4318);
    EXPECT_EQ(common::parse_otlp_endpoint("http://collector/v1/metrics").port, 80);
}

TEST(OtlpEndpoint, RejectsWhatCannotBeReached) {
    EXPECT_THROW(common::parse_otlp_endpoint("https://collector:4318/v1/metrics"), std::invalid_argument);
    EXPECT_THROW(common::parse_otlp_endpoint("http:///v1/metrics"), std::invalid_argument);
    EXPECT_THROW(common::parse_otlp_endpoint("http://collector:99999/"), std::invalid_argument);
    EXPECT_THROW(common::parse_otlp_endpoint("http://collector:abc/"), std::invalid_argument);
    EXPECT_THROW(common::parse_otlp_endpoint("http://[::1/"), std::invalid_argument);
    EXPECT_THROW(common::parse_otlp_endpoint(""), std::invalid_argument);
}

TEST(OtlpAttributes, ParsesPairsAndSkipsMalformedOnes) {
    std::vector<std::string> warnings;
    const auto attributes =
        common::parse_otlp_attributes(" team = a ,novalue,=x, region=eu-1,empty=", warnings);
    const common::OtlpAttributes expected{{"team", "a"}, {"region", "eu-1"}, {"empty", ""}};
    EXPECT_EQ(attributes, expected);
    ASSERT_EQ(warnings.size(), 2u);
    EXPECT_NE(warnings[0].find("novalue"), std::string::npos);
    EXPECT_NE(warnings[1].find("=x"), std::string::npos);
}

TEST(OtlpSettingsFromEnvironment, DisabledWithoutAnEndpoint) {
    const ScopedEnv metrics("OTEL_EXPORTER_OTLP_METRICS_ENDPOINT", nullptr);
    const ScopedEnv base("OTEL_EXPORTER_OTLP_ENDPOINT", nullptr);
    std::vector<std::string> warnings;
    EXPECT_FALSE(common::otlp_settings_from_environment(kIdentity, warnings));
    EXPECT_TRUE(warnings.empty());
}

TEST(OtlpSettingsFromEnvironment, MetricsEndpointWinsOverTheBaseEndpoint) {
    const ScopedEnv metrics("OTEL_EXPORTER_OTLP_METRICS_ENDPOINT", "http://m:1/custom");
    const ScopedEnv base("OTEL_EXPORTER_OTLP_ENDPOINT", "http://b:2");
    std::vector<std::string> warnings;
    const auto settings = common::otlp_settings_from_environment(kIdentity, warnings);
    ASSERT_TRUE(settings);
    EXPECT_EQ(settings->endpoint.origin, "http://m:1");
    EXPECT_EQ(settings->endpoint.path, "/custom");
}

TEST(OtlpSettingsFromEnvironment, BaseEndpointGetsTheMetricsPath) {
    const ScopedEnv metrics("OTEL_EXPORTER_OTLP_METRICS_ENDPOINT", nullptr);
    const ScopedEnv base("OTEL_EXPORTER_OTLP_ENDPOINT", "http://b:4318/");
    const ScopedEnv service("OTEL_SERVICE_NAME", nullptr);
    const ScopedEnv sandbox("OTLP_TEST_SANDBOX_ID", "sbx-1");
    const ScopedEnv extra("OTLP_TEST_EXTRA_ATTRS", "team=a,bad");
    const ScopedEnv interval("OTEL_METRIC_EXPORT_INTERVAL", "250");
    const ScopedEnv pending("OPENSANDBOX_OTLP_MAX_PENDING", "2");
    std::vector<std::string> warnings;
    const auto settings = common::otlp_settings_from_environment(kIdentity, warnings);
    ASSERT_TRUE(settings);
    EXPECT_EQ(settings->endpoint.origin, "http://b:4318");
    EXPECT_EQ(settings->endpoint.path, "/v1/metrics");
    const common::OtlpAttributes expected{
        {"service.name", "opensandbox-test-1.0"}, {"sandbox_id", "sbx-1"}, {"team", "a"}};
    EXPECT_EQ(settings->resource_attributes, expected);
    EXPECT_EQ(settings->scope_name, "opensandbox/test");
    EXPECT_EQ(settings->interval, std::chrono::milliseconds(250));
    EXPECT_EQ(settings->max_pending, 2u);
    EXPECT_EQ(warnings.size(), 1u);
}

TEST(OtlpSettingsFromEnvironment, ServiceNameOverrideAndDefaults) {
    const ScopedEnv metrics("OTEL_EXPORTER_OTLP_METRICS_ENDPOINT", "http://m:1/v1/metrics");
    const ScopedEnv service("OTEL_SERVICE_NAME", "custom");
    const ScopedEnv sandbox("OTLP_TEST_SANDBOX_ID", nullptr);
    const ScopedEnv extra("OTLP_TEST_EXTRA_ATTRS", nullptr);
    const ScopedEnv interval("OTEL_METRIC_EXPORT_INTERVAL", "not-a-number");
    const ScopedEnv pending("OPENSANDBOX_OTLP_MAX_PENDING", nullptr);
    std::vector<std::string> warnings;
    const auto settings = common::otlp_settings_from_environment(kIdentity, warnings);
    ASSERT_TRUE(settings);
    const common::OtlpAttributes expected{{"service.name", "custom"}};
    EXPECT_EQ(settings->resource_attributes, expected);
    EXPECT_EQ(settings->interval, std::chrono::seconds(15));
    EXPECT_EQ(settings->max_pending, 4u);
}

TEST(OtlpSettingsFromEnvironment, InvalidEndpointDisablesExportWithAWarning) {
    const ScopedEnv metrics("OTEL_EXPORTER_OTLP_METRICS_ENDPOINT", "https://secure:4318/v1/metrics");
    std::vector<std::string> warnings;
    EXPECT_FALSE(common::otlp_settings_from_environment(kIdentity, warnings));
    ASSERT_EQ(warnings.size(), 1u);
    EXPECT_NE(warnings[0].find("https://secure:4318"), std::string::npos);
}

}  // namespace
