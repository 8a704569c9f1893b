// PTY input has backpressure: while the terminal's program does not read, execd stops reading the
// WebSocket instead of buffering what the client sends (the client's sends block in TCP), keeps the
// connection open, and reads on once the program reads, delivering every byte in order.
#include <fcntl.h>
#include <gtest/gtest.h>
#include <sys/stat.h>
#include <unistd.h>

#include <atomic>
#include <cstdio>
#include <cstring>
#include <fstream>
#include <mutex>
#include <random>
#include <thread>

#include "execd_test_support.hpp"
#include "files_test_support.hpp"
#include "harness/process_memory.hpp"
#include "harness/unique_fd.hpp"
#include "websocket_test_client.hpp"

namespace execd_test {
namespace {

using namespace std::chrono_literals;
using nlohmann::json;

constexpr std::size_t kInputFrameBytes = 64 * 1024;
constexpr std::size_t kInputFrames = 1024;  // 64 MiB
constexpr long kMaxGrowthKib = 40 * 1024;
#ifdef __SANITIZE_ADDRESS__
// ASan's quarantine keeps freed blocks (up to 256 MB): once the input has passed through, what
// was freed cannot be told from what is held.
constexpr bool kFreedMemoryLeavesTheResidentSet = false;
#else
constexpr bool kFreedMemoryLeavesTheResidentSet = true;
#endif

// Pseudo-random frames, so that a lost, repeated or reordered piece changes the digest.
std::vector<std::string> input_frames() {
    std::mt19937_64 random(42);
    std::vector<std::string> frames(kInputFrames, std::string(kInputFrameBytes, '\0'));
    for (std::string& frame : frames) {
        for (std::size_t i = 0; i < frame.size(); i += sizeof(uint64_t)) {
            const uint64_t value = random();
            std::memcpy(frame.data() + i, &value, sizeof value);
        }
    }
    return frames;
}

// sha256sum's digest of the frames in order.
std::string sha256_of(const std::vector<std::string>& frames, const std::string& scratch_file) {
    {
        std::ofstream out(scratch_file, std::ios::binary);
        for (const std::string& frame : frames) {
            out.write(frame.data(), static_cast<std::streamsize>(frame.size()));
        }
    }
    FILE* pipe = ::popen(("sha256sum < '" + scratch_file + "'").c_str(), "r");
    char digest[65] = {};
    const std::size_t got = pipe != nullptr ? std::fread(digest, 1, 64, pipe) : 0;
    if (pipe != nullptr) {
        ::pclose(pipe);
    }
    return std::string(digest, got);
}

// Sends the frames as stdin from its own thread: a send blocks while execd does not read.
class InputWriter {
  public:
    InputWriter(WebSocketTestClient& client, const std::vector<std::string>& frames)
        : thread_([this, &client, &frames] {
              try {
                  for (const std::string& frame : frames) {
                      client.send_input(frame);
                      sent_ += frame.size();
                  }
              } catch (const std::exception& error) {
                  std::lock_guard lock(mutex_);
                  failure_ = error.what();
              }
              done_ = true;
          }) {}
    ~InputWriter() { thread_.join(); }

    std::size_t sent() const { return sent_.load(); }
    bool done() const { return done_.load(); }
    std::string failure() const {
        std::lock_guard lock(mutex_);
        return failure_;
    }

  private:
    std::atomic<std::size_t> sent_{0};
    std::atomic<bool> done_{false};
    mutable std::mutex mutex_;
    std::string failure_;
    std::thread thread_;
};

// Waits until the writer made no progress for `quiet` (it is blocked), or `stop` holds.
template <typename Stop>
void wait_until_stalled(const InputWriter& writer, Stop stop, std::chrono::milliseconds quiet = 1s) {
    std::size_t last = writer.sent();
    auto last_change = std::chrono::steady_clock::now();
    while (!stop() && std::chrono::steady_clock::now() - last_change < quiet) {
        std::this_thread::sleep_for(10ms);
        if (writer.sent() != last) {
            last = writer.sent();
            last_change = std::chrono::steady_clock::now();
        }
    }
}

TEST(ExecdPtyInputTest, InputForAProgramThatDoesNotReadIsHeldBackThenDeliveredInOrder) {
    ExecdProcess execd;
    ScratchDir dir;
    const std::string gate = dir / "gate";
    ASSERT_EQ(::mkfifo(gate.c_str(), 0600), 0);
    const std::vector<std::string> frames = input_frames();
    const std::string expected_digest = sha256_of(frames, dir / "input");
    ASSERT_EQ(expected_digest.size(), 64u);

    // Raw terminal: every byte reaches the program unchanged. Until the gate opens, nothing reads the
    // terminal; then sha256sum reads exactly what was sent.
    const std::string command = "stty raw -echo; echo READY; read -r _ < '" + gate + "'; head -c " +
                                std::to_string(kInputFrames * kInputFrameBytes) + " | sha256sum";
    const auto created = http_request(execd.port(), "POST", "/pty", json{{"command", command}}.dump());
    ASSERT_EQ(created.status, 201) << created.body;
    const std::string id = json::parse(created.body).at("session_id");
    WebSocketTestClient client(execd.port(), "/pty/" + id + "/ws");
    ASSERT_NE(client.read_output_until("READY").find("READY"), std::string::npos);
    const long baseline = harness::resident_kib(execd.pid());
    const auto growth = [&] { return harness::resident_kib(execd.pid()) - baseline; };
    {
        InputWriter writer(client, frames);
        wait_until_stalled(writer, [&] { return writer.done() || growth() > kMaxGrowthKib; });
        EXPECT_FALSE(writer.done()) << "execd took all " << writer.sent() << " bytes at once "
                                    << writer.failure();
        EXPECT_LE(growth(), kMaxGrowthKib) << "after " << writer.sent() << " bytes";
        EXPECT_EQ(writer.failure(), "");

        // The program reads from now on: execd takes the rest.
        const harness::UniqueFd open_gate(::open(gate.c_str(), O_WRONLY | O_CLOEXEC));
        ASSERT_EQ(::write(open_gate.get(), "go\n", 3), 3);
        EXPECT_TRUE(eventually([&] { return writer.done(); }, 120s)) << writer.sent() << " bytes sent";
        EXPECT_EQ(writer.failure(), "");
        EXPECT_EQ(writer.sent(), kInputFrames * kInputFrameBytes);
        if (kFreedMemoryLeavesTheResidentSet) {
            EXPECT_LE(growth(), kMaxGrowthKib);
        }
        if (!writer.done()) {
            client.abort();
        }
    }
    const std::string output = client.read_output_until(expected_digest, 60s);
    EXPECT_NE(output.find(expected_digest), std::string::npos) << output;
    EXPECT_EQ(http_request(execd.port(), "DELETE", "/pty/" + id).status, 200);
}

}  // namespace
}  // namespace execd_test
