#include "http/chunked_body_end.hpp"

#include <gtest/gtest.h>

#include <string>

namespace execd::http {
namespace {

// Feeds `body` in pieces of `piece` bytes; returns how many bytes were taken as part of the body.
std::size_t feed_in_pieces(ChunkedBodyEnd& end, const std::string& body, std::size_t piece) {
    std::size_t used = 0;
    for (std::size_t at = 0; at < body.size() && !end.complete() && !end.malformed(); at += piece) {
        const std::string_view part = std::string_view(body).substr(at, piece);
        const std::size_t taken = end.feed(part);
        used += taken;
        if (taken < part.size()) {
            break;
        }
    }
    return used;
}

TEST(ChunkedBodyEndTest, FindsTheEndWhateverThePieces) {
    const std::string body = "5\r\nhello\r\n1a;name=value\r\nabcdefghijklmnopqrstuvwxyz\r\n0\r\n\r\n";
    const std::string next = "GET / HTTP/1.1\r\n\r\n";
    for (const std::size_t piece :
         {std::size_t{1}, std::size_t{2}, std::size_t{7}, body.size() + next.size()}) {
        ChunkedBodyEnd end;
        EXPECT_EQ(feed_in_pieces(end, body + next, piece), body.size()) << piece;
        EXPECT_TRUE(end.complete()) << piece;
    }
}

TEST(ChunkedBodyEndTest, TrailersBelongToTheBody) {
    const std::string body = "3\r\nabc\r\n0\r\nChecksum: 1\r\nOther: 2\r\n\r\n";
    ChunkedBodyEnd end;
    EXPECT_EQ(end.feed(body + "tail"), body.size());
    EXPECT_TRUE(end.complete());
}

TEST(ChunkedBodyEndTest, AnUnfinishedBodyIsNeitherCompleteNorMalformed) {
    ChunkedBodyEnd end;
    EXPECT_EQ(end.feed("A\r\n01234"), 8u);
    EXPECT_FALSE(end.complete());
    EXPECT_FALSE(end.malformed());
    EXPECT_EQ(end.feed("56789\r\n0\r\n"), 10u);
    EXPECT_FALSE(end.complete());
    EXPECT_EQ(end.feed("\r\n"), 2u);
    EXPECT_TRUE(end.complete());
}

TEST(ChunkedBodyEndTest, BadFramingIsMalformed) {
    for (const char* bad :
         {"x\r\n", "\r\n", "3\r\nabcX", "3\nabc\r\n", "1234567890123456\r\n", "0\r\nbad\n"}) {
        ChunkedBodyEnd end;
        end.feed(bad);
        EXPECT_TRUE(end.malformed()) << bad;
        EXPECT_FALSE(end.complete()) << bad;
    }
}

TEST(ChunkedBodyEndTest, LargeChunkSizesAreCountedNotBuffered) {
    ChunkedBodyEnd end;
    EXPECT_EQ(end.feed("100000000\r\n"), 11u);  // 4 GiB
    const std::string mebibyte(1 << 20, 'x');
    for (int i = 0; i < 4096; ++i) {
        ASSERT_EQ(end.feed(mebibyte), mebibyte.size());
    }
    EXPECT_EQ(end.feed("\r\n0\r\n\r\n"), 7u);
    EXPECT_TRUE(end.complete());
}

}  // namespace
}  // namespace execd::http
