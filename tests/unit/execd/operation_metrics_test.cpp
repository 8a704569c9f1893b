// Execution and filesystem operation durations: what is recorded where an execution or operation ends.
#include "telemetry/operation_metrics.hpp"

#include <gtest/gtest.h>

#include <map>
#include <nlohmann/json.hpp>

#include "api/code_run.hpp"
#include "api/session_run_stream.hpp"
#include "telemetry/file_operation_channel.hpp"

namespace execd::telemetry {
namespace {

using Counts = std::map<std::pair<std::string, std::string>, uint64_t>;

// Observation counts of `family` by (operation, result).
Counts counts_of(const common::MetricsRegistry& registry, const std::string& family) {
    Counts counts;
    for (const auto& snapshot : registry.snapshot()) {
        if (snapshot.name != family) {
            continue;
        }
        EXPECT_EQ(snapshot.label_names, (std::vector<std::string>{"operation", "result"}));
        for (const auto& sample : snapshot.samples) {
            counts[{sample.label_values.at(0), sample.label_values.at(1)}] = sample.count;
        }
    }
    return counts;
}

Counts executions(const common::MetricsRegistry& registry) {
    return counts_of(registry, "execd_execution_duration_seconds");
}

Counts file_operations(const common::MetricsRegistry& registry) {
    return counts_of(registry, "execd_filesystem_operation_duration_seconds");
}

TEST(OperationMetrics, RecordsIntoTheInstalledInstanceOnly) {
    common::MetricsRegistry registry;
    const auto started = std::chrono::steady_clock::now();
    {
        OperationMetrics metrics(registry);
        EXPECT_TRUE(executions(registry).empty());  // a series appears on its first observation
        common::MetricsRegistry other_registry;
        const OperationMetrics second(other_registry);
        record_execution(Execution::run_command, true, started);
        record_execution(Execution::run_command, true, started);
        record_execution(Execution::run_in_session, false, started);
        record_file_operation(FileOperation::remove, true, started);
        EXPECT_TRUE(executions(other_registry).empty());
    }
    record_execution(Execution::run_code, true, started);  // nothing installed: ignored
    EXPECT_EQ(executions(registry),
              (Counts{{{"run_command", "success"}, 2}, {{"run_in_session", "failure"}, 1}}));
    EXPECT_EQ(file_operations(registry), (Counts{{{"delete", "success"}, 1}}));
}

TEST(OperationMetrics, NamesAreUpstreams) {
    EXPECT_EQ(operation_name(Execution::run_code), "run_code");
    EXPECT_EQ(operation_name(Execution::run_in_session), "run_in_session");
    EXPECT_EQ(operation_name(FileOperation::info), "info");
    EXPECT_EQ(operation_name(FileOperation::listdir), "listdir");
    EXPECT_EQ(operation_name(FileOperation::download), "download");
}

jupyter::KernelMessage message(std::string type, nlohmann::json content) {
    return {std::move(type), "run", std::move(content)};
}

struct NullSink : api::CodeRunSink {
    void send(std::vector<http::StreamEvent>) override {}
    void finish(std::vector<http::StreamEvent>, http::StreamEvent) override {}
    void fail(std::string) override {}
};

void finish_run(api::CodeRun& run) {
    run.on_message(message("execute_reply", {{"status", "ok"}}));
    run.on_message(message("status", {{"execution_state", "idle"}}));
}

TEST(OperationMetrics, CodeCellsFailOnAnErrorOrALostKernel) {
    common::MetricsRegistry registry;
    const OperationMetrics metrics(registry);
    const auto sink = std::make_shared<NullSink>();
    api::CodeRun ok(sink, [] {});
    ok.on_message(message("stream", {{"name", "stdout"}, {"text", "x"}}));
    finish_run(ok);
    finish_run(ok);  // a run ends once
    api::CodeRun raised(sink, [] {});
    raised.on_message(message("error", {{"ename", "ValueError"}, {"evalue", "bad"}}));
    finish_run(raised);
    api::CodeRun lost(sink, [] {});
    lost.on_lost("kernel gone");
    EXPECT_EQ(executions(registry), (Counts{{{"run_code", "success"}, 1}, {{"run_code", "failure"}, 2}}));
}

TEST(OperationMetrics, SessionRunsSucceedOnlyWithExitCodeZero) {
    using Reason = session::RunEnd::Reason;
    EXPECT_TRUE(api::run_succeeded({Reason::exited, 0, "", 5}));
    EXPECT_FALSE(api::run_succeeded({Reason::exited, 2, "", 5}));
    EXPECT_TRUE(api::run_succeeded({Reason::shell_exited, 0, "exit status 0", 5}));
    EXPECT_FALSE(api::run_succeeded({Reason::shell_exited, 0, "signal: killed", 5}));
    EXPECT_FALSE(api::run_succeeded({Reason::timed_out, 0, "", 5}));
    EXPECT_FALSE(api::run_succeeded({Reason::session_closed, 0, "deleted", 5}));
    EXPECT_FALSE(api::run_succeeded({Reason::shell_failed, 0, "no bash", 5}));
}

// Takes whatever is written and can pretend the client left.
class DiscardingChannel : public http::ResponseChannel {
  public:
    void respond(http::Response) override {}
    void start(http::ResponseHead) override {}
    void write(std::string, WriteDone done) override {
        if (done) {
            done(!gone);
        }
    }
    void finish() override {}
    bool peer_gone() const override { return gone; }
    void take_connection(http::ConnectionTaker) override {}
    bool gone = false;
};

TEST(OperationMetrics, FileOperationResultFollowsTheResponse) {
    common::MetricsRegistry registry;
    const OperationMetrics metrics(registry);
    const auto inner = std::make_shared<DiscardingChannel>();
    time_file_operation(FileOperation::info, inner)->respond(http::empty_ok());
    time_file_operation(FileOperation::info, inner)->respond(http::json_error(404, "FILE_NOT_FOUND", "x"));
    {
        auto download = time_file_operation(FileOperation::download, inner);
        download->start({200, {}, 2});
        download->write("ab", {});
        download->finish();
        download->finish();  // recorded once
    }
    time_file_operation(FileOperation::download, inner)->start({206, {}, 2});  // never finished
    {
        auto download = time_file_operation(FileOperation::download, inner);
        download->start({200, {}, 2});
        inner->gone = true;
        download->finish();
    }
    EXPECT_EQ(file_operations(registry), (Counts{{{"info", "success"}, 1},
                                                 {{"info", "failure"}, 1},
                                                 {{"download", "success"}, 1},
                                                 {{"download", "failure"}, 2}}));
}

}  // namespace
}  // namespace execd::telemetry
