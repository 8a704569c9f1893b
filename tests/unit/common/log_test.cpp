#include "common/log.hpp"

#include <gtest/gtest.h>
#include <spdlog/sinks/ostream_sink.h>
#include <unistd.h>

#include <algorithm>
#include <cctype>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <nlohmann/json.hpp>
#include <optional>
#include <sstream>
#include <string>
#include <vector>

namespace {

using common::LogLevel;
using nlohmann::json;

std::vector<json> parse_lines(const std::string& text) {
    std::vector<json> lines;
    std::istringstream stream(text);
    std::string line;
    while (std::getline(stream, line)) {
        lines.push_back(json::parse(line));  // throws (failing the test) on invalid JSON
    }
    return lines;
}

// 2026-03-21T08:32:39.123+0800 as zap's ISO8601 encoder writes it; "Z" replaces a zero offset.
bool is_zap_iso8601(std::string_view ts) {
    const std::string_view shape = "dddd-dd-ddTdd:dd:dd.ddd";
    if (ts.size() < shape.size() + 1) {
        return false;
    }
    for (size_t i = 0; i < shape.size(); ++i) {
        const bool ok =
            shape[i] == 'd' ? std::isdigit(static_cast<unsigned char>(ts[i])) != 0 : ts[i] == shape[i];
        if (!ok) {
            return false;
        }
    }
    const std::string_view zone = ts.substr(shape.size());
    if (zone == "Z") {
        return true;
    }
    return zone.size() == 5 && (zone[0] == '+' || zone[0] == '-') &&
           std::all_of(zone.begin() + 1, zone.end(),
                       [](char c) { return std::isdigit(static_cast<unsigned char>(c)); });
}

class CapturedLogger {
  public:
    explicit CapturedLogger(LogLevel level, std::string name = "opensandbox.test")
        : logger_(common::make_json_logger(std::move(name), level,
                                           {std::make_shared<spdlog::sinks::ostream_sink_mt>(stream_)})) {}

    spdlog::logger& logger() { return *logger_; }
    std::string text() const { return stream_.str(); }
    std::vector<json> lines() const { return parse_lines(text()); }

  private:
    std::ostringstream stream_;
    std::shared_ptr<spdlog::logger> logger_;
};

TEST(LogLevelFromExecd, MapsTheIntegerScale) {
    EXPECT_EQ(common::log_level_from_execd(-1), LogLevel::critical);
    EXPECT_EQ(common::log_level_from_execd(0), LogLevel::critical);
    EXPECT_EQ(common::log_level_from_execd(1), LogLevel::critical);
    EXPECT_EQ(common::log_level_from_execd(2), LogLevel::critical);
    EXPECT_EQ(common::log_level_from_execd(3), LogLevel::err);
    EXPECT_EQ(common::log_level_from_execd(4), LogLevel::warn);
    EXPECT_EQ(common::log_level_from_execd(5), LogLevel::info);
    EXPECT_EQ(common::log_level_from_execd(6), LogLevel::info);
    EXPECT_EQ(common::log_level_from_execd(7), LogLevel::debug);
    EXPECT_EQ(common::log_level_from_execd(100), LogLevel::debug);
}

TEST(LogLevelFromName, MapsEgressNamesAndDefaultsToInfo) {
    EXPECT_EQ(common::log_level_from_name("debug"), LogLevel::debug);
    EXPECT_EQ(common::log_level_from_name(" DEBUG\t"), LogLevel::debug);
    EXPECT_EQ(common::log_level_from_name("info"), LogLevel::info);
    EXPECT_EQ(common::log_level_from_name("Warn"), LogLevel::warn);
    EXPECT_EQ(common::log_level_from_name("WARNING"), LogLevel::warn);
    EXPECT_EQ(common::log_level_from_name("error"), LogLevel::err);
    EXPECT_EQ(common::log_level_from_name("fatal"), LogLevel::critical);
    EXPECT_EQ(common::log_level_from_name(""), LogLevel::info);
    EXPECT_EQ(common::log_level_from_name("verbose"), LogLevel::info);
    EXPECT_EQ(common::log_level_from_name("trace"), LogLevel::info);
}

TEST(JsonLogger, WritesOneObjectPerLineWithZapKeys) {
    CapturedLogger captured(LogLevel::info, "opensandbox.egress");
    captured.logger().info("dns proxy started on {}", "127.0.0.1:15353");
    const std::vector<json> lines = captured.lines();
    ASSERT_EQ(lines.size(), 1u);
    const json& line = lines[0];
    EXPECT_EQ(line.size(), 4u) << line.dump();
    EXPECT_EQ(line.at("level"), "info");
    EXPECT_EQ(line.at("logger"), "opensandbox.egress");
    EXPECT_EQ(line.at("msg"), "dns proxy started on 127.0.0.1:15353");
    EXPECT_TRUE(is_zap_iso8601(line.at("ts").get<std::string>())) << line.at("ts");
    EXPECT_EQ(captured.text().back(), '\n');
}

// Logs one line with TZ set to `zone` and returns its ts field.
std::string timestamp_in_zone(const char* zone) {
    const char* previous = std::getenv("TZ");
    const std::optional<std::string> saved = previous ? std::optional<std::string>(previous) : std::nullopt;
    ::setenv("TZ", zone, 1);
    ::tzset();
    CapturedLogger captured(LogLevel::info);
    captured.logger().info("x");
    if (saved) {
        ::setenv("TZ", saved->c_str(), 1);
    } else {
        ::unsetenv("TZ");
    }
    ::tzset();
    return captured.lines().at(0).at("ts");
}

TEST(JsonLogger, TimestampCarriesTheLocalZoneOffset) {
    // POSIX TZ strings need no tzdata; "XXX-8" means eight hours east of UTC.
    EXPECT_TRUE(timestamp_in_zone("XXX-8").ends_with("+0800")) << timestamp_in_zone("XXX-8");
    EXPECT_TRUE(timestamp_in_zone("YYY+5:30").ends_with("-0530")) << timestamp_in_zone("YYY+5:30");
    EXPECT_TRUE(timestamp_in_zone("UTC0").ends_with("Z")) << timestamp_in_zone("UTC0");
}

TEST(JsonLogger, EscapesQuotesBackslashesAndControlCharacters) {
    CapturedLogger captured(LogLevel::info);
    const std::string nasty =
        std::string("say \"hi\"\\ path C:\\tmp\nnext\tline\r\x01\x1f end") + '\0' + "after";
    captured.logger().info(nasty);
    const std::string text = captured.text();
    EXPECT_EQ(std::count(text.begin(), text.end(), '\n'), 1) << "a message newline must not split the line";
    EXPECT_NE(text.find(R"(\u0001)"), std::string::npos) << text;
    EXPECT_NE(text.find(R"(\u0000)"), std::string::npos) << text;
    const std::vector<json> lines = captured.lines();
    ASSERT_EQ(lines.size(), 1u);
    EXPECT_EQ(lines[0].at("msg").get<std::string>(), nasty);
}

TEST(JsonLogger, KeepsUtf8AndReplacesInvalidBytes) {
    CapturedLogger captured(LogLevel::info);
    captured.logger().info("caf\u00e9 \u2713 \U0001F600");
    captured.logger().info(std::string("bad \xff\xc3 end \xed\xa0\x80"));
    const std::vector<json> lines = captured.lines();
    ASSERT_EQ(lines.size(), 2u);
    EXPECT_EQ(lines[0].at("msg"), "caf\u00e9 \u2713 \U0001F600");
    EXPECT_EQ(lines[1].at("msg"), "bad \ufffd\ufffd end \ufffd\ufffd\ufffd");
}

TEST(JsonLogger, FiltersBelowTheConfiguredLevel) {
    CapturedLogger captured(LogLevel::warn);
    captured.logger().debug("d");
    captured.logger().info("i");
    captured.logger().warn("w");
    captured.logger().error("e");
    captured.logger().critical("c");
    const std::vector<json> lines = captured.lines();
    ASSERT_EQ(lines.size(), 3u);
    EXPECT_EQ(lines[0].at("level"), "warn");
    EXPECT_EQ(lines[1].at("level"), "error");
    EXPECT_EQ(lines[2].at("level"), "fatal");
    EXPECT_EQ(lines[0].at("msg"), "w");
}

TEST(JsonLogger, ExecdLevelSevenEnablesDebug) {
    CapturedLogger captured(common::log_level_from_execd(7));
    captured.logger().trace("below debug");
    captured.logger().debug("visible");
    const std::vector<json> lines = captured.lines();
    ASSERT_EQ(lines.size(), 1u);
    EXPECT_EQ(lines[0].at("level"), "debug");
    EXPECT_EQ(lines[0].at("msg"), "visible");
}

TEST(LogFields, AddsTypedFieldsToTheObject) {
    CapturedLogger captured(LogLevel::info);
    common::log_fields(captured.logger(), LogLevel::warn, "forward failed",
                       {{"upstream", "8.8.8.8:53"},
                        {"attempt", 2},
                        {"latency_s", 0.25},
                        {"retry", true},
                        {"note", std::string("a \"quoted\"\nvalue")},
                        {"big", uint64_t{18446744073709551615u}},
                        {"nan", std::nan("")}});
    const std::vector<json> lines = captured.lines();
    ASSERT_EQ(lines.size(), 1u);
    const json& line = lines[0];
    EXPECT_EQ(line.at("level"), "warn");
    EXPECT_EQ(line.at("msg"), "forward failed");
    EXPECT_EQ(line.at("upstream"), "8.8.8.8:53");
    EXPECT_EQ(line.at("attempt"), 2);
    EXPECT_DOUBLE_EQ(line.at("latency_s").get<double>(), 0.25);
    EXPECT_EQ(line.at("retry"), true);
    EXPECT_EQ(line.at("note"), "a \"quoted\"\nvalue");
    EXPECT_EQ(line.at("big").get<uint64_t>(), 18446744073709551615u);
    EXPECT_EQ(line.at("nan"), "NaN");
}

TEST(LogFields, FieldsDoNotLeakIntoLaterLinesAndRespectTheLevel) {
    CapturedLogger captured(LogLevel::info);
    common::log_fields(captured.logger(), LogLevel::debug, "filtered", {{"k", "v"}});
    common::log_fields(captured.logger(), LogLevel::info, "with", {{"k", "v"}});
    captured.logger().info("without");
    const std::vector<json> lines = captured.lines();
    ASSERT_EQ(lines.size(), 2u);
    EXPECT_EQ(lines[0].at("k"), "v");
    EXPECT_FALSE(lines[1].contains("k"));
}

TEST(LogFields, RootFieldsFollowMsgOnEveryLineBeforeTheCallsFields) {
    std::ostringstream stream;
    const std::string key = "sandbox_id";  // the logger keeps no reference to the caller's keys
    auto logger = common::make_json_logger("opensandbox.egress", LogLevel::info,
                                           {std::make_shared<spdlog::sinks::ostream_sink_mt>(stream)},
                                           {{key, "sbx-1"}, {"team", "a\"b"}});
    logger->info("plain");
    const std::vector<common::LogField> fields{{"opensandbox.event", "egress.outbound"},
                                               common::LogField::raw_json("target.ips", R"(["1.2.3.4"])")};
    common::log_fields(*logger, LogLevel::info, "egress outbound", fields);
    const std::vector<json> lines = parse_lines(stream.str());
    ASSERT_EQ(lines.size(), 2u);
    for (const json& line : lines) {
        EXPECT_EQ(line.at("sandbox_id"), "sbx-1");
        EXPECT_EQ(line.at("team"), "a\"b");
    }
    EXPECT_EQ(lines[1].at("opensandbox.event"), "egress.outbound");
    EXPECT_EQ(lines[1].at("target.ips"), json::array({"1.2.3.4"}));
    const std::string second = stream.str().substr(stream.str().find('\n') + 1);
    EXPECT_LT(second.find("\"msg\""), second.find("\"sandbox_id\""));
    EXPECT_LT(second.find("\"team\""), second.find("\"opensandbox.event\""));
}

TEST(MakeLogSinks, WritesToEveryListedFile) {
    const std::filesystem::path dir =
        std::filesystem::temp_directory_path() / ("common_log_test_" + std::to_string(::getpid()));
    std::filesystem::create_directories(dir);
    const std::string first = (dir / "a.log").string();
    const std::string second = (dir / "b.log").string();
    {
        auto logger = common::make_json_logger("opensandbox.execd", LogLevel::info,
                                               common::make_log_sinks(" " + first + " ,," + second));
        logger->info("to both");
    }
    for (const std::string& path : {first, second}) {
        std::ifstream file(path);
        const std::string content((std::istreambuf_iterator<char>(file)), std::istreambuf_iterator<char>());
        const std::vector<json> lines = parse_lines(content);
        ASSERT_EQ(lines.size(), 1u) << path;
        EXPECT_EQ(lines[0].at("msg"), "to both");
        EXPECT_EQ(lines[0].at("logger"), "opensandbox.execd");
    }
    std::filesystem::remove_all(dir);
}

TEST(MakeLogSinks, RecognisesStandardStreamsAndDefaultsToStdout) {
    EXPECT_EQ(common::make_log_sinks("").size(), 1u);
    EXPECT_EQ(common::make_log_sinks("stdout,stderr").size(), 2u);
    // spdlog creates missing parent directories, so use a parent that is a file.
    EXPECT_THROW(common::make_log_sinks("/dev/null/y.log"), spdlog::spdlog_ex);
}

TEST(MakeLogSinks, RotatesFilesAtTheirSizeLimit) {
    const std::filesystem::path dir =
        std::filesystem::temp_directory_path() / ("common_log_rotation_" + std::to_string(::getpid()));
    std::filesystem::remove_all(dir);
    std::filesystem::create_directories(dir);
    const std::filesystem::path path = dir / "d.log";
    {
        auto logger = common::make_json_logger("opensandbox.test", LogLevel::info,
                                               common::make_log_sinks(path.string(), {300, 2}));
        for (int i = 0; i < 40; ++i) {
            logger->info("line {}", i);
        }
    }
    EXPECT_TRUE(std::filesystem::exists(dir / "d.1.log"));
    EXPECT_TRUE(std::filesystem::exists(dir / "d.2.log"));
    EXPECT_FALSE(std::filesystem::exists(dir / "d.3.log"));
    for (const char* name : {"d.log", "d.1.log", "d.2.log"}) {
        EXPECT_LE(std::filesystem::file_size(dir / name), 300u) << name;
    }
    std::ifstream newest(path);
    const std::string content((std::istreambuf_iterator<char>(newest)), std::istreambuf_iterator<char>());
    EXPECT_EQ(parse_lines(content).back().at("msg"), "line 39");
    std::filesystem::remove_all(dir);
}

TEST(MakeLogSinks, ZeroMaxBytesNeverRotates) {
    const std::filesystem::path dir =
        std::filesystem::temp_directory_path() / ("common_log_no_rotation_" + std::to_string(::getpid()));
    std::filesystem::remove_all(dir);
    std::filesystem::create_directories(dir);
    {
        auto logger = common::make_json_logger("opensandbox.test", LogLevel::info,
                                               common::make_log_sinks((dir / "d.log").string(), {0, 2}));
        for (int i = 0; i < 40; ++i) {
            logger->info("line {}", i);
        }
    }
    EXPECT_FALSE(std::filesystem::exists(dir / "d.1.log"));
    EXPECT_GT(std::filesystem::file_size(dir / "d.log"), 300u);
    std::filesystem::remove_all(dir);
}

TEST(InitLogging, InstallsTheDefaultLogger) {
    const auto previous = spdlog::default_logger();
    const std::filesystem::path path = std::filesystem::temp_directory_path() /
                                       ("common_init_logging_" + std::to_string(::getpid()) + ".log");
    auto logger = common::init_logging("opensandbox.default", LogLevel::info, path.string());
    spdlog::info("through spdlog::info");
    common::log_fields(LogLevel::err, "through log_fields", {{"code", 7}});
    spdlog::set_default_logger(previous);
    logger.reset();
    std::ifstream file(path);
    const std::string content((std::istreambuf_iterator<char>(file)), std::istreambuf_iterator<char>());
    std::filesystem::remove(path);
    const std::vector<json> lines = parse_lines(content);
    ASSERT_EQ(lines.size(), 2u) << content;
    EXPECT_EQ(lines[0].at("msg"), "through spdlog::info");
    EXPECT_EQ(lines[1].at("level"), "error");
    EXPECT_EQ(lines[1].at("code"), 7);
}

TEST(AppendJsonString, ProducesValidJsonForEveryByte) {
    std::string all_bytes;
    for (int byte = 0; byte < 256; ++byte) {
        all_bytes += static_cast<char>(byte);
    }
    std::string encoded;
    common::append_json_string(encoded, all_bytes);
    const json decoded = json::parse(encoded);
    const std::string text = decoded.get<std::string>();
    EXPECT_EQ(text.substr(0, 128), all_bytes.substr(0, 128));  // ASCII survives unchanged
}

}  // namespace
