#pragma once

#include <chrono>
#include <memory>
#include <mutex>
#include <string>
#include <vector>

#include "api/code_contexts.hpp"
#include "api/command_api.hpp"
#include "common/event_loop.hpp"
#include "http/event_stream.hpp"
#include "http/resumable_streams.hpp"
#include "http/router.hpp"
#include "process/worker_pool.hpp"
#include "sql/sql_runtime.hpp"

namespace execd::api {

struct CodeApiOptions {
    // Upstream (since 1.0.11) ends code streams right after their terminal event.
    std::chrono::nanoseconds stream_grace{0};
    std::chrono::milliseconds ping_interval{std::chrono::seconds(3)};
    http::ReplayLimits replay;
};

// POST /code/context, GET /code/contexts, GET and DELETE /code/contexts/{id}, DELETE /code/contexts,
// POST /code and DELETE /code, and this implementation's GET /code/{id}/resume (the id of the run's
// init event). Code without a language and ids that are not contexts go to the
// commands API, as upstream does; `sql` code goes to the SQL runtime. Anything that talks to Jupyter
// runs on a worker.
class CodeApi {
  public:
    CodeApi(CodeApiOptions options, CodeContexts& contexts, sql::SqlRuntime& sql, CommandApi& commands,
            process::WorkerPool& workers, common::EventLoop& loop);

    void register_routes(http::Router& router);
    // Ends every open code stream with an in-band error (shutdown).
    void cut_streams(const std::string& reason);

  private:
    void create_context(http::Request& request, std::shared_ptr<http::ResponseChannel> channel);
    void list_contexts(http::Request& request, std::shared_ptr<http::ResponseChannel> channel);
    void get_context(http::Request& request, std::shared_ptr<http::ResponseChannel> channel);
    void delete_context(http::Request& request, std::shared_ptr<http::ResponseChannel> channel);
    void delete_language_contexts(http::Request& request, std::shared_ptr<http::ResponseChannel> channel);
    void run_code(http::Request& request, std::shared_ptr<http::ResponseChannel> channel);
    void interrupt(http::Request& request, std::shared_ptr<http::ResponseChannel> channel);
    void run_sql(std::string code, std::shared_ptr<http::ResponseChannel> channel);
    void resume(http::Request& request, std::shared_ptr<http::ResponseChannel> channel);

    std::shared_ptr<CodeContext> claim_context(const std::string& id, const std::string& language);
    void start_run(const std::shared_ptr<CodeContext>& context, const std::string& code,
                   const std::shared_ptr<http::ResponseChannel>& channel);
    // A stream that clients may resume under `id`, the text of its init event.
    std::shared_ptr<http::EventStream> open_stream(std::shared_ptr<http::ResponseChannel> channel,
                                                   const std::string& id);

    CodeApiOptions options_;
    CodeContexts& contexts_;
    sql::SqlRuntime& sql_;
    CommandApi& commands_;
    process::WorkerPool& workers_;
    common::EventLoop& loop_;
    std::mutex streams_mutex_;
    std::vector<std::weak_ptr<http::EventStream>> streams_;
    http::ResumableStreams resumable_;  // on loop_ only
};

}  // namespace execd::api
