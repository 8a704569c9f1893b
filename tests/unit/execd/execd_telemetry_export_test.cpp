// When execd's OTLP export starts without an endpoint variable: HOST_IP, else the hostinfo file it is
// given (the real binary reads /etc/hostinfo; the integration suite tests HOST_IP end to end).
#include <gtest/gtest.h>
#include <unistd.h>

#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <optional>

#include "../common/scoped_env.hpp"
#include "telemetry/execd_telemetry.hpp"

namespace execd::telemetry {
namespace {

class ExecdNodeCollectorTest : public ::testing::Test {
  protected:
    ExecdNodeCollectorTest() {
        std::string pattern = (std::filesystem::temp_directory_path() / "execd-hostinfo-XXXXXX").string();
        directory_ = ::mkdtemp(pattern.data());
    }
    ~ExecdNodeCollectorTest() override { std::filesystem::remove_all(directory_); }

    std::string hostinfo(const std::string& text) const {
        const std::string path = directory_ + "/hostinfo";
        std::ofstream(path, std::ios::binary) << text;
        return path;
    }
    std::string missing_hostinfo() const { return directory_ + "/none"; }

    std::string directory_;
    const ::ScopedEnv metrics_endpoint_{"OTEL_EXPORTER_OTLP_METRICS_ENDPOINT", nullptr};
    const ::ScopedEnv endpoint_{"OTEL_EXPORTER_OTLP_ENDPOINT", nullptr};
    const ::ScopedEnv host_ip_{"HOST_IP", nullptr};
    // Nothing is sent while a test runs: the first export would come after a day.
    const ::ScopedEnv interval_{"OTEL_METRIC_EXPORT_INTERVAL", "86400000"};
    const common::ResourceSampler sampler_{std::chrono::seconds(1)};
    ExecdTelemetry telemetry_{sampler_};
};

TEST_F(ExecdNodeCollectorTest, TheGivenHostinfoFileEnablesExport) {
    EXPECT_TRUE(telemetry_.start_export(hostinfo("node-7.example\n192.0.2.10\n")));
}

TEST_F(ExecdNodeCollectorTest, HostIpEnablesExportWithoutAHostinfoFile) {
    const ::ScopedEnv host_ip("HOST_IP", "192.0.2.11");
    EXPECT_TRUE(telemetry_.start_export(missing_hostinfo()));
}

TEST_F(ExecdNodeCollectorTest, NoAddressAnywhereLeavesExportOff) {
    EXPECT_FALSE(telemetry_.start_export(missing_hostinfo()));
    EXPECT_FALSE(telemetry_.start_export(hostinfo("node-7.example\n")));
}

}  // namespace
}  // namespace execd::telemetry
