#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

namespace execd::sql {

// A result set as the server sent it in its text protocol: every value is its text, NULL is nullopt.
struct SqlTable {
    std::vector<std::string> columns;
    std::vector<std::vector<std::optional<std::string>>> rows;
};

// Upstream's result text for a statement that returned rows: {"columns":[...],"rows":[[...],...]}.
// Values are JSON strings (upstream prints every non-NULL value with Go's %v), NULL is null, bytes
// that are not UTF-8 become U+FFFD. "rows" is [] when there are none (upstream omits it).
std::string table_json(const SqlTable& table);

// Upstream's result text for a statement without rows: {"columns":["affected_rows"],"rows":[[N]]}.
std::string affected_rows_json(uint64_t affected_rows);

}  // namespace execd::sql
