// The MariaDB client of the statically linked execd: Debian's libmariadb.a (with OpenSSL's and
// zlib's archives) is linked in, so SQL cells work in any image, and load_mariadb_library hands out
// the linked functions instead of opening libmariadb.so.3 (which a static program must not load:
// it would bring a second C library into the process).
//
// The client's built-in authentication plugins are mysql_native_password and the old password
// scheme. Others (caching_sha2_password, ed25519, ...) are separate shared objects the client
// would dlopen from its plugin directory; every connection of this execd gets a plugin directory
// that cannot exist, so such a server account fails with the client's "plugin cannot be loaded"
// message rather than mapping a glibc-linked module into the process. For the same reason OpenSSL
// is initialised without reading the image's openssl.cnf (whose engines and provider modules would
// be shared objects too); the client needs no configuration, and execd asks it for no TLS.
#include <openssl/crypto.h>

#include <mutex>
#include <string>
#include <utility>

#include "sql/mariadb_library.hpp"

namespace execd::sql {
namespace {

// Under /proc/self, where no file can be created.
constexpr const char* kNoClientPlugins = "/proc/self/execd-single-links-no-mariadb-plugins";

MYSQL* init_without_plugins(MYSQL* connection) {
    MYSQL* handle = mysql_init(connection);
    if (handle != nullptr) {
        mysql_options(handle, MYSQL_PLUGIN_DIR, kNoClientPlugins);
    }
    return handle;
}

MariadbLibrary linked_library() {
    MariadbLibrary library{};
    library.server_init = &mysql_server_init;
    library.init = &init_without_plugins;
    library.options = &mysql_options;
    library.real_connect = &mysql_real_connect;
    library.select_db = &mysql_select_db;
    library.ping = &mysql_ping;
    library.real_query = &mysql_real_query;
    library.field_count = &mysql_field_count;
    library.affected_rows = &mysql_affected_rows;
    library.store_result = &mysql_store_result;
    library.next_result = &mysql_next_result;
    library.num_fields = &mysql_num_fields;
    library.fetch_fields = &mysql_fetch_fields;
    library.fetch_row = &mysql_fetch_row;
    library.fetch_lengths = &mysql_fetch_lengths;
    library.free_result = &mysql_free_result;
    library.error_number = &mysql_errno;
    library.error = &mysql_error;
    library.sqlstate = &mysql_sqlstate;
    library.cancel = &mariadb_cancel;
    library.close = &mysql_close;
    return library;
}

// Empty when the client is ready. OpenSSL first, without configuration: once initialised so, the
// client's own request to load the configuration does nothing.
std::string initialise_client(const MariadbLibrary& library) {
    if (OPENSSL_init_crypto(OPENSSL_INIT_NO_LOAD_CONFIG, nullptr) == 0) {
        return "OpenSSL failed to initialise for the linked MariaDB client";
    }
    if (library.server_init(0, nullptr, nullptr) != 0) {
        return "the linked MariaDB client failed to initialise";
    }
    return {};
}

}  // namespace

// `soname` does not matter: the client is part of this program. Initialised on the first SQL run,
// as the loaded library is; a failure is reported and tried again on the next run.
MariadbLoad load_mariadb_library(const std::string& /*soname*/) {
    static std::mutex mutex;
    static bool initialised = false;
    static const MariadbLibrary library = linked_library();
    std::lock_guard lock(mutex);
    if (!initialised) {
        if (std::string failure = initialise_client(library); !failure.empty()) {
            return MariadbLoadError{std::move(failure)};
        }
        initialised = true;
    }
    return &library;
}

}  // namespace execd::sql
