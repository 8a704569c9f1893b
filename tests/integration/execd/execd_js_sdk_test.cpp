// The official JS SDK (@alibaba-group/opensandbox 0.1.11), unchanged, reading lines
// (GET /files/download with offset/limit) from the real execd binary: js_sdk_line_reads.mjs makes the
// calls through the SDK's own filesystem adapter and prints the bytes it got; they are compared here
// with what upstream's line mode gives. Needs Node.js 20 or later and the npm registry (the package is
// installed once into the build tree, shared with the credential-vault test); skipped without them.
#include <gtest/gtest.h>

#include <cstdint>
#include <exception>
#include <filesystem>
#include <map>
#include <nlohmann/json.hpp>
#include <optional>
#include <sstream>
#include <string>
#include <string_view>
#include <vector>

#include "files_test_support.hpp"
#include "harness/command.hpp"

namespace execd_test {
namespace {

using nlohmann::json;

constexpr const char* kJsSdkToken = "js-sdk-lines-7d2e";

// Line 1 "one" (CRLF), 2 "a" (CR CR LF), 3 "" (a lone CRLF), 4 "" (an empty line), 5 "mid\rdle" (a
// return inside the line stays), 6 "\r\rlead é" (leading returns stay), 7 "bin\xff" (not UTF-8),
// 8 "tail" (no newline).
constexpr std::string_view kJsSdkLinesFile =
    "one\r\na\r\r\n\r\n\nmid\rdle\r\n\r\rlead \xc3\xa9\nbin\xff\ntail";

// Upstream's line mode, from its rules: bufio ReadBytes('\n') gives each line with its newline (a
// last line without one counts, an empty rest at EOF does not), every trailing '\r' and '\n' goes,
// lines offset .. offset+limit-1 (from 1) are joined with one '\n' and no final one.
std::string upstream_line_read(std::string_view content, int64_t offset, std::optional<int64_t> limit) {
    std::string out;
    bool first = true;
    int64_t number = 0;
    std::size_t start = 0;
    while (start < content.size()) {
        const std::size_t newline = content.find('\n', start);
        const std::size_t end = newline == std::string_view::npos ? content.size() : newline + 1;
        std::string_view line = content.substr(start, end - start);
        start = end;
        ++number;
        if (number < offset || (limit && number - offset >= *limit)) {
            continue;
        }
        while (!line.empty() && (line.back() == '\r' || line.back() == '\n')) {
            line.remove_suffix(1);
        }
        if (!first) {
            out.push_back('\n');
        }
        out.append(line);
        first = false;
    }
    return out;
}

std::string js_sdk_unhex(const std::string& hex) {
    std::string bytes;
    for (std::size_t i = 0; i + 1 < hex.size(); i += 2) {
        bytes.push_back(static_cast<char>(std::stoi(hex.substr(i, 2), nullptr, 16)));
    }
    return bytes;
}

// The script's "RESULT <json>" line.
json js_sdk_result(const std::string& output) {
    std::istringstream lines(output);
    for (std::string line; std::getline(lines, line);) {
        if (line.starts_with("RESULT ")) {
            return json::parse(line.substr(7));
        }
    }
    return json();
}

// harness::run_command, with a missing executable as a failed run instead of an exception.
harness::CommandResult js_sdk_try_run(const std::vector<std::string>& argv) {
    try {
        return harness::run_command(argv);
    } catch (const std::exception& error) {
        return harness::CommandResult{.exit_code = 127, .output = error.what()};
    }
}

struct JsSdkRejection {
    int status;
    std::string code;
    std::string message;
};

class ExecdJsSdkTest : public ::testing::Test {
  protected:
    ExecdProcess execd_{{std::string("--access-token=") + kJsSdkToken}};
    ScratchDir dir_;
};

TEST_F(ExecdJsSdkTest, LineReadsGetUpstreamsBytes) {
    const std::string sdk_dir = JS_SDK_DIR;
    if (js_sdk_try_run({"node", "-e", "process.exit(+process.versions.node.split('.')[0] >= 20 ? 0 : 1)"})
            .exit_code != 0) {
        GTEST_SKIP() << "Node.js 20 or later not found";
    }
    const std::string sdk_package = sdk_dir + "/node_modules/@alibaba-group/opensandbox/package.json";
    if (!std::filesystem::exists(sdk_package)) {
        const auto installed = js_sdk_try_run({"npm", "install", "--no-audit", "--no-fund", "--prefix",
                                               sdk_dir, "@alibaba-group/opensandbox@0.1.11"});
        if (installed.exit_code != 0 && !std::filesystem::exists(sdk_package)) {
            GTEST_SKIP() << "the SDK could not be installed from npm: " << installed.output;
        }
    }
    const std::string file = dir_ / "lines.txt";
    write_whole_file(file, std::string(kJsSdkLinesFile));

    const auto run =
        harness::run_command({"node", JS_SDK_SCRIPT, sdk_dir,
                              "http://127.0.0.1:" + std::to_string(execd_.port()), kJsSdkToken, file});
    ASSERT_EQ(run.exit_code, 0) << run.output;
    EXPECT_TRUE(run.output.ends_with("ok\n")) << run.output;
    const json result = js_sdk_result(run.output);
    ASSERT_TRUE(result.is_object()) << run.output;

    const std::string all = "one\na\n\n\nmid\rdle\n\r\rlead \xc3\xa9\nbin\xff\ntail";
    const std::map<std::string, std::string> expected_reads{
        // Neither offset nor limit: the SDK makes a plain download, Range alone a byte range.
        {"plain", std::string(kJsSdkLinesFile)},
        {"range only", "one\r\n"},
        {"offset=1", all},
        {"offset=3", "\n\nmid\rdle\n\r\rlead \xc3\xa9\nbin\xff\ntail"},
        {"limit=2", "one\na"},
        {"limit=1", "one"},
        {"offset=2&limit=4", "a\n\n\nmid\rdle"},
        {"offset=3&limit=2", "\n"},
        {"offset=5&limit=1", "mid\rdle"},
        {"offset=6&limit=1", "\r\rlead \xc3\xa9"},
        {"offset=7&limit=1", "bin\xff"},
        {"offset=8", "tail"},
        {"offset=8&limit=5", "tail"},
        {"offset=9", ""},
        {"offset=1000&limit=1", ""},
        {"offset=MAX_SAFE_INTEGER", ""},
        {"limit=MAX_SAFE_INTEGER", all},
        {"readFile offset=5&limit=2", "mid\rdle\n\r\rlead \xc3\xa9"},
        {"readFile limit=3", "one\na\n"},
        {"readBytesStream offset=2", "a\n\n\nmid\rdle\n\r\rlead \xc3\xa9\nbin\xff\ntail"},
        {"readBytesStream offset=4&limit=4", "\nmid\rdle\n\r\rlead \xc3\xa9\nbin\xff"},
    };
    std::map<std::string, std::string> got_reads;
    for (const json& read : result.value("reads", json::array())) {
        const std::string name = read.at("name");
        const std::string bytes = js_sdk_unhex(read.at("hex"));
        got_reads[name] = bytes;
        const json opts = read.at("opts").is_object() ? read.at("opts") : json::object();
        if (opts.contains("offset") || opts.contains("limit")) {
            const std::optional<int64_t> limit =
                opts.contains("limit") ? std::optional<int64_t>(opts["limit"].get<int64_t>()) : std::nullopt;
            EXPECT_EQ(bytes, upstream_line_read(kJsSdkLinesFile, opts.value("offset", int64_t{1}), limit))
                << name;
        }
    }
    EXPECT_EQ(got_reads, expected_reads);

    const std::string exclusive =
        "line-based reading (offset/limit) and byte range (Range header) are mutually exclusive";
    const std::string not_found = "file not found. open " + file + ".missing: no such file or directory";
    const std::map<std::string, JsSdkRejection> expected_rejections{
        {"range+offset", {400, "INVALID_REQUEST_BODY", exclusive}},
        {"range+limit", {400, "INVALID_REQUEST_BODY", exclusive}},
        {"readFile range+offset+limit", {400, "INVALID_REQUEST_BODY", exclusive}},
        {"missing range+offset", {400, "INVALID_REQUEST_BODY", exclusive}},  // before the open
        {"offset=0", {400, "INVALID_REQUEST_BODY", "invalid query parameter 'offset': 0"}},
        {"limit=0", {400, "INVALID_REQUEST_BODY", "invalid query parameter 'limit': 0"}},
        {"offset=1.5", {400, "INVALID_REQUEST_BODY", "invalid query parameter 'offset': 1.5"}},
        {"limit=-1", {400, "INVALID_REQUEST_BODY", "invalid query parameter 'limit': -1"}},
        {"missing offset=1", {404, "FILE_NOT_FOUND", not_found}},
        {"missing offset=0", {404, "FILE_NOT_FOUND", not_found}},  // the open comes before the values
    };
    std::vector<std::string> got_rejections;
    for (const json& rejection : result.value("rejections", json::array())) {
        const std::string name = rejection.at("name");
        got_rejections.push_back(name);
        const auto expected = expected_rejections.find(name);
        if (expected == expected_rejections.end()) {
            ADD_FAILURE() << "unexpected rejection " << name;
            continue;
        }
        EXPECT_EQ(rejection.at("statusCode"), expected->second.status) << name;
        const json body = json::parse(rejection.at("rawBody").get<std::string>());
        EXPECT_EQ(body, json({{"code", expected->second.code}, {"message", expected->second.message}}))
            << name;
    }
    EXPECT_EQ(got_rejections.size(), expected_rejections.size());
}

}  // namespace
}  // namespace execd_test
