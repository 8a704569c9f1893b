#pragma once

#include <atomic>
#include <chrono>
#include <cstdint>
#include <functional>
#include <mutex>
#include <optional>
#include <string>
#include <string_view>
#include <variant>

#include "process/worker_pool.hpp"

struct st_mysql;  // MYSQL of the MariaDB client library

namespace execd::sql {

struct MariadbLibrary;

struct SqlRuntimeOptions {
    std::string host = "127.0.0.1";  // --sql-host / EXECD_SQL_HOST
    uint16_t port = 3306;            // --sql-port / EXECD_SQL_PORT
    std::string user = "root";       // upstream's DSN: root without a password
    std::string password;
    std::string database = "sandbox";  // created when missing
    std::chrono::seconds connect_timeout{5};
    std::string client_library = "libmariadb.so.3";  // opened on the first run
};

// A run that produced a result: upstream's result text and how long the statement took.
struct SqlSuccess {
    std::string text;
    std::chrono::milliseconds elapsed{0};
};

// A run that failed: upstream's error name (DBInitError, DBQueryError, DBExecError,
// RowIterationError) and the message.
struct SqlFailure {
    std::string ename;
    std::string evalue;
};

using SqlOutcome = std::variant<SqlSuccess, SqlFailure>;

// The sandbox database of `language: "sql"` cells: one connection to MySQL/MariaDB, opened on first
// use, checked with a ping before every run and opened again when the server went away, so a
// server that starts late or restarts is used once it is back. Runs go to the server one at a time.
class SqlRuntime {
  public:
    explicit SqlRuntime(SqlRuntimeOptions options);
    // Aborts the statement in progress (its run fails), fails the queued runs, then closes.
    ~SqlRuntime();
    SqlRuntime(const SqlRuntime&) = delete;
    SqlRuntime& operator=(const SqlRuntime&) = delete;

    // Runs `code` on the runtime's own thread and hands the outcome to `done` there.
    void submit(std::string code, std::function<void(SqlOutcome)> done);
    // Runs `code` on the calling thread (it blocks on the server; never call it on a network thread).
    SqlOutcome run(std::string_view code);

  private:
    std::optional<SqlFailure> ensure_loaded();
    std::optional<SqlFailure> ensure_connected();
    std::optional<SqlFailure> connect();
    SqlOutcome execute(const std::string& statement);
    void disconnect();

    SqlRuntimeOptions options_;
    std::mutex mutex_;  // serialises runs on the one connection
    // Guards publishing and closing `connection_` against the destructor's cancel, which may come
    // while a run waits on the server.
    std::mutex handle_mutex_;
    const MariadbLibrary* db_ = nullptr;  // set by the first run that could load the library
    st_mysql* connection_ = nullptr;      // only a connected handle, ready for statements
    std::atomic<bool> stopping_{false};
    process::WorkerPool thread_{1};  // last member: stopped before the connection closes
};

}  // namespace execd::sql
