// When execd's OTLP export starts without an endpoint variable: HOST_IP, else the hostinfo file it is
// given (the real binary reads /etc/hostinfo; the integration suite tests HOST_IP end to end).
#include <gtest/gtest.h>
#include <unistd.h>

#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <optional>

#include "telemetry/execd_telemetry.hpp"

namespace execd::telemetry {
namespace {

// Sets (nullptr: unsets) an environment variable for one test, then restores it.
class VariableOverride {
  public:
    VariableOverride(std::string name, const char* value) : name_(std::move(name)) {
        if (const char* previous = std::getenv(name_.c_str())) {
            previous_ = previous;
        }
        if (value == nullptr) {
            ::unsetenv(name_.c_str());
        } else {
            ::setenv(name_.c_str(), value, 1);
        }
    }
    ~VariableOverride() {
        if (previous_) {
            ::setenv(name_.c_str(), previous_->c_str(), 1);
        } else {
            ::unsetenv(name_.c_str());
        }
    }
    VariableOverride(const VariableOverride&) = delete;
    VariableOverride& operator=(const VariableOverride&) = delete;

  private:
    std::string name_;
    std::optional<std::string> previous_;
};

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
    const VariableOverride metrics_endpoint_{"OTEL_EXPORTER_OTLP_METRICS_ENDPOINT", nullptr};
    const VariableOverride endpoint_{"OTEL_EXPORTER_OTLP_ENDPOINT", nullptr};
    const VariableOverride host_ip_{"HOST_IP", nullptr};
    // Nothing is sent while a test runs: the first export would come after a day.
    const VariableOverride interval_{"OTEL_METRIC_EXPORT_INTERVAL", "86400000"};
    const common::ResourceSampler sampler_{std::chrono::seconds(1)};
    ExecdTelemetry telemetry_{sampler_};
};

TEST_F(ExecdNodeCollectorTest, TheGivenHostinfoFileEnablesExport) {
    EXPECT_TRUE(telemetry_.start_export(hostinfo("node-7.example\n192.0.2.10\n")));
}

TEST_F(ExecdNodeCollectorTest, HostIpEnablesExportWithoutAHostinfoFile) {
    const VariableOverride host_ip("HOST_IP", "192.0.2.11");
    EXPECT_TRUE(telemetry_.start_export(missing_hostinfo()));
}

TEST_F(ExecdNodeCollectorTest, NoAddressAnywhereLeavesExportOff) {
    EXPECT_FALSE(telemetry_.start_export(missing_hostinfo()));
    EXPECT_FALSE(telemetry_.start_export(hostinfo("node-7.example\n")));
}

}  // namespace
}  // namespace execd::telemetry
