// Resumable streams against the real binary: every event carries an eid, and a client cut off
// mid-stream gets the rest from GET /command/{id}/resume (or /session/{id}/resume), live or after the
// execution ended.
#include <gtest/gtest.h>

#include <thread>

#include "execd_test_support.hpp"

namespace execd_test {
namespace {

using namespace std::chrono_literals;
using nlohmann::json;

// The events a client has read so far, whole frames only.
struct ReadEvents {
    std::vector<json> events;
    std::string partial;

    void add(const std::string& bytes) {
        partial += bytes;
        std::size_t start = 0;
        std::size_t end;
        while ((end = partial.find("\n\n", start)) != std::string::npos) {
            events.push_back(json::parse(std::string_view(partial).substr(start, end - start)));
            start = end + 2;
        }
        partial.erase(0, start);
    }
    int64_t last_eid() const {
        for (auto it = events.rbegin(); it != events.rend(); ++it) {
            if (it->contains("eid")) {
                return (*it)["eid"];
            }
        }
        return 0;
    }
    std::size_t count(const std::string& type) const {
        return static_cast<std::size_t>(
            std::count_if(events.begin(), events.end(), [&](const json& e) { return e["type"] == type; }));
    }
};

// Reads chunks until `enough` holds or the response ends; true when it ended.
template <typename Enough>
bool read_until(HttpConnection& connection, ReadEvents& read, Enough enough) {
    while (!enough(read)) {
        auto chunk = connection.read_chunk();
        if (!chunk) {
            return true;
        }
        read.add(*chunk);
    }
    return false;
}

// Every event but ping, as a client that resumed correctly must have seen them.
std::vector<json> without_pings(const std::vector<json>& events) {
    std::vector<json> kept;
    std::copy_if(events.begin(), events.end(), std::back_inserter(kept),
                 [](const json& e) { return e["type"] != "ping"; });
    return kept;
}

// The eids are 1, 2, 3, … and the stdout texts are "1".."lines"; the stream ends execution_complete.
void expect_complete_sequence(const std::vector<json>& events, int lines) {
    const auto kept = without_pings(events);
    ASSERT_EQ(kept.size(), static_cast<std::size_t>(lines) + 2) << "init + lines + execution_complete";
    for (std::size_t i = 0; i < kept.size(); ++i) {
        ASSERT_EQ(kept[i].value("eid", int64_t{0}), static_cast<int64_t>(i + 1)) << kept[i].dump();
    }
    EXPECT_EQ(kept.front()["type"], "init");
    for (int line = 1; line <= lines; ++line) {
        ASSERT_EQ(kept[static_cast<std::size_t>(line)]["text"], std::to_string(line));
    }
    EXPECT_EQ(kept.back()["type"], "execution_complete");
}

class ExecdResumeTest : public ::testing::Test {
  protected:
    static void SetUpTestSuite() { execd_ = new ExecdProcess({"--graceful-shutdown-timeout", "0s"}); }
    static void TearDownTestSuite() {
        delete execd_;
        execd_ = nullptr;
    }
    static uint16_t port() { return execd_->port(); }

    // Starts a command on `connection` and reads until its init event; returns the command id.
    static std::string start(HttpConnection& connection, const std::string& command, ReadEvents& read) {
        connection.send_request("POST", "/command", json({{"command", command}}).dump());
        EXPECT_EQ(connection.read_head().status, 200);
        read_until(connection, read, [](const ReadEvents& r) { return !r.events.empty(); });
        return read.events.at(0)["text"];
    }

    static bool finished(const std::string& id) {
        const auto status = http_request(port(), "GET", "/command/status/" + id);
        return status.status == 200 && json::parse(status.body)["running"] == false;
    }

    // Resumes `target` after `after_eid` and reads to the end.
    static ReadEvents resume_to_end(const std::string& target, std::vector<std::string> headers = {}) {
        HttpConnection connection(port());
        connection.send_request("GET", target, "", headers);
        const HttpResponse head = connection.read_head();
        EXPECT_EQ(head.status, 200);
        EXPECT_EQ(head.headers.at("content-type"), "text/event-stream");
        ReadEvents read;
        read_until(connection, read, [](const ReadEvents&) { return false; });
        return read;
    }

    static inline ExecdProcess* execd_ = nullptr;
};

TEST_F(ExecdResumeTest, EveryEventButPingCarriesTheNextEid) {
    const CommandStream stream = run_command(port(), {{"command", "echo a; echo b >&2; exit 3"}});
    ASSERT_EQ(stream.response.status, 200);
    int64_t expected = 1;
    for (const auto& event : stream.events) {
        if (event["type"] == "ping") {
            EXPECT_FALSE(event.contains("eid"));
            continue;
        }
        EXPECT_EQ(event["eid"], expected++) << event.dump();
    }
    EXPECT_EQ(expected, 5);  // init, a, b, error
    // The eid is the first member, as upstream's PR #583 writes it.
    EXPECT_EQ(split_events(stream.response.body).back().rfind("{\"eid\":4,\"type\":\"error\"", 0), 0u);
}

TEST_F(ExecdResumeTest, AClientCutOffMidStreamResumesToTheCompleteOutputOfAHundredThousandLines) {
    constexpr int kLines = 100000;
    ReadEvents first;
    std::string id;
    {
        HttpConnection connection(port());
        id = start(connection, "seq 1 " + std::to_string(kLines), first);
        read_until(connection, first, [](const ReadEvents& r) { return r.count("stdout") >= 1000; });
    }  // the connection is closed here, mid-stream
    const int64_t seen = first.last_eid();
    ASSERT_GT(seen, 1000);
    ASSERT_LT(seen, kLines);

    const ReadEvents rest = resume_to_end("/command/" + id + "/resume?after_eid=" + std::to_string(seen));
    std::vector<json> all = first.events;
    all.insert(all.end(), rest.events.begin(), rest.events.end());
    expect_complete_sequence(all, kLines);
}

TEST_F(ExecdResumeTest, ACommandThatEndedWhileItsClientWasAwayIsResumedWithLastEventId) {
    constexpr int kLines = 100000;
    ReadEvents first;
    std::string id;
    {
        HttpConnection connection(port());
        id = start(connection, "seq 1 " + std::to_string(kLines), first);
    }
    ASSERT_TRUE(eventually([&] { return finished(id); }, 30s));

    const ReadEvents rest = resume_to_end("/command/" + id + "/resume", {"Last-Event-ID: 1"});
    std::vector<json> all = first.events;
    all.insert(all.end(), rest.events.begin(), rest.events.end());
    expect_complete_sequence(all, kLines);
    // Once more from the start: a finished execution can be read again within its window.
    expect_complete_sequence(resume_to_end("/command/" + id + "/resume?after_eid=0").events, kLines);
}

TEST_F(ExecdResumeTest, TwoClientsAtOnceAndAClientThatResumesTwiceEachGetEveryEventOnceInOrder) {
    constexpr int kLines = 3000;
    ReadEvents first;
    HttpConnection original(port());
    const std::string id = start(
        original, "for i in $(seq 1 " + std::to_string(kLines) + "); do echo $i; sleep 0.0005; done", first);

    ReadEvents twice;
    {
        HttpConnection connection(port());
        connection.send_request("GET", "/command/" + id + "/resume?after_eid=0");
        ASSERT_EQ(connection.read_head().status, 200);
        read_until(connection, twice, [](const ReadEvents& r) { return r.count("stdout") >= 100; });
    }
    std::vector<ReadEvents> concurrent(2);
    std::vector<std::thread> readers;
    for (auto& read : concurrent) {
        readers.emplace_back([&] { read = resume_to_end("/command/" + id + "/resume?after_eid=0"); });
    }
    const ReadEvents second =
        resume_to_end("/command/" + id + "/resume?after_eid=" + std::to_string(twice.last_eid()));
    for (auto& reader : readers) {
        reader.join();
    }
    read_until(original, first, [](const ReadEvents&) { return false; });

    expect_complete_sequence(first.events, kLines);
    for (const auto& read : concurrent) {
        expect_complete_sequence(read.events, kLines);
    }
    std::vector<json> resumed_twice = twice.events;
    resumed_twice.insert(resumed_twice.end(), second.events.begin(), second.events.end());
    expect_complete_sequence(resumed_twice, kLines);
}

TEST_F(ExecdResumeTest, BadResumeRequestsGetClearErrors) {
    const CommandStream stream = run_command(port(), {{"command", "echo one"}});
    ASSERT_EQ(stream.response.status, 200);
    const std::string id = stream.events.at(0)["text"];

    auto error_of = [](const HttpResponse& response) { return json::parse(response.body); };
    const HttpResponse unknown = http_request(port(), "GET", "/command/nope/resume");
    EXPECT_EQ(unknown.status, 404);
    EXPECT_EQ(error_of(unknown)["message"], "command not found: nope");

    const HttpResponse bad = http_request(port(), "GET", "/command/" + id + "/resume?after_eid=x1");
    EXPECT_EQ(bad.status, 400);
    EXPECT_EQ(error_of(bad)["message"], "invalid query parameter 'after_eid': x1");
    const HttpResponse bad_header =
        http_request(port(), "GET", "/command/" + id + "/resume", "", {"Last-Event-ID: -3"});
    EXPECT_EQ(bad_header.status, 400);
    EXPECT_EQ(error_of(bad_header)["message"], "invalid Last-Event-ID header: -3");

    const HttpResponse past = http_request(port(), "GET", "/command/" + id + "/resume?after_eid=99");
    EXPECT_EQ(past.status, 400);
    EXPECT_EQ(error_of(past)["message"],
              "after_eid 99 is not an event of command " + id + " (its events so far: 1 to 3)");

    const HttpResponse at_end = http_request(port(), "GET", "/command/" + id + "/resume?after_eid=3");
    EXPECT_EQ(at_end.status, 200);
    EXPECT_EQ(at_end.body, "");

    const HttpResponse background =
        http_request(port(), "POST", "/command", json({{"command", "true"}, {"background", true}}).dump());
    const std::string background_id = parse_events(background.body).at(0)["text"];
    const HttpResponse not_streamed = http_request(port(), "GET", "/command/" + background_id + "/resume");
    EXPECT_EQ(not_streamed.status, 400);
    EXPECT_EQ(error_of(not_streamed)["message"],
              "command " + background_id + " runs in background: read its output from GET /command/" +
                  background_id + "/logs");
}

TEST(ExecdResumeLimitsTest, EventsBeyondTheReplaySizeOrTimeAreReportedAsLost) {
    ExecdProcess execd({"--graceful-shutdown-timeout", "0s", "--stream-replay-bytes", "4096",
                        "--stream-replay-retention", "1s"});
    const CommandStream stream = run_command(execd.port(), {{"command", "seq 1 2000"}});
    ASSERT_EQ(stream.response.status, 200);
    const std::string id = stream.events.at(0)["text"];

    const HttpResponse dropped = http_request(execd.port(), "GET", "/command/" + id + "/resume?after_eid=0");
    EXPECT_EQ(dropped.status, 410);
    const json error = json::parse(dropped.body);
    EXPECT_EQ(error["code"], "EVENTS_NOT_KEPT");
    const std::string message = error["message"];
    EXPECT_EQ(message.rfind("events 1 to ", 0), 0u) << message;
    EXPECT_NE(message.find("newest 4096 bytes"), std::string::npos) << message;
    // The message names the eid to resume from; that resume works and ends with the terminal event.
    const std::size_t from = message.rfind("after_eid ") + 10;
    const std::string resume_from = message.substr(from, message.find(' ', from) - from);
    const HttpResponse rest =
        http_request(execd.port(), "GET", "/command/" + id + "/resume?after_eid=" + resume_from);
    ASSERT_EQ(rest.status, 200);
    const auto events = parse_events(rest.body);
    ASSERT_FALSE(events.empty());
    EXPECT_EQ(events.front()["eid"], std::stoll(resume_from) + 1);
    EXPECT_EQ(events.back()["type"], "execution_complete");
    EXPECT_EQ(events.back()["eid"], 2002);

    std::this_thread::sleep_for(1500ms);
    const HttpResponse expired =
        http_request(execd.port(), "GET", "/command/" + id + "/resume?after_eid=2001");
    EXPECT_EQ(expired.status, 410);
    EXPECT_EQ(json::parse(expired.body)["message"],
              "the events of command " + id +
                  " are no longer kept (an execution's events are kept for 1s after it ends)");
}

TEST_F(ExecdResumeTest, ASessionRunIsResumedFromTheSessionId) {
    const HttpResponse created = http_request(port(), "POST", "/session", "{}");
    ASSERT_EQ(created.status, 200) << created.body;
    const std::string session = json::parse(created.body)["session_id"];
    constexpr int kLines = 20000;
    ReadEvents first;
    {
        HttpConnection connection(port());
        connection.send_request("POST", "/session/" + session + "/run",
                                json({{"command", "seq 1 " + std::to_string(kLines)}}).dump());
        ASSERT_EQ(connection.read_head().status, 200);
        read_until(connection, first, [](const ReadEvents& r) { return r.count("stdout") >= 500; });
    }
    const ReadEvents rest =
        resume_to_end("/session/" + session + "/resume?after_eid=" + std::to_string(first.last_eid()));
    std::vector<json> all = first.events;
    all.insert(all.end(), rest.events.begin(), rest.events.end());
    expect_complete_sequence(all, kLines);

    const HttpResponse none = http_request(port(), "GET", "/session/missing/resume");
    EXPECT_EQ(none.status, 404);
    http_request(port(), "DELETE", "/session/" + session);
}

}  // namespace
}  // namespace execd_test
