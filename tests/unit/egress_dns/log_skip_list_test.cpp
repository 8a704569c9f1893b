#include "dns/log_skip_list.hpp"

#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <stdexcept>
#include <string>

namespace egress::dns {
namespace {

constexpr const char* kPath = "/var/egress/rules/log_skip.always";

std::string parse_error(const std::string& content) {
    try {
        LogSkipList::parse(content, kPath);
    } catch (const std::invalid_argument& error) {
        return error.what();
    }
    return "no error";
}

TEST(LogSkipList, MatchesExactNamesAndSubdomainsOfWildcardsButNotTheirApex) {
    const auto list =
        LogSkipList::parse("  # telemetry noise\n\nmetrics.example.com\n *.Cdn.Test. \n", kPath);
    EXPECT_EQ(list.size(), 2u);
    EXPECT_TRUE(list.matches("metrics.example.com"));
    EXPECT_FALSE(list.matches("www.metrics.example.com"));
    EXPECT_TRUE(list.matches("a.cdn.test"));
    EXPECT_TRUE(list.matches("a.b.cdn.test"));
    EXPECT_FALSE(list.matches("cdn.test"));
    EXPECT_FALSE(list.matches("other.test"));
}

TEST(LogSkipList, AnEmptyListMatchesNothing) {
    const LogSkipList list;
    EXPECT_FALSE(list.matches(""));
    EXPECT_FALSE(list.matches("example.com"));
}

TEST(LogSkipList, AddressesAndNetworksAreRefusedWithUpstreamsMessage) {
    EXPECT_EQ(parse_error("ok.test\n10.0.0.1\n"),
              std::string(kPath) +
                  " line 2: \"10.0.0.1\" is not a domain pattern; only host/domain entries are supported");
    EXPECT_EQ(parse_error("# c\n 10.0.0.0/8 \n"),
              std::string(kPath) +
                  " line 2: \"10.0.0.0/8\" is not a domain pattern; only host/domain entries are supported");
}

TEST(LogSkipList, OtherBadTargetsNameTheLineAndTheTargetError) {
    const std::string error = parse_error("a.test\n\nfoo.*.test\n");
    EXPECT_TRUE(error.starts_with(std::string(kPath) + " line 3: ")) << error;
    EXPECT_NE(error.find("foo.*.test"), std::string::npos) << error;
}

TEST(LoadLogSkipFile, AMissingFileIsNoList) {
    EXPECT_FALSE(load_log_skip_file("/nonexistent/dir/log_skip.always").has_value());
}

TEST(LoadLogSkipFile, ReadsTheFileAndPrefixesEveryFailure) {
    const auto dir = std::filesystem::temp_directory_path() / ("log-skip-" + std::to_string(::getpid()));
    std::filesystem::create_directories(dir);
    const auto file = dir / "log_skip.always";
    std::ofstream(file) << "*.quiet.test\n";
    auto loaded = load_log_skip_file(file);
    ASSERT_TRUE(loaded.has_value());
    EXPECT_TRUE(loaded->matches("x.quiet.test"));

    std::ofstream(file) << "1.2.3.4\n";
    try {
        load_log_skip_file(file);
        ADD_FAILURE() << "a bad line must fail";
    } catch (const std::runtime_error& error) {
        EXPECT_EQ(std::string(error.what()), "failed to load outbound log skip file: " + file.string() +
                                                 " line 1: \"1.2.3.4\" is not a domain pattern; only "
                                                 "host/domain entries are supported");
    }
    // A directory where the file should be: unreadable, not missing.
    std::filesystem::remove(file);
    std::filesystem::create_directories(file);
    try {
        load_log_skip_file(file);
        ADD_FAILURE() << "an unreadable file must fail";
    } catch (const std::runtime_error& error) {
        EXPECT_TRUE(std::string(error.what()).starts_with("failed to load outbound log skip file: "))
            << error.what();
    }
    std::filesystem::remove_all(dir);
}

}  // namespace
}  // namespace egress::dns
