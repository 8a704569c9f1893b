#include "files/multipart_parser.hpp"

#include <gtest/gtest.h>

#include <vector>

namespace execd::files {
namespace {

struct Part {
    PartHeader header;
    std::string data;
    bool ended = false;
};

struct Collector {
    std::vector<Part> parts;
    PartEvents events() {
        return {[this](const PartHeader& header) {
                    parts.push_back({header, "", false});
                    return true;
                },
                [this](std::string_view data) {
                    parts.back().data.append(data);
                    return true;
                },
                [this] {
                    parts.back().ended = true;
                    return true;
                }};
    }
};

const std::string kBody =
    "preamble\r\n"
    "--XyZ\r\n"
    "Content-Disposition: form-data; name=\"metadata\"; filename=\"metadata\"\r\n"
    "Content-Type: application/json\r\n"
    "\r\n"
    "{\"path\":\"/tmp/a\"}\r\n"
    "--XyZ\r\n"
    "Content-Disposition: form-data; name=\"file\"; filename=\"a \\\"q\\\".bin\"\r\n"
    "\r\n"
    "line1\r\n--XyZnot-a-boundary\r\nend\r\n"
    "--XyZ\r\n"
    "content-disposition: form-data; name=plain\r\n"
    "\r\n"
    "\r\n"
    "--XyZ--\r\n"
    "epilogue";

void expect_parts(const Collector& collector) {
    ASSERT_EQ(collector.parts.size(), 3u);
    EXPECT_EQ(collector.parts[0].header.name, "metadata");
    EXPECT_EQ(collector.parts[0].header.filename, "metadata");
    EXPECT_EQ(collector.parts[0].header.content_type, "application/json");
    EXPECT_EQ(collector.parts[0].data, "{\"path\":\"/tmp/a\"}");
    EXPECT_EQ(collector.parts[1].header.name, "file");
    EXPECT_EQ(collector.parts[1].header.filename, "a \"q\".bin");
    EXPECT_EQ(collector.parts[1].data, "line1\r\n--XyZnot-a-boundary\r\nend");
    EXPECT_EQ(collector.parts[2].header.name, "plain");
    EXPECT_FALSE(collector.parts[2].header.filename.has_value());
    EXPECT_EQ(collector.parts[2].data, "");
    for (const auto& part : collector.parts) {
        EXPECT_TRUE(part.ended);
    }
}

TEST(MultipartParserTest, WholeBody) {
    Collector collector;
    MultipartParser parser("XyZ", collector.events());
    ASSERT_TRUE(parser.feed(kBody)) << parser.error();
    EXPECT_TRUE(parser.complete());
    expect_parts(collector);
}

TEST(MultipartParserTest, EverySplitPointGivesTheSameParts) {
    for (std::size_t split = 0; split <= kBody.size(); ++split) {
        Collector collector;
        MultipartParser parser("XyZ", collector.events());
        ASSERT_TRUE(parser.feed(std::string_view(kBody).substr(0, split))) << split;
        ASSERT_TRUE(parser.feed(std::string_view(kBody).substr(split))) << split;
        EXPECT_TRUE(parser.complete()) << split;
        expect_parts(collector);
    }
}

TEST(MultipartParserTest, ByteByByte) {
    Collector collector;
    MultipartParser parser("XyZ", collector.events());
    for (const char c : kBody) {
        ASSERT_TRUE(parser.feed(std::string_view(&c, 1)));
    }
    EXPECT_TRUE(parser.complete());
    expect_parts(collector);
}

TEST(MultipartParserTest, TruncatedBodyIsNotComplete) {
    Collector collector;
    MultipartParser parser("XyZ", collector.events());
    ASSERT_TRUE(parser.feed(kBody.substr(0, kBody.size() / 2)));
    EXPECT_FALSE(parser.complete());
}

TEST(MultipartParserTest, MalformedInput) {
    Collector collector;
    MultipartParser no_boundary("XyZ", collector.events());
    EXPECT_FALSE(no_boundary.feed(std::string(20000, 'x')));
    EXPECT_FALSE(no_boundary.error().empty());

    MultipartParser bad_line("XyZ", collector.events());
    EXPECT_FALSE(bad_line.feed("--XyZjunk\r\n"));

    MultipartParser huge_header("XyZ", collector.events());
    EXPECT_FALSE(huge_header.feed("--XyZ\r\n" + std::string(20000, 'h')));
}

TEST(MultipartParserTest, HandlerCanStop) {
    MultipartParser parser("XyZ", PartEvents{[](const PartHeader&) { return false; },
                                             [](std::string_view) { return true; }, [] { return true; }});
    EXPECT_FALSE(parser.feed(kBody));
    EXPECT_FALSE(parser.feed("more"));
}

TEST(MultipartParserTest, BoundaryFromContentType) {
    EXPECT_EQ(MultipartParser::boundary_of("multipart/form-data; boundary=abc"), "abc");
    EXPECT_EQ(MultipartParser::boundary_of("Multipart/Form-Data; charset=x; boundary=\"a b\""), "a b");
    EXPECT_FALSE(MultipartParser::boundary_of("application/json").has_value());
    EXPECT_FALSE(MultipartParser::boundary_of("multipart/form-data").has_value());
}

}  // namespace
}  // namespace execd::files
