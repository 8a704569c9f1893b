// POST /code with language "sql" against the real execd binary and a real MariaDB server started by
// the suite (one server for the suite; the last test stops and restarts it).
#include <gtest/gtest.h>

#include <fstream>
#include <future>
#include <regex>
#include <sstream>
#include <thread>

#include "execd_test_support.hpp"
#include "mariadb_server.hpp"

namespace execd_test {
namespace {

using nlohmann::json;

class ExecdSqlTest : public ::testing::Test {
  protected:
    static void SetUpTestSuite() {
        mariadb_ = new MariadbServer();
        if (!mariadb_->available()) {
            return;
        }
        mariadb_->start();
        execd_ = new ExecdProcess(sql_flags());
    }
    static void TearDownTestSuite() {
        delete execd_;
        execd_ = nullptr;
        delete mariadb_;
        mariadb_ = nullptr;
    }
    void SetUp() override {
        if (execd_ == nullptr) {
            GTEST_SKIP() << "mariadb-server is not installed";
        }
    }

    static std::vector<std::string> sql_flags() {
        return {"--sql-port", std::to_string(mariadb_->port()), "--graceful-shutdown-timeout", "0s"};
    }

    // The run's events without the heartbeat's pings.
    static std::vector<json> run_sql(const std::string& code, uint16_t on_port = 0) {
        const HttpResponse response =
            http_request(on_port != 0 ? on_port : execd_->port(), "POST", "/code",
                         json{{"context", {{"language", "sql"}}}, {"code", code}}.dump());
        EXPECT_EQ(response.status, 200) << response.body;
        std::vector<json> events;
        for (auto& event : parse_events(response.body)) {
            if (event["type"] != "ping") {
                events.push_back(std::move(event));
            }
        }
        return events;
    }

    // The parsed result text of a successful run; fails the test for anything else.
    static json result_of(const std::string& code, uint16_t on_port = 0) {
        const auto events = run_sql(code, on_port);
        std::vector<std::string> types;
        for (const auto& event : events) {
            types.push_back(event["type"]);
        }
        EXPECT_EQ(types,
                  (std::vector<std::string>{"init", "execution_count", "result", "execution_complete"}))
            << code << "\n"
            << json(events).dump();
        if (types.size() != 4 || types[2] != "result") {
            return json();
        }
        EXPECT_EQ(events[1]["execution_count"], 1);
        return json::parse(events[2]["results"]["text"].get<std::string>());
    }

    static json affected_rows(uint64_t count) {
        return json{{"columns", {"affected_rows"}}, {"rows", json::array({json::array({count})})}};
    }

    // The error event of a failed run; fails the test unless the run was init then that error.
    static json error_of(const std::string& code, uint16_t on_port = 0) {
        const auto events = run_sql(code, on_port);
        EXPECT_EQ(events.size(), 2u) << json(events).dump();
        if (events.size() != 2 || events[1]["type"] != "error") {
            ADD_FAILURE() << "no error event: " << json(events).dump();
            return json();
        }
        EXPECT_TRUE(events[1]["error"]["traceback"].is_null());
        return events[1]["error"];
    }

    static MariadbServer* mariadb_;
    static ExecdProcess* execd_;
};

MariadbServer* ExecdSqlTest::mariadb_ = nullptr;
ExecdProcess* ExecdSqlTest::execd_ = nullptr;

std::string mapped_files(pid_t pid) {
    std::ifstream maps("/proc/" + std::to_string(pid) + "/maps");
    std::ostringstream text;
    text << maps.rdbuf();
    return text.str();
}

// execd does not link the MariaDB client (nor, through it, OpenSSL): an idle execd maps none of
// them, and the first SQL run opens libmariadb.
TEST_F(ExecdSqlTest, ClientLibraryIsLoadedByTheFirstRun) {
    ExecdProcess execd(sql_flags());
    ASSERT_EQ(http_request(execd.port(), "GET", "/ping").status, 200);
    const std::string idle = mapped_files(execd.pid());
    ASSERT_NE(idle.find("execd"), std::string::npos) << idle;
    for (const char* library : {"libmariadb", "libssl", "libcrypto"}) {
        EXPECT_EQ(idle.find(library), std::string::npos) << library << " mapped by an idle execd:\n" << idle;
    }
    EXPECT_EQ(result_of("SELECT 1 AS one", execd.port()),
              json::parse(R"({"columns":["one"],"rows":[["1"]]})"));
    EXPECT_NE(mapped_files(execd.pid()).find("libmariadb.so.3"), std::string::npos);
}

TEST_F(ExecdSqlTest, CreateInsertSelectKeepsStringsNullsAndNumbers) {
    EXPECT_EQ(result_of("CREATE TABLE people (id INT PRIMARY KEY, name VARCHAR(100), score DECIMAL(5,2), "
                        "ratio DOUBLE, note TEXT)"),
              affected_rows(0));
    EXPECT_EQ(result_of("INSERT INTO people VALUES (1, 'Zoë 😀 中文', 12.50, 0.25, NULL), "
                        "(2, 'O''Brien \"the\" \\\\ back', -3.00, NULL, 'line1\\nline2'), "
                        "(3, '', NULL, 1e3, '<a&b>');"),
              affected_rows(3));
    const json table = result_of("SELECT id, name, score, ratio, note FROM people ORDER BY id");
    EXPECT_EQ(table["columns"], json({"id", "name", "score", "ratio", "note"}));
    EXPECT_EQ(table["rows"], json::parse(R"([
        ["1", "Zoë 😀 中文", "12.50", "0.25", null],
        ["2", "O'Brien \"the\" \\ back", "-3.00", null, "line1\nline2"],
        ["3", "", null, "1000", "<a&b>"]])"));
    EXPECT_EQ(result_of("UPDATE people SET note = 'seen' WHERE id <> 2"), affected_rows(2));
    EXPECT_EQ(result_of("SELECT COUNT(*) AS n, SUM(id) FROM people WHERE note = 'seen'"),
              json::parse(R"json({"columns":["n","SUM(id)"],"rows":[["2","4"]]})json"));
}

TEST_F(ExecdSqlTest, EventsFollowUpstreamsOrderAndShape) {
    const auto events = run_sql("SELECT 1 AS one");
    ASSERT_EQ(events.size(), 4u);
    EXPECT_TRUE(std::regex_match(events[0]["text"].get<std::string>(),
                                 std::regex("[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}")))
        << events[0].dump();
    EXPECT_EQ(normalized(events[1]), R"({"execution_count":1,"timestamp":0,"type":"execution_count"})");
    EXPECT_EQ(
        normalized(events[2]),
        R"({"results":{"text":"{\"columns\":[\"one\"],\"rows\":[[\"1\"]]}"},"timestamp":0,"type":"result"})");
    EXPECT_EQ(events[3]["type"], "execution_complete");
    EXPECT_NE(run_sql("SELECT 1")[0]["text"], events[0]["text"]);  // a new id per run
}

TEST_F(ExecdSqlTest, StatementsWithoutRowsAndQueriesWithoutRowsAreToldApart) {
    EXPECT_EQ(result_of("  create table empty_one (id int)"), affected_rows(0));
    // A query that matches nothing still has its columns; a statement never has rows of its own.
    EXPECT_EQ(result_of("select id from empty_one"), json::parse(R"({"columns":["id"],"rows":[]})"));
    // Not SELECT, yet it returns rows (upstream would have run these as statements).
    EXPECT_EQ(result_of("SHOW TABLES LIKE 'empty_one'")["rows"], json::parse(R"([["empty_one"]])"));
    EXPECT_EQ(result_of("WITH t AS (SELECT 7 AS x) SELECT x FROM t")["rows"], json::parse(R"([["7"]])"));
    EXPECT_EQ(result_of("SELECT DATABASE()")["rows"], json::parse(R"([["sandbox"]])"));
}

TEST_F(ExecdSqlTest, FailuresAreErrorEventsWithUpstreamsNames) {
    json error = error_of("SELECT FROM WHERE");
    EXPECT_EQ(error["ename"], "DBQueryError");
    EXPECT_EQ(error["evalue"].get<std::string>().rfind(
                  "Error 1064 (42000): You have an error in your SQL syntax", 0),
              0u)
        << error.dump();
    error = error_of("INSERT INTO no_such_table VALUES (1)");
    EXPECT_EQ(error["ename"], "DBExecError");
    EXPECT_EQ(error["evalue"], "Error 1146 (42S02): Table 'sandbox.no_such_table' doesn't exist");
    // One statement per cell.
    EXPECT_EQ(error_of("SELECT 1; SELECT 2")["ename"], "DBQueryError");
    // The connection is still good afterwards.
    EXPECT_EQ(result_of("SELECT 2 AS two")["rows"], json::parse(R"([["2"]])"));
}

TEST_F(ExecdSqlTest, ConcurrentRunsAllComplete) {
    EXPECT_EQ(result_of("CREATE TABLE counter (n INT)"), affected_rows(0));
    std::vector<std::future<json>> runs;
    for (int run = 0; run < 6; ++run) {
        runs.push_back(
            std::async(std::launch::async, [] { return result_of("INSERT INTO counter VALUES (1)"); }));
    }
    for (auto& run : runs) {
        EXPECT_EQ(run.get(), affected_rows(1));
    }
    EXPECT_EQ(result_of("SELECT SUM(n) FROM counter")["rows"], json::parse(R"([["6"]])"));
}

TEST_F(ExecdSqlTest, SqlHasNoCodeContexts) {
    HttpResponse response = http_request(execd_->port(), "POST", "/code/context", R"({"language":"sql"})");
    EXPECT_EQ(response.status, 400);
    EXPECT_EQ(
        response.body,
        R"({"code":"NOT_SUPPORTED","message":"error creating code context. language sql has no code contexts"})");
    response = http_request(execd_->port(), "GET", "/code/contexts?language=sql");
    EXPECT_EQ(response.status, 500);
    EXPECT_EQ(response.body,
              R"({"code":"RUNTIME_ERROR","message":"unsupported language context operation: sql"})");
}

TEST_F(ExecdSqlTest, ShutdownAbortsARunningStatement) {
    ExecdProcess execd(sql_flags());
    HttpConnection slow(execd.port());
    slow.send_request("POST", "/code",
                      json{{"context", {{"language", "sql"}}}, {"code", "SELECT SLEEP(30)"}}.dump());
    ASSERT_EQ(slow.read_head().status, 200);
    ASSERT_TRUE(slow.read_chunk().has_value());                   // init
    std::this_thread::sleep_for(std::chrono::milliseconds(200));  // the statement reaches the server
    const auto started = std::chrono::steady_clock::now();
    EXPECT_EQ(execd.terminate(std::chrono::seconds(10)), 0);
    EXPECT_LT(std::chrono::steady_clock::now() - started, std::chrono::seconds(5));
}

// Upstream connects once and never retries; here a server that is down fails the run with
// DBInitError and the next run after it is back succeeds, whether execd was connected before or not.
TEST_F(ExecdSqlTest, ServerDownThenUp) {
    EXPECT_EQ(result_of("CREATE TABLE kept (id INT)"), affected_rows(0));
    EXPECT_EQ(result_of("INSERT INTO kept VALUES (1), (2)"), affected_rows(2));
    mariadb_->stop();
    ExecdProcess started_while_down(sql_flags());
    for (const uint16_t port : {execd_->port(), started_while_down.port()}) {
        const json error = error_of("SELECT * FROM kept", port);
        EXPECT_EQ(error["ename"], "DBInitError");
        EXPECT_NE(error["evalue"].get<std::string>().find("Can't connect"), std::string::npos)
            << error.dump();
    }
    mariadb_->start();
    for (const uint16_t port : {execd_->port(), started_while_down.port()}) {
        EXPECT_EQ(result_of("SELECT id FROM kept ORDER BY id", port)["rows"],
                  json::parse(R"([["1"],["2"]])"));
    }
}

}  // namespace
}  // namespace execd_test
