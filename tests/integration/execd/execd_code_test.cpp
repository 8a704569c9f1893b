// POST /code and /code/context* against the real execd binary and a real Jupyter server with ipykernel.
// One Jupyter server serves the whole suite (it takes seconds to start); the last test restarts it.
#include <gtest/gtest.h>

#include <atomic>
#include <future>
#include <map>
#include <thread>

#include "execd_test_support.hpp"
#include "jupyter_server.hpp"
#include "otlp_payload.hpp"
#include "stand_in_collector.hpp"

namespace execd_test {
namespace {

using namespace std::chrono_literals;
using nlohmann::json;
using Texts = std::vector<std::string>;
using Clock = std::chrono::steady_clock;

class ExecdCodeTest : public ::testing::Test {
  protected:
    static void SetUpTestSuite() {
        jupyter_ = new JupyterServer();
        if (!jupyter_->available()) {
            return;
        }
        jupyter_->start();
        auto flags = jupyter_flags();
        flags.insert(flags.end(), {"--graceful-shutdown-timeout", "0s"});
        execd_ = new ExecdProcess(flags);
    }
    static void TearDownTestSuite() {
        delete execd_;
        execd_ = nullptr;
        delete jupyter_;
        jupyter_ = nullptr;
    }
    void SetUp() override {
        if (execd_ == nullptr) {
            GTEST_SKIP() << "jupyter-server is not installed";
        }
    }

    static std::vector<std::string> jupyter_flags() {
        return {"--jupyter-host", jupyter_->url(), "--jupyter-token", jupyter_->token()};
    }
    static uint16_t port() { return execd_->port(); }

    static CommandStream run_code(const json& body, uint16_t on_port = 0) {
        CommandStream stream;
        stream.response = http_request(on_port != 0 ? on_port : port(), "POST", "/code", body.dump());
        if (stream.response.status == 200) {
            stream.events = parse_events(stream.response.body);
        }
        return stream;
    }
    static CommandStream run_python(const std::string& code, const std::string& context_id = "") {
        json body{{"context", {{"language", "python"}}}, {"code", code}};
        if (!context_id.empty()) {
            body["context"]["id"] = context_id;
        }
        return run_code(body);
    }
    static std::string create_context() {
        const HttpResponse response =
            http_request(port(), "POST", "/code/context", R"({"language":"python"})");
        EXPECT_EQ(response.status, 200) << response.body;
        return json::parse(response.body).value("id", "");
    }
    static void delete_context(const std::string& id) {
        EXPECT_EQ(http_request(port(), "DELETE", "/code/contexts/" + id).status, 200);
    }
    // A context made once for the tests that need one besides the default context.
    static std::string shared_context() {
        if (shared_context_.empty()) {
            shared_context_ = create_context();
        }
        return shared_context_;
    }
    static std::string default_context() { return run_python("1").events.at(0)["text"]; }
    static std::vector<json> of_type(const std::vector<json>& events, const std::string& type) {
        std::vector<json> selected;
        for (const auto& event : events) {
            if (event["type"] == type) {
                selected.push_back(event);
            }
        }
        return selected;
    }

    static inline JupyterServer* jupyter_ = nullptr;
    static inline ExecdProcess* execd_ = nullptr;
    static inline std::string shared_context_;
};

TEST_F(ExecdCodeTest, PrintGoesToStdout) {
    const CommandStream stream = run_python("print('hi')");
    ASSERT_EQ(stream.response.status, 200) << stream.response.body;
    ASSERT_GE(stream.events.size(), 4u);
    EXPECT_EQ(stream.events[0]["type"], "init");
    EXPECT_EQ(stream.events[0]["text"].get<std::string>().size(), 36u);  // Jupyter's session id
    EXPECT_EQ(stream.events[1]["type"], "ping");
    EXPECT_EQ(texts_of(stream.events, "stdout"), (Texts{"hi\n"}));
    EXPECT_TRUE(of_type(stream.events, "execution_count").empty());
    EXPECT_EQ(stream.events.back()["type"], "execution_complete");
}

TEST_F(ExecdCodeTest, ExpressionGivesExecutionCountAndResult) {
    const CommandStream stream = run_python("print('x')\n1+1");
    ASSERT_EQ(stream.response.status, 200) << stream.response.body;
    const auto counts = of_type(stream.events, "execution_count");
    ASSERT_EQ(counts.size(), 1u);
    EXPECT_GT(counts[0]["execution_count"].get<int>(), 0);
    const auto results = of_type(stream.events, "result");
    ASSERT_EQ(results.size(), 1u);
    EXPECT_EQ(results[0]["results"], (json{{"text", "2"}}));
    EXPECT_EQ(texts_of(stream.events, "stdout"), (Texts{"x\n"}));
    EXPECT_EQ(stream.events.back()["type"], "execution_complete");
}

TEST_F(ExecdCodeTest, AFinishedCellIsResumedWithEveryEventButPingsAndSoIsAShellRun) {
    const CommandStream stream = run_python("print('x')\n1+1");
    ASSERT_EQ(stream.response.status, 200) << stream.response.body;
    std::vector<json> expected;
    for (const auto& event : stream.events) {
        if (event["type"] != "ping") {
            expected.push_back(event);
        }
    }
    ASSERT_GE(expected.size(), 4u);  // init, stdout, execution_count, result, execution_complete
    for (std::size_t i = 0; i < expected.size(); ++i) {
        EXPECT_EQ(expected[i]["eid"], static_cast<int>(i + 1)) << expected[i].dump();
    }
    const std::string id = stream.events.at(0)["text"];
    const HttpResponse resumed = http_request(port(), "GET", "/code/" + id + "/resume?after_eid=1");
    ASSERT_EQ(resumed.status, 200) << resumed.body;
    EXPECT_EQ(parse_events(resumed.body), std::vector<json>(expected.begin() + 1, expected.end()));

    const CommandStream shell = run_code({{"code", "echo from-shell"}});
    const std::string command = shell.events.at(0)["text"];
    const HttpResponse shell_resumed =
        http_request(port(), "GET", "/code/" + command + "/resume?after_eid=1");
    ASSERT_EQ(shell_resumed.status, 200) << shell_resumed.body;
    EXPECT_EQ(texts_of(parse_events(shell_resumed.body), "stdout"), (Texts{"from-shell"}));
    EXPECT_EQ(http_request(port(), "GET", "/code/unknown/resume").status, 404);
}

TEST_F(ExecdCodeTest, ExceptionGivesStatusAndErrorThenComplete) {
    const CommandStream stream = run_python("1/0");
    ASSERT_EQ(stream.response.status, 200) << stream.response.body;
    const std::size_t n = stream.events.size();
    ASSERT_GE(n, 5u);
    EXPECT_EQ(stream.events[n - 3]["type"], "status");
    EXPECT_EQ(stream.events[n - 3]["text"], "error");
    const json& error = stream.events[n - 2];
    EXPECT_EQ(error["type"], "error");
    EXPECT_EQ(error["error"]["ename"], "ZeroDivisionError");
    EXPECT_EQ(error["error"]["evalue"], "division by zero");
    EXPECT_FALSE(error["error"]["traceback"].empty());
    EXPECT_EQ(stream.events[n - 1]["type"], "execution_complete");
}

TEST_F(ExecdCodeTest, StateIsKeptWithinAContextAndIsolatedBetweenContexts) {
    const std::string first = shared_context();
    const std::string second = default_context();
    ASSERT_NE(first, second);
    EXPECT_EQ(run_python("x = 41", first).events.back()["type"], "execution_complete");
    const auto kept = of_type(run_python("x + 1", first).events, "result");
    ASSERT_EQ(kept.size(), 1u);
    EXPECT_EQ(kept[0]["results"]["text"], "42");
    const auto isolated = of_type(run_python("'x' in globals()", second).events, "result");
    ASSERT_EQ(isolated.size(), 1u);
    EXPECT_EQ(isolated[0]["results"]["text"], "False");

    const HttpResponse listed = http_request(port(), "GET", "/code/contexts?language=python");
    ASSERT_EQ(listed.status, 200);
    Texts ids;
    for (const auto& context : json::parse(listed.body)) {
        ids.push_back(context["id"]);
        EXPECT_EQ(context["language"], "python");
    }
    EXPECT_NE(std::find(ids.begin(), ids.end(), first), ids.end());
    EXPECT_EQ(json::parse(http_request(port(), "GET", "/code/contexts/" + first).body),
              (json{{"id", first}, {"language", "python"}}));
}

TEST_F(ExecdCodeTest, InterruptEndsASleepWithKeyboardInterrupt) {
    const std::string context = shared_context();
    HttpConnection connection(port());
    connection.send_request(
        "POST", "/code",
        json{{"context", {{"language", "python"}, {"id", context}}}, {"code", "import time\ntime.sleep(60)"}}
            .dump());
    ASSERT_EQ(connection.read_head().status, 200);
    ASSERT_NE(connection.read_chunk().value_or("").find("\"init\""), std::string::npos);
    std::this_thread::sleep_for(300ms);  // let the kernel start the cell
    const auto interrupted = Clock::now();
    EXPECT_EQ(http_request(port(), "DELETE", "/code?id=" + context).status, 200);
    std::string body;
    while (auto chunk = connection.read_chunk()) {
        body += *chunk;
    }
    EXPECT_LT(Clock::now() - interrupted, 2s);
    const auto events = parse_events(body);
    const auto errors = of_type(events, "error");
    ASSERT_EQ(errors.size(), 1u) << body;
    EXPECT_EQ(errors[0]["error"]["ename"], "KeyboardInterrupt");
    EXPECT_EQ(events.back()["type"], "execution_complete");
}

TEST_F(ExecdCodeTest, InterruptOfAnUnknownIdKeepsUpstreamsAnswer) {
    const HttpResponse response = http_request(port(), "DELETE", "/code?id=nope");
    EXPECT_EQ(response.status, 500);
    EXPECT_EQ(response.body,
              R"({"code":"RUNTIME_ERROR","message":"error interruptting code context. no such session"})");
    EXPECT_EQ(http_request(port(), "DELETE", "/code").status, 400);
}

TEST_F(ExecdCodeTest, MatplotlibFigureArrivesAsPngResult) {
    const CommandStream stream =
        run_python("import matplotlib.pyplot as plt\nplt.plot([1, 2, 3])\nplt.show()");
    ASSERT_EQ(stream.response.status, 200) << stream.response.body;
    const auto results = of_type(stream.events, "result");
    ASSERT_FALSE(results.empty()) << stream.response.body;
    const json& image = results.back()["results"];
    ASSERT_TRUE(image.contains("image/png")) << image.dump();
    EXPECT_EQ(image["image/png"].get<std::string>().substr(0, 8), "iVBORw0K");  // base64 of the PNG magic
    EXPECT_EQ(stream.events.back()["type"], "execution_complete");
}

TEST_F(ExecdCodeTest, UnknownOrUnsupportedLanguagesFailFast) {
    const auto started = Clock::now();
    HttpResponse response =
        http_request(port(), "POST", "/code", R"({"context":{"language":"ruby"},"code":"puts 1"})");
    EXPECT_EQ(response.status, 400);
    EXPECT_EQ(response.body,
              R"({"code":"INVALID_REQUEST_BODY","message":"error running codes unknown language: ruby"})");
    response = http_request(port(), "POST", "/code/context", R"({"language":"ruby"})");
    EXPECT_EQ(response.status, 400);
    EXPECT_EQ(
        response.body,
        R"({"code":"INVALID_REQUEST_BODY","message":"error creating code context. unknown language: ruby"})");
    response = http_request(port(), "POST", "/code/context", R"({"language":"sql"})");
    EXPECT_EQ(response.status, 400);
    EXPECT_EQ(
        response.body,
        R"({"code":"NOT_SUPPORTED","message":"error creating code context. language sql has no code contexts"})");
    EXPECT_LT(Clock::now() - started, 2s);
}

TEST_F(ExecdCodeTest, BadBodiesAreRejected) {
    HttpResponse response = http_request(port(), "POST", "/code", R"({"context":{"language":"python"}})");
    EXPECT_EQ(response.status, 400);
    EXPECT_EQ(
        response.body,
        R"({"code":"INVALID_REQUEST_BODY","message":"invalid request, validation error Key: 'RunCodeRequest.Code' )"
        R"(Error:Field validation for 'Code' failed on the 'required' tag"})");
    response = http_request(port(), "POST", "/code", R"({"code":1})");
    EXPECT_EQ(response.status, 400);
    response = http_request(port(), "DELETE", "/code/contexts");
    EXPECT_EQ(response.body, R"({"code":"MISSING_QUERY","message":"missing query parameter 'language'"})");
    response = http_request(port(), "GET", "/code/contexts?language=sql");
    EXPECT_EQ(response.status, 500);
}

TEST_F(ExecdCodeTest, CodeWithoutLanguageRunsAsAShellCommand) {
    const CommandStream stream = run_code({{"code", "echo from-shell"}});
    ASSERT_EQ(stream.response.status, 200);
    EXPECT_EQ(stream.events[0]["text"].get<std::string>().size(), 32u);  // a command id
    EXPECT_EQ(texts_of(stream.events, "stdout"), (Texts{"from-shell"}));
    EXPECT_EQ(stream.events.back()["type"], "execution_complete");
}

TEST_F(ExecdCodeTest, ASecondRunOnABusyContextIsRefused) {
    const std::string context = shared_context();
    HttpConnection slow(port());
    slow.send_request(
        "POST", "/code",
        json{{"context", {{"language", "python"}, {"id", context}}}, {"code", "import time\ntime.sleep(1)"}}
            .dump());
    ASSERT_EQ(slow.read_head().status, 200);
    ASSERT_TRUE(slow.read_chunk().has_value());  // init: the context is claimed
    const HttpResponse busy = run_python("1", context).response;
    EXPECT_EQ(busy.status, 409);
    EXPECT_EQ(busy.body, R"({"code":"RUNTIME_ERROR","message":"error running codes session is busy"})");
    std::string body;
    while (auto chunk = slow.read_chunk()) {
        body += *chunk;
    }
    EXPECT_EQ(parse_events(body).back()["type"], "execution_complete");
    EXPECT_EQ(run_python("2", context).events.back()["type"], "execution_complete");
}

TEST_F(ExecdCodeTest, ConcurrentFirstRunsCreateOneDefaultContext) {
    ExecdProcess fresh(jupyter_flags());
    const json body{{"context", {{"language", "python"}}}, {"code", "1"}};
    auto first = std::async(std::launch::async, [&] { return run_code(body, fresh.port()); });
    auto second = std::async(std::launch::async, [&] { return run_code(body, fresh.port()); });
    for (const int status : {first.get().response.status, second.get().response.status}) {
        EXPECT_TRUE(status == 200 || status == 409) << status;  // 409: the other run held the context
    }
    const HttpResponse listed = http_request(fresh.port(), "GET", "/code/contexts");
    EXPECT_EQ(json::parse(listed.body).size(), 1u) << listed.body;
    EXPECT_EQ(http_request(fresh.port(), "DELETE", "/code/contexts?language=python").status, 200);
    EXPECT_EQ(http_request(fresh.port(), "GET", "/code/contexts").body, "[]");
}

// A code cell that raises is a failed execution, although its stream ends with execution_complete.
TEST_F(ExecdCodeTest, CodeCellsAreExportedAsExecutionsBySuccessOrFailure) {
    otlp_test::StandInCollector collector;
    ExecdProcess fresh(jupyter_flags(), {"OTEL_EXPORTER_OTLP_METRICS_ENDPOINT=http://127.0.0.1:" +
                                             std::to_string(collector.port()) + "/v1/metrics",
                                         "OTEL_METRIC_EXPORT_INTERVAL=50"});
    const json ok{{"context", {{"language", "python"}}}, {"code", "1 + 1"}};
    const json raising{{"context", {{"language", "python"}}}, {"code", "raise ValueError('no')"}};
    EXPECT_EQ(run_code(ok, fresh.port()).events.back()["type"], "execution_complete");
    EXPECT_EQ(of_type(run_code(raising, fresh.port()).events, "error").size(), 1u);
    EXPECT_EQ(run_code(ok, fresh.port()).events.back()["type"], "execution_complete");
    const std::map<std::string, std::string> expected{{"run_code/failure", "1"}, {"run_code/success", "2"}};
    std::map<std::string, std::string> counts;
    eventually(
        [&] {
            const auto bodies = collector.received();
            if (bodies.empty()) {
                return false;
            }
            const auto metric =
                otlp_test::find_metric(json::parse(bodies.back()), "execd.execution.duration");
            counts.clear();
            for (const auto& point : metric ? metric->at("histogram").at("dataPoints") : json::array()) {
                counts[otlp_test::attribute(point["attributes"], "operation").value_or("") + "/" +
                       otlp_test::attribute(point["attributes"], "result").value_or("")] = point["count"];
            }
            return counts == expected;
        },
        5s);
    EXPECT_EQ(counts, expected);
    EXPECT_EQ(http_request(fresh.port(), "DELETE", "/code/contexts?language=python").status, 200);
}

TEST(ExecdCodeWithoutJupyter, RunsFailFastWithAClearError) {
    ExecdProcess execd;
    const auto started = Clock::now();
    const HttpResponse response =
        http_request(execd.port(), "POST", "/code", R"({"context":{"language":"python"},"code":"1"})");
    EXPECT_EQ(response.status, 400);
    EXPECT_EQ(
        response.body,
        R"({"code":"NOT_SUPPORTED","message":"error running codes language runtime server not configured, )"
        R"(please check your image runtime"})");
    EXPECT_EQ(http_request(execd.port(), "POST", "/code/context", R"({"language":"python"})").status, 400);
    EXPECT_LT(Clock::now() - started, 1s);
}

TEST_F(ExecdCodeTest, HeavyTwentyContextsRunInParallel) {
    constexpr int kContexts = 20;
    constexpr int kCreators = 4;  // kernels start a few at a time, so that no request waits too long
    std::vector<std::string> contexts(kContexts);
    std::vector<std::thread> creators;
    for (int c = 0; c < kCreators; ++c) {
        creators.emplace_back([&contexts, c] {
            for (int i = c; i < kContexts; i += kCreators) {
                contexts[i] = create_context();
            }
        });
    }
    for (auto& creator : creators) {
        creator.join();
    }
    std::vector<std::future<std::string>> answers;
    for (int i = 0; i < kContexts; ++i) {
        answers.push_back(std::async(std::launch::async, [i, context = contexts[i]] {
            run_python("x = " + std::to_string(i), context);
            const auto results = of_type(run_python("x * 2", context).events, "result");
            return results.empty() ? std::string() : results[0]["results"].value("text", "");
        }));
    }
    for (int i = 0; i < kContexts; ++i) {
        EXPECT_EQ(answers[i].get(), std::to_string(i * 2));
    }
    for (const auto& context : contexts) {
        delete_context(context);
    }
}

// After the tests that use the shared context.
TEST_F(ExecdCodeTest, DeletedContextIsGone) {
    const std::string first = shared_context();
    delete_context(first);
    EXPECT_EQ(http_request(port(), "GET", "/code/contexts/" + first).body,
              R"({"code":"CONTEXT_NOT_FOUND","message":"context )" + first + R"( not found"})");
    EXPECT_EQ(run_python("1", first).response.status, 404);
}

// Jupyter restarts a dead kernel and says so only in a status message that answers no request: the
// run must end with an error rather than wait for ever. (Whether the restarted kernel then answers
// is Jupyter's affair: with new random ports it sometimes never comes back to idle here.)
TEST_F(ExecdCodeTest, AKernelThatDiesEndsItsRunWithAnError) {
    const std::string context = create_context();
    ASSERT_FALSE(context.empty());
    const CommandStream died = run_python("import os\nos._exit(1)", context);
    ASSERT_EQ(died.response.status, 200) << died.response.body;
    EXPECT_NE(
        died.response.body.find(
            R"({"code":"RUNTIME_ERROR","message":"error running codes the Jupyter kernel died and was restarted; its state is lost"})"),
        std::string::npos)
        << died.response.body;
    // Jupyter refuses to shut a kernel down while it restarts it.
    EXPECT_TRUE(eventually(
        [&] { return http_request(port(), "DELETE", "/code/contexts/" + context).status == 200; }, 30s));
}

// Last: restarts the suite's Jupyter server.
TEST_F(ExecdCodeTest, JupyterKilledMidRunGivesAnErrorAndTheNextRunSucceeds) {
    HttpConnection connection(port());
    connection.send_request(
        "POST", "/code",
        json{{"context", {{"language", "python"}}}, {"code", "import time\ntime.sleep(30)"}}.dump());
    ASSERT_EQ(connection.read_head().status, 200);
    ASSERT_TRUE(connection.read_chunk().has_value());
    jupyter_->kill();
    std::string body;
    while (auto chunk = connection.read_chunk()) {
        body += *chunk;
    }
    EXPECT_NE(
        body.find(
            R"({"code":"RUNTIME_ERROR","message":"error running codes the connection to the Jupyter kernel was lost)"),
        std::string::npos)
        << body;
    jupyter_->start();
    const auto results = of_type(run_python("1+1").events, "result");
    ASSERT_EQ(results.size(), 1u);
    EXPECT_EQ(results[0]["results"]["text"], "2");
}

}  // namespace
}  // namespace execd_test
