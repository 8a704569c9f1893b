#include "sidecar/logging_setup.hpp"

#include <gtest/gtest.h>
#include <stdlib.h>

namespace egress::sidecar {
namespace {

// Sets a variable for the lifetime of the object.
class LogVariable {
  public:
    LogVariable(const char* name, const char* value) : name_(name) { ::setenv(name, value, 1); }
    ~LogVariable() { ::unsetenv(name_); }
    LogVariable(const LogVariable&) = delete;
    LogVariable& operator=(const LogVariable&) = delete;

  private:
    const char* name_;
};

TEST(LogRotationTest, Defaults) {
    ConfigReader reader;
    const common::LogRotation rotation = log_rotation(reader);
    EXPECT_EQ(rotation.max_bytes, 64u * 1024 * 1024);
    EXPECT_EQ(rotation.files, 3u);
    EXPECT_TRUE(reader.take_fallbacks().empty());
}

TEST(LogRotationTest, ReadsItsVariables) {
    const LogVariable bytes("OPENSANDBOX_EGRESS_LOG_MAX_BYTES", "0");
    const LogVariable files("OPENSANDBOX_EGRESS_LOG_FILES", "7");
    ConfigReader reader;
    const common::LogRotation rotation = log_rotation(reader);
    EXPECT_EQ(rotation.max_bytes, 0u);
    EXPECT_EQ(rotation.files, 7u);
}

TEST(LogRotationTest, BadValuesFallBackAndAreRecorded) {
    const LogVariable bytes("OPENSANDBOX_EGRESS_LOG_MAX_BYTES", "64MiB");
    const LogVariable files("OPENSANDBOX_EGRESS_LOG_FILES", "1001");
    ConfigReader reader;
    const common::LogRotation rotation = log_rotation(reader);
    EXPECT_EQ(rotation.max_bytes, 64u * 1024 * 1024);
    EXPECT_EQ(rotation.files, 3u);
    const std::vector<ConfigFallback> fallbacks = reader.take_fallbacks();
    ASSERT_EQ(fallbacks.size(), 2u);
    EXPECT_EQ(fallbacks[0].variable, "OPENSANDBOX_EGRESS_LOG_MAX_BYTES");
    EXPECT_EQ(fallbacks[1].variable, "OPENSANDBOX_EGRESS_LOG_FILES");
}

}  // namespace
}  // namespace egress::sidecar
