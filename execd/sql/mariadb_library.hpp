#pragma once

#include <mysql.h>

#include <string>
#include <variant>

namespace execd::sql {

// The MariaDB client library's functions the SQL runtime calls. execd does not link libmariadb: it
// brings libssl, libcrypto and libz into every process, and most sandboxes never run SQL. The library
// is opened when the first SQL cell runs; the pointer types come from <mysql.h> so that they keep the
// library's signatures.
struct MariadbLibrary {
    decltype(&mysql_server_init) server_init;
    decltype(&mysql_init) init;
    decltype(&mysql_options) options;
    decltype(&mysql_real_connect) real_connect;
    decltype(&mysql_select_db) select_db;
    decltype(&mysql_ping) ping;
    decltype(&mysql_real_query) real_query;
    decltype(&mysql_field_count) field_count;
    decltype(&mysql_affected_rows) affected_rows;
    decltype(&mysql_store_result) store_result;
    decltype(&mysql_next_result) next_result;
    decltype(&mysql_num_fields) num_fields;
    decltype(&mysql_fetch_fields) fetch_fields;
    decltype(&mysql_fetch_row) fetch_row;
    decltype(&mysql_fetch_lengths) fetch_lengths;
    decltype(&mysql_free_result) free_result;
    decltype(&mysql_errno) error_number;
    decltype(&mysql_error) error;
    decltype(&mysql_sqlstate) sqlstate;
    decltype(&mariadb_cancel) cancel;
    decltype(&mysql_close) close;
};

inline constexpr const char* kMariadbLibraryName = "libmariadb.so.3";

// Why the library could not be used, ready for a DBInitError event.
struct MariadbLoadError {
    std::string message;
};

using MariadbLoad = std::variant<const MariadbLibrary*, MariadbLoadError>;

// Opens `soname` (RTLD_NOW | RTLD_LOCAL), resolves every function and initialises the library. A
// library that loaded stays loaded for the life of the process and later calls return it at once; a
// failure is not remembered, so the next call tries again (the package may have been installed
// meanwhile). Thread-safe.
MariadbLoad load_mariadb_library(const std::string& soname = kMariadbLibraryName);

}  // namespace execd::sql
