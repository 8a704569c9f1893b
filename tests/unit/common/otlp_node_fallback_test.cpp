// The node collector fallback: HOST_IP, else the first IP address in a hostinfo file, when no OTLP
// endpoint variable is set.
#include <gtest/gtest.h>
#include <unistd.h>

#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <optional>
#include <string>

#include "common/otlp_settings.hpp"
#include "scoped_env.hpp"

namespace {

// A hostinfo file in a fresh temporary directory, removed afterwards.
class HostinfoFile {
  public:
    HostinfoFile() {
        std::string pattern = (std::filesystem::temp_directory_path() / "hostinfo-XXXXXX").string();
        directory_ = ::mkdtemp(pattern.data());
        path_ = directory_ + "/hostinfo";
    }
    ~HostinfoFile() { std::filesystem::remove_all(directory_); }
    HostinfoFile(const HostinfoFile&) = delete;
    HostinfoFile& operator=(const HostinfoFile&) = delete;

    const std::string& write(const std::string& text) {
        std::ofstream(path_, std::ios::binary) << text;
        return path_;
    }
    const std::string& missing() const { return path_; }

  private:
    std::string directory_;
    std::string path_;
};

// No endpoint variable set, HOST_IP as given (nullptr: unset).
class OtlpNodeFallback : public ::testing::Test {
  protected:
    std::optional<std::string> url_with_host_ip(const char* host_ip, const std::string& hostinfo_path) {
        const ScopedEnv host("HOST_IP", host_ip);
        return common::otlp_metrics_url_from_environment(hostinfo_path);
    }

    const ScopedEnv metrics_{"OTEL_EXPORTER_OTLP_METRICS_ENDPOINT", nullptr};
    const ScopedEnv base_{"OTEL_EXPORTER_OTLP_ENDPOINT", nullptr};
    HostinfoFile hostinfo_;
};

TEST_F(OtlpNodeFallback, HostIpGivesTheNodeCollector) {
    EXPECT_EQ(url_with_host_ip(" 10.1.2.3 ", hostinfo_.write("192.168.0.9\n")),
              "http://10.1.2.3:4318/v1/metrics");
}

TEST_F(OtlpNodeFallback, Ipv6IsBracketed) {
    EXPECT_EQ(url_with_host_ip("fd00::1", hostinfo_.missing()), "http://[fd00::1]:4318/v1/metrics");
    EXPECT_EQ(url_with_host_ip(nullptr, hostinfo_.write("node-7\n2001:db8::5\n")),
              "http://[2001:db8::5]:4318/v1/metrics");
}

TEST_F(OtlpNodeFallback, HostinfoGivesItsFirstAddressAfterTheHostname) {
    EXPECT_EQ(url_with_host_ip(nullptr, hostinfo_.write("node-7.example\r\n\n  10.0.0.8  \r\n10.0.0.9\n")),
              "http://10.0.0.8:4318/v1/metrics");
    EXPECT_EQ(url_with_host_ip(nullptr, hostinfo_.write("172.16.0.1")), "http://172.16.0.1:4318/v1/metrics");
}

TEST_F(OtlpNodeFallback, HostIpThatIsNoAddressFallsBackToHostinfo) {
    EXPECT_EQ(url_with_host_ip("node-7", hostinfo_.write("10.0.0.8\n")), "http://10.0.0.8:4318/v1/metrics");
    EXPECT_EQ(url_with_host_ip("", hostinfo_.write("10.0.0.8\n")), "http://10.0.0.8:4318/v1/metrics");
}

TEST_F(OtlpNodeFallback, NoAddressAnywhereMeansNoExport) {
    EXPECT_EQ(url_with_host_ip(nullptr, hostinfo_.missing()), std::nullopt);
    EXPECT_EQ(url_with_host_ip(nullptr, hostinfo_.write("")), std::nullopt);
    EXPECT_EQ(url_with_host_ip(nullptr, hostinfo_.write("\n  \n\n")), std::nullopt);
    EXPECT_EQ(url_with_host_ip(nullptr, hostinfo_.write("node-7\n10.0.0.256\n10.0.0\n::g\n\x01\xff garbage")),
              std::nullopt);
    EXPECT_EQ(url_with_host_ip("not-an-ip", hostinfo_.write("still not one\n")), std::nullopt);
}

TEST_F(OtlpNodeFallback, AnEndpointVariableWins) {
    const std::string& hostinfo = hostinfo_.write("10.0.0.8\n");
    {
        const ScopedEnv base("OTEL_EXPORTER_OTLP_ENDPOINT", "http://collector:4318/");
        EXPECT_EQ(url_with_host_ip("10.1.2.3", hostinfo), "http://collector:4318/v1/metrics");
    }
    const ScopedEnv metrics("OTEL_EXPORTER_OTLP_METRICS_ENDPOINT", "http://m:1/custom");
    EXPECT_EQ(url_with_host_ip("10.1.2.3", hostinfo), "http://m:1/custom");
}

TEST_F(OtlpNodeFallback, OnlyDaemonsThatAskForItFallBack) {
    const ScopedEnv host("HOST_IP", "10.1.2.3");
    hostinfo_.write("10.0.0.8\n");
    EXPECT_EQ(common::otlp_metrics_url_from_environment(), std::nullopt);
    std::vector<std::string> warnings;
    const common::OtlpIdentity identity{"svc", "scope", "OTLP_TEST_SANDBOX_ID", "OTLP_TEST_EXTRA_ATTRS"};
    EXPECT_FALSE(common::otlp_settings_from_environment(identity, warnings));
    const auto settings = common::otlp_settings_from_environment(identity, warnings, hostinfo_.missing());
    ASSERT_TRUE(settings);
    EXPECT_EQ(settings->endpoint.origin, "http://10.1.2.3:4318");
    EXPECT_EQ(settings->endpoint.path, "/v1/metrics");
    EXPECT_TRUE(warnings.empty());
}

TEST(FirstIpInHostinfo, SkipsHostnamesAndBlankLines) {
    EXPECT_EQ(common::first_ip_in_hostinfo("h\n\n 1.2.3.4\n5.6.7.8")->to_string(), "1.2.3.4");
    EXPECT_EQ(common::first_ip_in_hostinfo("::1")->to_string(), "::1");
    EXPECT_FALSE(common::first_ip_in_hostinfo("1.2.3.4 5.6.7.8\n"));
    EXPECT_FALSE(common::first_ip_in_hostinfo(std::string("\0\n", 2)));
}

}  // namespace
