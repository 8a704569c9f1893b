// Loading the MariaDB client library on demand: the real library, a missing one, one without the
// functions, and what a SQL run reports when the library cannot be loaded.
#include "sql/mariadb_library.hpp"

#include <gtest/gtest.h>

#include "sql/sql_runtime.hpp"

namespace execd::sql {
namespace {

constexpr const char* kMissingLibrary = "libopensandbox-no-such-client.so.3";
constexpr const char* kInstallHint = "; install the MariaDB client library (Debian: libmariadb3)";

std::string load_error_of(const std::string& soname) {
    MariadbLoad load = load_mariadb_library(soname);
    if (const auto* error = std::get_if<MariadbLoadError>(&load)) {
        return error->message;
    }
    ADD_FAILURE() << soname << " loaded";
    return {};
}

TEST(MariadbLibraryTest, TheInstalledLibraryLoadsOnceWithEveryFunction) {
    MariadbLoad first = load_mariadb_library();
    ASSERT_TRUE(std::holds_alternative<const MariadbLibrary*>(first))
        << std::get<MariadbLoadError>(first).message;
    const MariadbLibrary* library = std::get<const MariadbLibrary*>(first);
    EXPECT_NE(library->init, nullptr);
    EXPECT_NE(library->close, nullptr);
    EXPECT_NE(library->cancel, nullptr);
    MYSQL* handle = library->init(nullptr);
    ASSERT_NE(handle, nullptr);
    EXPECT_EQ(library->error_number(handle), 0u);
    library->close(handle);
    EXPECT_EQ(std::get<const MariadbLibrary*>(load_mariadb_library()), library);
}

TEST(MariadbLibraryTest, AMissingLibraryIsExplainedAndRetried) {
    const std::string message = load_error_of(kMissingLibrary);
    EXPECT_EQ(message.rfind(std::string("cannot load ") + kMissingLibrary + ": ", 0), 0u) << message;
    EXPECT_NE(message.find(kInstallHint), std::string::npos) << message;
    EXPECT_EQ(load_error_of(kMissingLibrary), message);  // not remembered: tried again
}

TEST(MariadbLibraryTest, ALibraryWithoutTheFunctionsNamesTheFirstMissingOne) {
    const std::string message = load_error_of("libc.so.6");
    EXPECT_EQ(message.rfind("cannot load libc.so.6: ", 0), 0u) << message;
    EXPECT_NE(message.find("mysql_server_init"), std::string::npos) << message;
    EXPECT_NE(message.find(kInstallHint), std::string::npos) << message;
}

TEST(MariadbLibraryTest, EveryRunReportsAMissingLibraryAsDBInitError) {
    SqlRuntimeOptions options;
    options.client_library = kMissingLibrary;
    SqlRuntime runtime(options);
    for (int run = 0; run < 2; ++run) {
        SqlOutcome outcome = runtime.run("SELECT 1");
        ASSERT_TRUE(std::holds_alternative<SqlFailure>(outcome));
        const auto& failure = std::get<SqlFailure>(outcome);
        EXPECT_EQ(failure.ename, "DBInitError");
        EXPECT_NE(failure.evalue.find(kMissingLibrary), std::string::npos) << failure.evalue;
        EXPECT_NE(failure.evalue.find(kInstallHint), std::string::npos) << failure.evalue;
    }
}

}  // namespace
}  // namespace execd::sql
