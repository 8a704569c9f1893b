#include "telemetry/network_figures.hpp"

#include <gtest/gtest.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>

namespace execd::telemetry {
namespace {

constexpr std::string_view kNetDev =
    "Inter-|   Receive                                                |  Transmit\n"
    " face |bytes    packets errs drop fifo frame compressed multicast|bytes    packets errs drop fifo colls "
    "carrier compressed\n"
    "    lo:    1000      10    0    0    0     0          0         0     1000      10    0    0    0     0 "
    "      0          0\n"
    "  eth0: 5000000    4000    0    0    0     0          0         0   250000    3000    0    0    0     0 "
    "      0          0\n";

constexpr std::string_view kTcp =
    "  sl  local_address rem_address   st tx_queue rx_queue tr tm->when retrnsmt   uid  timeout inode\n"
    "   0: 00000000:07E8 00000000:0000 0A 00000000:00000000 00:00000000 00000000     0        0 1130 1\n"
    "   1: 0100007F:AE0C 0100007F:07E8 01 00000000:00000000 00:00000000 00000000     0        0 1131 1\n";

TEST(NetworkFigures, SumsEveryInterfaceOfNetDev) {
    const auto bytes = parse_net_dev(kNetDev);
    ASSERT_TRUE(bytes);
    EXPECT_EQ(bytes->received, 5001000U);
    EXPECT_EQ(bytes->sent, 251000U);
}

TEST(NetworkFigures, TextWithoutInterfacesHasNoFigures) {
    EXPECT_FALSE(parse_net_dev(""));
    EXPECT_FALSE(parse_net_dev("Inter-|   Receive\n face |bytes\n"));
    EXPECT_FALSE(parse_net_dev("  eth0: not numbers at all x y z w v u\n"));
}

TEST(NetworkFigures, CountsSocketLinesAfterTheHeader) {
    EXPECT_EQ(count_socket_lines(kTcp), 2U);
    EXPECT_EQ(count_socket_lines(kTcp.substr(0, kTcp.find('\n') + 1)), 0U);
    EXPECT_EQ(count_socket_lines(""), 0U);
}

class NetworkGaugesTest : public ::testing::Test {
  protected:
    void SetUp() override {
        dir_ = std::filesystem::temp_directory_path() / ("network-gauges-" + std::to_string(::getpid()));
        std::filesystem::create_directories(dir_);
        paths_ = {path("dev"), path("tcp"), path("tcp6"), path("udp"), path("udp6")};
        write("dev", kNetDev);
        write("tcp", kTcp);
        write("udp", kTcp.substr(0, kTcp.find('\n') + 1));
    }
    void TearDown() override { std::filesystem::remove_all(dir_); }

    std::string path(const std::string& name) const { return (dir_ / name).string(); }
    void write(const std::string& name, std::string_view text) const { std::ofstream(path(name)) << text; }

    static double value_of(const common::MetricsRegistry& registry, const std::string& family,
                           const std::string& label) {
        for (const auto& snapshot : registry.snapshot()) {
            if (snapshot.name != family) {
                continue;
            }
            for (const auto& sample : snapshot.samples) {
                if (sample.label_values.at(0) == label) {
                    return sample.is_integer ? static_cast<double>(sample.int_value) : sample.value;
                }
            }
        }
        ADD_FAILURE() << family << "{" << label << "} not found";
        return -1;
    }

    std::filesystem::path dir_;
    NetworkPaths paths_;
};

TEST_F(NetworkGaugesTest, FollowTheFilesAtEveryCollection) {
    common::MetricsRegistry registry;
    register_network_gauges(registry, paths_);
    EXPECT_EQ(value_of(registry, "execd_system_network_io_bytes_total", "in"), 5001000);
    EXPECT_EQ(value_of(registry, "execd_system_network_io_bytes_total", "out"), 251000);
    EXPECT_EQ(value_of(registry, "execd_system_network_connections_active", "tcp"), 2);  // tcp6 missing
    EXPECT_EQ(value_of(registry, "execd_system_network_connections_active", "udp"), 0);

    std::string more(kNetDev);
    more.replace(more.find("5000000"), 7, "6000000");
    write("dev", more);
    write("tcp6", kTcp);
    EXPECT_EQ(value_of(registry, "execd_system_network_io_bytes_total", "in"), 6001000);
    EXPECT_EQ(value_of(registry, "execd_system_network_connections_active", "tcp"), 4);
}

}  // namespace
}  // namespace execd::telemetry
