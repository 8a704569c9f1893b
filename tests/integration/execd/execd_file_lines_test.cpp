// GET /files/download with `offset`/`limit` (line mode) against the real execd binary. The expected
// bodies follow upstream's rules: lines end at '\n' (a last line without one counts), each loses all
// trailing '\r' and '\n', and the selected lines are joined with one '\n' and no final one.
#include <gtest/gtest.h>
#include <sys/stat.h>

#include <filesystem>

#include "files_test_support.hpp"

namespace execd_test {
namespace {

using nlohmann::json;

// Line 1 "alpha" (CRLF), 2 "beta" (CR CR LF), 3 "" (a lone CRLF), 4 "" (a lone LF), 5 "gamma",
// 6 "\r\rdelta\rx" (only trailing returns go), 7 "last" (no newline).
constexpr std::string_view kMixedLines = "alpha\r\nbeta\r\r\n\r\n\ngamma\n\r\rdelta\rx\r\nlast";

void expect_line_error(const HttpResponse& response, int status, const std::string& code,
                       const std::string& message) {
    EXPECT_EQ(response.status, status) << response.body;
    const json body = json::parse(response.body);
    EXPECT_EQ(body.value("code", ""), code) << response.body;
    if (!message.empty()) {
        EXPECT_EQ(body.value("message", ""), message);
    }
}

class ExecdFileLinesTest : public ::testing::Test {
  protected:
    // GET /files/download?path=<path>&<query>.
    HttpResponse lines(const std::string& path, const std::string& query,
                       const std::vector<std::string>& headers = {}) {
        return http_request(execd_.port(), "GET",
                            "/files/download?path=" + percent_encoded(path) + "&" + query, "", headers);
    }

    ExecdProcess execd_;
    ScratchDir dir_;
};

TEST_F(ExecdFileLinesTest, OffsetAndLimitSelectUpstreamsBytes) {
    const std::string file = dir_ / "mixed.txt";
    write_whole_file(file, std::string(kMixedLines));
    const std::vector<std::pair<std::string, std::string>> cases{
        {"offset=1", "alpha\nbeta\n\n\ngamma\n\r\rdelta\rx\nlast"},
        {"limit=1", "alpha"},
        {"offset=2&limit=3", "beta\n\n"},
        {"offset=3&limit=2", "\n"},
        {"offset=5", "gamma\n\r\rdelta\rx\nlast"},
        {"offset=6&limit=1", "\r\rdelta\rx"},
        {"offset=7", "last"},
        {"offset=7&limit=100", "last"},
        {"offset=8", ""},
        {"offset=9223372036854775807&limit=9223372036854775807", ""},
        {"offset=%2B2&limit=1", "beta"},
        {"offset=&limit=2", "alpha\nbeta"},  // an empty parameter counts as absent
        {"offset=4&limit=", "\ngamma\n\r\rdelta\rx\nlast"},
    };
    for (const auto& [query, expected] : cases) {
        const HttpResponse response = lines(file, query);
        EXPECT_EQ(response.status, 200) << query << ": " << response.body;
        EXPECT_EQ(response.body, expected) << query;
    }
}

TEST_F(ExecdFileLinesTest, ResponseIsChunkedPlainText) {
    const std::string file = dir_ / "a.txt";
    write_whole_file(file, "one\ntwo\n");
    const HttpResponse response = lines(file, "offset=1");
    ASSERT_EQ(response.status, 200);
    EXPECT_EQ(response.body, "one\ntwo");  // no empty line after the final newline, no final newline
    EXPECT_EQ(response.headers.at("content-type"), "text/plain; charset=utf-8");
    EXPECT_EQ(response.headers.at("transfer-encoding"), "chunked");
    for (const char* absent : {"content-length", "content-disposition", "accept-ranges", "last-modified"}) {
        EXPECT_EQ(response.headers.count(absent), 0u) << absent;
    }
}

TEST_F(ExecdFileLinesTest, EmptyFilesAndDirectoriesGiveAnEmptyBody) {
    write_whole_file(dir_ / "empty", "");
    std::filesystem::create_directory(dir_ / "d");
    for (const std::string& path : {dir_ / "empty", dir_ / "d"}) {
        const HttpResponse response = lines(path, "offset=1&limit=5");
        EXPECT_EQ(response.status, 200) << path;
        EXPECT_EQ(response.body, "") << path;
        EXPECT_EQ(response.headers.at("content-type"), "text/plain; charset=utf-8");
    }
}

TEST_F(ExecdFileLinesTest, BadValuesAre400AfterTheFileOpens) {
    const std::string file = dir_ / "f.txt";
    write_whole_file(file, "x\n");
    for (const std::string raw : {"0", "-1", "abc", "1x", "9223372036854775808", " 1", "1.0"}) {
        expect_line_error(lines(file, "offset=" + percent_encoded(raw)), 400, "INVALID_REQUEST_BODY",
                          "invalid query parameter 'offset': " + raw);
        expect_line_error(lines(file, "limit=" + percent_encoded(raw)), 400, "INVALID_REQUEST_BODY",
                          "invalid query parameter 'limit': " + raw);
    }
    expect_line_error(lines(file, "offset=0&limit=0"), 400, "INVALID_REQUEST_BODY",
                      "invalid query parameter 'offset': 0");
    std::filesystem::create_directory(dir_ / "d");
    expect_line_error(lines(dir_ / "d", "offset=abc"), 400, "INVALID_REQUEST_BODY",
                      "invalid query parameter 'offset': abc");
    // The file is opened before the values are read: a missing file wins.
    expect_line_error(lines(dir_ / "none", "offset=abc"), 404, "FILE_NOT_FOUND", "");
    expect_line_error(lines(dir_ / "none", "offset=1"), 404, "FILE_NOT_FOUND", "");
}

TEST_F(ExecdFileLinesTest, RangeWithLinesIs400EvenForAMissingFile) {
    const std::string file = dir_ / "r.txt";
    write_whole_file(file, "0123456789");
    const std::string message =
        "line-based reading (offset/limit) and byte range (Range header) are mutually exclusive";
    for (const std::string& path : {file, dir_ / "none"}) {
        for (const std::string query : {"offset=1", "limit=2", "offset=abc"}) {
            expect_line_error(lines(path, query, {"Range: bytes=0-1"}), 400, "INVALID_REQUEST_BODY", message);
        }
    }
    const HttpResponse ranged = lines(file, "offset=&limit=", {"Range: bytes=2-4"});
    EXPECT_EQ(ranged.status, 206);
    EXPECT_EQ(ranged.body, "234");
}

TEST_F(ExecdFileLinesTest, PipesAndDevicesAreRefused) {
    const std::string pipe = dir_ / "pipe";
    ASSERT_EQ(::mkfifo(pipe.c_str(), 0600), 0);
    for (const std::string& path : {pipe, std::string("/dev/zero")}) {
        expect_line_error(lines(path, "limit=1"), 400, "INVALID_REQUEST_BODY",
                          "path is not a regular file: " + path);
    }
}

TEST_F(ExecdFileLinesTest, LinesAreStreamedAcrossPieces) {
    constexpr std::size_t kPiece = 1024 * 1024;  // execd reads this much at a time
    // Carriage returns astride the first piece boundary, then many short lines.
    std::string content(kPiece - 1, 'a');
    content += "\r\r\nb\r";
    for (int i = 3; i <= 300000; ++i) {
        content += "\nline-" + std::to_string(i);
    }
    const std::string file = dir_ / "big.txt";
    write_whole_file(file, content);
    EXPECT_EQ(lines(file, "limit=2").body, std::string(kPiece - 1, 'a') + "\nb");
    EXPECT_EQ(lines(file, "offset=299999").body, "line-299999\nline-300000");
    EXPECT_EQ(lines(file, "offset=150000&limit=1").body, "line-150000");
    const HttpResponse all = lines(file, "offset=2");
    ASSERT_EQ(all.status, 200);
    EXPECT_TRUE(all.body.starts_with("b\nline-3\n"));
    EXPECT_TRUE(all.body.ends_with("\nline-300000"));
}

}  // namespace
}  // namespace execd_test
