// 2 GiB through /files/upload and /files/download with execd's RSS watched: bodies stream, nothing
// is held whole. Labelled heavy: the sanitizer stage skips it.
#include <gtest/gtest.h>
#include <unistd.h>

#include <atomic>
#include <filesystem>
#include <thread>

#include "files_test_support.hpp"
#include "harness/process_memory.hpp"

namespace execd_test {
namespace {

constexpr uint64_t kTotal = 2ull * 1024 * 1024 * 1024;
constexpr long kRssLimitKib = 32 * 1024;

// The byte at `offset` of the generated content: cheap to produce and to check.
char byte_at(uint64_t offset) {
    return static_cast<char>((offset * 7 + offset / 4096) & 0xFF);
}

void fill_piece(std::string& piece, uint64_t offset) {
    for (std::size_t i = 0; i < piece.size(); ++i) {
        piece[i] = byte_at(offset + i);
    }
}

// Samples execd's RSS until stopped; keeps the maximum.
class RssWatch {
  public:
    explicit RssWatch(pid_t pid)
        : thread_([this, pid] {
              while (!stop_) {
                  peak_ = std::max(peak_.load(), harness::resident_kib(pid));
                  std::this_thread::sleep_for(std::chrono::milliseconds(20));
              }
          }) {}
    ~RssWatch() { stop(); }
    long stop() {
        stop_ = true;
        if (thread_.joinable()) {
            thread_.join();
        }
        return peak_;
    }

  private:
    std::atomic<bool> stop_{false};
    std::atomic<long> peak_{0};
    std::thread thread_;
};

TEST(ExecdFilesHeavyTest, TwoGibUploadAndDownloadStayUnder32MiB) {
    const auto space = std::filesystem::space(std::filesystem::temp_directory_path());
    if (space.available < 3 * kTotal) {
        GTEST_SKIP() << "needs 6 GiB free in the temporary directory";
    }
    ExecdProcess execd;
    ScratchDir dir;
    const std::string target = dir / "big.bin";
    RssWatch watch(execd.pid());

    RawClient client(execd.port());
    const std::string head =
        std::string("--") + kBoundary +
        "\r\nContent-Disposition: form-data; name=\"metadata\"; filename=\"metadata\"\r\n\r\n"
        "{\"path\":\"" +
        target + "\"}\r\n--" + kBoundary +
        "\r\nContent-Disposition: form-data; name=\"file\"; filename=\"big.bin\"\r\n\r\n";
    const std::string tail = std::string("\r\n--") + kBoundary + "--\r\n";
    client.send_all("POST /files/upload HTTP/1.1\r\nHost: x\r\nContent-Type: multipart/form-data; boundary=" +
                    std::string(kBoundary) + "\r\nContent-Length: " +
                    std::to_string(head.size() + kTotal + tail.size()) + "\r\n\r\n" + head);
    std::string piece(1024 * 1024, '\0');
    for (uint64_t offset = 0; offset < kTotal; offset += piece.size()) {
        fill_piece(piece, offset);
        client.send_all(piece);
    }
    client.send_all(tail);
    const HttpResponse uploaded = client.read_head();
    ASSERT_EQ(uploaded.status, 200);
    ASSERT_EQ(std::filesystem::file_size(target), kTotal);

    RawClient reader(execd.port());
    reader.send_all("GET /files/download?path=" + target + " HTTP/1.1\r\nHost: x\r\n\r\n");
    const HttpResponse download = reader.read_head();
    ASSERT_EQ(download.status, 200);
    ASSERT_EQ(download.headers.at("content-length"), std::to_string(kTotal));
    uint64_t offset = 0;
    uint64_t mismatches = 0;
    reader.read_body(kTotal, [&](std::string_view bytes) {
        for (const char c : bytes) {
            mismatches += c != byte_at(offset++) ? 1 : 0;
        }
    });
    EXPECT_EQ(mismatches, 0u);
    const long peak = watch.stop();
    EXPECT_GT(peak, 0);
    EXPECT_LT(peak, kRssLimitKib) << "peak RSS " << peak << " KiB";
    std::filesystem::remove(target);
}

}  // namespace
}  // namespace execd_test
