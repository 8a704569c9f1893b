#include "sql/sql_result_json.hpp"

#include <nlohmann/json.hpp>

namespace execd::sql {
namespace {

using nlohmann::json;

std::string dump(const json& value) {
    return value.dump(-1, ' ', false, json::error_handler_t::replace);
}

}  // namespace

std::string table_json(const SqlTable& table) {
    json rows = json::array();
    for (const auto& row : table.rows) {
        json values = json::array();
        for (const auto& value : row) {
            values.push_back(value ? json(*value) : json(nullptr));
        }
        rows.push_back(std::move(values));
    }
    json answer = json::object();
    answer["columns"] = table.columns;
    answer["rows"] = std::move(rows);
    return dump(answer);
}

std::string affected_rows_json(uint64_t affected_rows) {
    json answer = json::object();
    answer["columns"] = json::array({"affected_rows"});
    answer["rows"] = json::array({json::array({affected_rows})});
    return dump(answer);
}

}  // namespace execd::sql
