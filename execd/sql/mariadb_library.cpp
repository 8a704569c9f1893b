#include "sql/mariadb_library.hpp"

#include <dlfcn.h>

#include <map>
#include <mutex>
#include <string>
#include <utility>

namespace execd::sql {
namespace {

std::string load_error(const std::string& soname, const std::string& reason) {
    return "cannot load " + soname + ": " + reason +
           "; install the MariaDB client library (Debian: libmariadb3)";
}

std::string last_dl_error() {
    const char* text = dlerror();
    return text != nullptr ? text : "unknown dynamic loader error";
}

// Fills function pointers from an open library; remembers the first symbol it could not find.
class SymbolResolver {
  public:
    explicit SymbolResolver(void* handle) : handle_(handle) {}

    template <typename Function>
    void operator()(Function& slot, const char* name) {
        if (!failure_.empty()) {
            return;
        }
        dlerror();
        void* symbol = dlsym(handle_, name);
        if (symbol == nullptr) {
            failure_ = last_dl_error();
            return;
        }
        slot = reinterpret_cast<Function>(symbol);
    }

    const std::string& failure() const { return failure_; }

  private:
    void* handle_;
    std::string failure_;
};

std::string resolve_all(void* handle, MariadbLibrary& library) {
    SymbolResolver resolve(handle);
    resolve(library.server_init, "mysql_server_init");
    resolve(library.init, "mysql_init");
    resolve(library.options, "mysql_options");
    resolve(library.real_connect, "mysql_real_connect");
    resolve(library.select_db, "mysql_select_db");
    resolve(library.ping, "mysql_ping");
    resolve(library.real_query, "mysql_real_query");
    resolve(library.field_count, "mysql_field_count");
    resolve(library.affected_rows, "mysql_affected_rows");
    resolve(library.store_result, "mysql_store_result");
    resolve(library.next_result, "mysql_next_result");
    resolve(library.num_fields, "mysql_num_fields");
    resolve(library.fetch_fields, "mysql_fetch_fields");
    resolve(library.fetch_row, "mysql_fetch_row");
    resolve(library.fetch_lengths, "mysql_fetch_lengths");
    resolve(library.free_result, "mysql_free_result");
    resolve(library.error_number, "mysql_errno");
    resolve(library.error, "mysql_error");
    resolve(library.sqlstate, "mysql_sqlstate");
    resolve(library.cancel, "mariadb_cancel");
    resolve(library.close, "mysql_close");
    return resolve.failure();
}

// Empty on success; otherwise why `soname` cannot be used.
std::string open_library(const std::string& soname, MariadbLibrary& library) {
    void* handle = dlopen(soname.c_str(), RTLD_NOW | RTLD_LOCAL);
    if (handle == nullptr) {
        return load_error(soname, last_dl_error());
    }
    if (std::string failure = resolve_all(handle, library); !failure.empty()) {
        dlclose(handle);
        return load_error(soname, failure);
    }
    // Initialised here, once, rather than implicitly by the first mysql_init of some thread.
    if (library.server_init(0, nullptr, nullptr) != 0) {
        dlclose(handle);
        return load_error(soname, "the library failed to initialise");
    }
    return {};
}

}  // namespace

MariadbLoad load_mariadb_library(const std::string& soname) {
    static std::mutex mutex;
    // Never destroyed: a loaded library stays open for the life of the process, and a connection
    // closed late during exit still finds its functions.
    static auto* loaded = new std::map<std::string, MariadbLibrary>();
    std::lock_guard lock(mutex);
    if (auto found = loaded->find(soname); found != loaded->end()) {
        return &found->second;
    }
    MariadbLibrary library{};
    if (std::string failure = open_library(soname, library); !failure.empty()) {
        return MariadbLoadError{std::move(failure)};
    }
    return &loaded->emplace(soname, library).first->second;
}

}  // namespace execd::sql
