#include "http/event_stream.hpp"

#include <gtest/gtest.h>

#include <mutex>
#include <thread>

namespace execd::http {
namespace {

using namespace std::chrono_literals;

// Records what a stream writes, as the server would put it on the wire.
class RecordingChannel : public ResponseChannel {
  public:
    void respond(Response response) override { log("respond " + std::to_string(response.status)); }
    void start(ResponseHead head) override {
        log("start " + std::to_string(head.status) + (head.content_length ? " sized" : " chunked"));
    }
    void write(std::string bytes, WriteDone done) override {
        log(bytes);
        if (done) {
            done(true);
        }
    }
    void finish() override { log("finish"); }
    bool peer_gone() const override { return false; }
    void take_connection(ConnectionTaker) override {}

    std::vector<std::string> entries() {
        std::lock_guard lock(mutex_);
        return entries_;
    }

  private:
    void log(std::string entry) {
        std::lock_guard lock(mutex_);
        entries_.push_back(std::move(entry));
    }
    std::mutex mutex_;
    std::vector<std::string> entries_;
};

// Strips the timestamp so that entries compare exactly.
std::string without_timestamp(std::string entry) {
    const std::size_t at = entry.find(",\"timestamp\":");
    if (at == std::string::npos) {
        return entry;
    }
    const std::size_t end = entry.find_first_not_of("0123456789", at + 13);
    return entry.erase(at, end - at);
}

class EventStreamTest : public ::testing::Test {
  protected:
    EventStreamTest() : loop_thread_([this] { loop_.run(); }) {}
    ~EventStreamTest() override {
        loop_.stop();
        loop_thread_.join();
    }

    void on_loop(std::function<void()> task) { loop_.post(std::move(task)); }

    std::vector<std::string> wait_for_finish() {
        const auto deadline = std::chrono::steady_clock::now() + 5s;
        while (std::chrono::steady_clock::now() < deadline) {
            auto entries = channel_->entries();
            if (!entries.empty() && entries.back() == "finish") {
                std::vector<std::string> stripped;
                for (auto& entry : entries) {
                    stripped.push_back(without_timestamp(entry));
                }
                return stripped;
            }
            std::this_thread::sleep_for(5ms);
        }
        return {"(never finished)"};
    }

    common::EventLoop loop_;
    std::thread loop_thread_;
    std::shared_ptr<RecordingChannel> channel_ = std::make_shared<RecordingChannel>();
    std::shared_ptr<EventStream> stream_;  // destroyed after the loop thread has stopped
};

TEST_F(EventStreamTest, InitPingOutputTerminal) {
    on_loop([this] {
        auto stream = EventStream::create(channel_, loop_, {3s, 0s});
        stream->send(StreamEvent::init("id1"));
        stream->send(StreamEvent::output(false, "hi"));
        stream->end_with(StreamEvent::complete(0));
        stream->send(StreamEvent::output(false, "late"));  // ignored after the terminal event
    });
    EXPECT_EQ(wait_for_finish(), (std::vector<std::string>{
                                     "start 200 chunked",
                                     "{\"eid\":1,\"type\":\"init\",\"text\":\"id1\"}\n\n",
                                     "{\"type\":\"ping\",\"text\":\"pong\"}\n\n",
                                     "{\"eid\":2,\"type\":\"stdout\",\"text\":\"hi\"}\n\n",
                                     "{\"eid\":3,\"type\":\"execution_complete\"}\n\n",
                                     "finish",
                                 }));
}

TEST_F(EventStreamTest, HeartbeatRepeatsUntilTheEnd) {
    on_loop([&] {
        stream_ = EventStream::create(channel_, loop_, {20ms, 0s});
        stream_->send(StreamEvent::init("id"));
    });
    const auto deadline = std::chrono::steady_clock::now() + 5s;
    while (channel_->entries().size() < 5 && std::chrono::steady_clock::now() < deadline) {
        std::this_thread::sleep_for(5ms);
    }
    on_loop([&] { stream_->end_with(StreamEvent::complete(1)); });
    const auto entries = wait_for_finish();
    ASSERT_GE(entries.size(), 6u);
    for (std::size_t i = 2; i + 2 < entries.size(); ++i) {
        EXPECT_EQ(entries[i], "{\"type\":\"ping\",\"text\":\"pong\"}\n\n");
    }
}

TEST_F(EventStreamTest, GraceWindowDelaysTheEnd) {
    const auto started = std::chrono::steady_clock::now();
    on_loop([this] {
        auto stream = EventStream::create(channel_, loop_, {3s, 150ms});
        stream->send(StreamEvent::init("id"));
        stream->end_with(StreamEvent::complete(1));
    });
    wait_for_finish();
    EXPECT_GE(std::chrono::steady_clock::now() - started, 150ms);
}

TEST_F(EventStreamTest, InBandFailureAfterStart) {
    on_loop([this] {
        auto stream = EventStream::create(channel_, loop_, {3s, 1s});
        stream->send(StreamEvent::init("id"));
        stream->fail_in_band("execd is shutting down");
    });
    const auto entries = wait_for_finish();
    ASSERT_EQ(entries.size(), 6u);
    EXPECT_EQ(entries[3],
              "{\"eid\":2,\"type\":\"error\",\"error\":{\"ename\":\"RuntimeError\",\"evalue\":\"execd is "
              "shutting down\","
              "\"traceback\":[\"execd is shutting down\"]}}\n\n");
    EXPECT_EQ(entries[4], "{\"code\":\"RUNTIME_ERROR\",\"message\":\"execd is shutting down\"}\n\n");
}

EventStreamOptions resumable(std::size_t replay_bytes) {
    EventStreamOptions options;
    options.ping_interval = 3s;
    options.grace = 0s;
    options.replay_bytes = replay_bytes;
    return options;
}

TEST_F(EventStreamTest, AResumingClientGetsTheKeptEventsThenTheLiveOnesOnce) {
    auto late = std::make_shared<RecordingChannel>();
    on_loop([&] {
        stream_ = EventStream::create(channel_, loop_, resumable(1 << 20));
        stream_->send(StreamEvent::init("id"));
        stream_->queue_output(false, "a");
        stream_->queue_output(false, "b");
        stream_->resume(late, 2, "command id");  // held output is flushed first
        stream_->queue_output(true, "c");
        stream_->end_with(StreamEvent::complete(0));
    });
    wait_for_finish();
    std::vector<std::string> stripped;
    for (const auto& entry : late->entries()) {
        stripped.push_back(without_timestamp(entry));
    }
    EXPECT_EQ(stripped, (std::vector<std::string>{
                            "start 200 chunked",
                            "{\"eid\":3,\"type\":\"stdout\",\"text\":\"b\"}\n\n",
                            "{\"eid\":4,\"type\":\"stderr\",\"text\":\"c\"}\n\n",
                            "{\"eid\":5,\"type\":\"execution_complete\"}\n\n",
                            "finish",
                        }));
}

TEST_F(EventStreamTest, AStreamThatFailedInBandReplaysItsErrorObjectToo) {
    auto late = std::make_shared<RecordingChannel>();
    on_loop([&] {
        stream_ = EventStream::create(channel_, loop_, resumable(1 << 20));
        stream_->send(StreamEvent::init("id"));
        stream_->fail_in_band("gone");
        stream_->resume(late, 1, "command id");
    });
    wait_for_finish();
    const auto entries = late->entries();
    ASSERT_EQ(entries.size(), 4u);
    EXPECT_EQ(entries[1].rfind("{\"eid\":2,\"type\":\"error\"", 0), 0u) << entries[1];
    EXPECT_EQ(entries[2], "{\"code\":\"RUNTIME_ERROR\",\"message\":\"gone\"}\n\n");
    EXPECT_EQ(entries[3], "finish");
}

TEST_F(EventStreamTest, ResumingWithoutAJournalOrPastTheEventsIsRefused) {
    auto plain = std::make_shared<RecordingChannel>();
    auto past = std::make_shared<RecordingChannel>();
    on_loop([&] {
        stream_ = EventStream::create(channel_, loop_, {3s, 0s, 0});
        stream_->send(StreamEvent::init("id"));
        stream_->resume(plain, 0, "command id");
        auto resumable_stream =
            EventStream::create(std::make_shared<RecordingChannel>(), loop_, resumable(64));
        resumable_stream->send(StreamEvent::init("id"));
        resumable_stream->resume(past, 2, "command id");
        stream_->end_with(StreamEvent::complete(0));
    });
    wait_for_finish();
    EXPECT_EQ(plain->entries(), (std::vector<std::string>{"respond 400"}));
    EXPECT_EQ(past->entries(), (std::vector<std::string>{"respond 400"}));
}

}  // namespace
}  // namespace execd::http
