#include "sql/sql_runtime.hpp"

#include <errmsg.h>
#include <mysql.h>

#include "common/log.hpp"
#include "sql/mariadb_library.hpp"
#include "sql/sql_result_json.hpp"
#include "sql/sql_statement.hpp"

namespace execd::sql {
namespace {

constexpr unsigned kFirstClientError = 2000;  // CR_MIN_ERROR: errors below come from the server

// A server error the way upstream's Go driver prints it ("Error 1064 (42000): You have ..."); client
// errors (cannot connect, server gone) keep the client library's text.
std::string error_text(const MariadbLibrary& db, MYSQL* connection) {
    const unsigned number = db.error_number(connection);
    if (number == 0 || number >= kFirstClientError) {
        return db.error(connection);
    }
    return "Error " + std::to_string(number) + " (" + db.sqlstate(connection) + "): " + db.error(connection);
}

// True when the failure means the connection is no longer usable.
bool connection_lost(const MariadbLibrary& db, MYSQL* connection) {
    const unsigned number = db.error_number(connection);
    return number == CR_SERVER_GONE_ERROR || number == CR_SERVER_LOST;
}

SqlTable fetch_table(const MariadbLibrary& db, MYSQL_RES* result) {
    SqlTable table;
    const unsigned columns = db.num_fields(result);
    const MYSQL_FIELD* fields = db.fetch_fields(result);
    for (unsigned column = 0; column < columns; ++column) {
        table.columns.emplace_back(fields[column].name, fields[column].name_length);
    }
    while (MYSQL_ROW row = db.fetch_row(result)) {
        const unsigned long* lengths = db.fetch_lengths(result);
        auto& values = table.rows.emplace_back();
        for (unsigned column = 0; column < columns; ++column) {
            if (row[column] == nullptr) {
                values.emplace_back(std::nullopt);
            } else {
                values.emplace_back(std::string(row[column], lengths[column]));
            }
        }
    }
    return table;
}

// Reads and frees any further result sets (a CALL returns one more), keeping the connection usable.
void drain_results(const MariadbLibrary& db, MYSQL* connection) {
    while (db.next_result(connection) == 0) {
        if (MYSQL_RES* extra = db.store_result(connection)) {
            db.free_result(extra);
        }
    }
}

}  // namespace

SqlRuntime::SqlRuntime(SqlRuntimeOptions options) : options_(std::move(options)) {}

SqlRuntime::~SqlRuntime() {
    stopping_ = true;
    {
        std::lock_guard lock(handle_mutex_);
        if (connection_ != nullptr) {
            db_->cancel(connection_);  // shuts the socket down: a blocked read returns an error
        }
    }
    thread_.stop();
    disconnect();
}

void SqlRuntime::submit(std::string code, std::function<void(SqlOutcome)> done) {
    thread_.post([this, code = std::move(code), done = std::move(done)] { done(run(code)); });
}

SqlOutcome SqlRuntime::run(std::string_view code) {
    std::lock_guard lock(mutex_);
    if (stopping_) {
        return SqlFailure{"DBInitError", "execd is shutting down"};
    }
    if (auto failure = ensure_loaded()) {
        return *failure;
    }
    if (auto failure = ensure_connected()) {
        return *failure;
    }
    return execute(statement_text(code));
}

std::optional<SqlFailure> SqlRuntime::ensure_loaded() {
    if (db_ != nullptr) {
        return std::nullopt;
    }
    MariadbLoad load = load_mariadb_library(options_.client_library);
    if (auto* error = std::get_if<MariadbLoadError>(&load)) {
        common::log_fields(common::LogLevel::warn, "sql client library unavailable",
                           {{"reason", error->message}});
        return SqlFailure{"DBInitError", error->message};
    }
    db_ = std::get<const MariadbLibrary*>(load);
    return std::nullopt;
}

std::optional<SqlFailure> SqlRuntime::ensure_connected() {
    if (connection_ != nullptr && db_->ping(connection_) == 0) {
        return std::nullopt;
    }
    if (connection_ != nullptr) {
        common::log_fields(common::LogLevel::info, "sql connection lost; reconnecting",
                           {{"reason", std::string(db_->error(connection_))}});
        disconnect();
    }
    return connect();
}

std::optional<SqlFailure> SqlRuntime::connect() {
    MYSQL* connection = db_->init(nullptr);
    if (connection == nullptr) {
        return SqlFailure{"DBInitError", "out of memory"};
    }
    const unsigned timeout = static_cast<unsigned>(options_.connect_timeout.count());
    db_->options(connection, MYSQL_OPT_CONNECT_TIMEOUT, &timeout);
    db_->options(connection, MYSQL_SET_CHARSET_NAME, "utf8mb4");
    // utf8mb4 whatever the server's default (MariaDB's is latin1), so that any text can be stored.
    const std::string create =
        "CREATE DATABASE IF NOT EXISTS `" + options_.database + "` CHARACTER SET utf8mb4";
    if (db_->real_connect(connection, options_.host.c_str(), options_.user.c_str(), options_.password.c_str(),
                          nullptr, options_.port, nullptr, 0) == nullptr ||
        db_->real_query(connection, create.data(), create.size()) != 0 ||
        db_->select_db(connection, options_.database.c_str()) != 0) {
        SqlFailure failure{"DBInitError", error_text(*db_, connection)};
        common::log_fields(common::LogLevel::warn, "sql database unavailable", {{"reason", failure.evalue}});
        db_->close(connection);
        return failure;
    }
    std::lock_guard lock(handle_mutex_);
    if (stopping_) {  // the destructor's cancel missed this handle
        db_->close(connection);
        return SqlFailure{"DBInitError", "execd is shutting down"};
    }
    connection_ = connection;
    common::log_fields(common::LogLevel::info, "sql database connected",
                       {{"host", options_.host}, {"port", options_.port}, {"database", options_.database}});
    return std::nullopt;
}

SqlOutcome SqlRuntime::execute(const std::string& statement) {
    const auto started = std::chrono::steady_clock::now();
    if (db_->real_query(connection_, statement.data(), statement.size()) != 0) {
        SqlFailure failure{reads_like_query(statement) ? "DBQueryError" : "DBExecError",
                           error_text(*db_, connection_)};
        if (connection_lost(*db_, connection_)) {
            disconnect();
        }
        return failure;
    }
    std::string text;
    if (db_->field_count(connection_) > 0) {
        MYSQL_RES* result = db_->store_result(connection_);
        if (result == nullptr) {
            SqlFailure failure{"RowIterationError", error_text(*db_, connection_)};
            disconnect();
            return failure;
        }
        text = table_json(fetch_table(*db_, result));
        db_->free_result(result);
    } else {
        text = affected_rows_json(db_->affected_rows(connection_));
    }
    drain_results(*db_, connection_);
    return SqlSuccess{std::move(text), std::chrono::duration_cast<std::chrono::milliseconds>(
                                           std::chrono::steady_clock::now() - started)};
}

void SqlRuntime::disconnect() {
    MYSQL* connection = nullptr;
    {
        std::lock_guard lock(handle_mutex_);
        std::swap(connection, connection_);
    }
    if (connection != nullptr) {
        db_->close(connection);
    }
}

}  // namespace execd::sql
