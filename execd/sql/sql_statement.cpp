#include "sql/sql_statement.hpp"

#include <array>
#include <cctype>

namespace execd::sql {
namespace {

bool is_space(char c) {
    return std::isspace(static_cast<unsigned char>(c)) != 0;
}

bool is_word(char c) {
    return std::isalnum(static_cast<unsigned char>(c)) != 0 || c == '_';
}

}  // namespace

std::string statement_text(std::string_view code) {
    while (!code.empty() && (is_space(code.back()) || code.back() == ';')) {
        code.remove_suffix(1);
    }
    return std::string(code);
}

bool reads_like_query(std::string_view statement) {
    std::size_t start = 0;
    while (start < statement.size() && (is_space(statement[start]) || statement[start] == '(')) {
        ++start;
    }
    std::string keyword;
    for (std::size_t at = start; at < statement.size() && is_word(statement[at]); ++at) {
        keyword += static_cast<char>(std::toupper(static_cast<unsigned char>(statement[at])));
    }
    static constexpr std::array<std::string_view, 8> kQueryKeywords = {
        "SELECT", "SHOW", "WITH", "DESC", "DESCRIBE", "EXPLAIN", "VALUES", "TABLE"};
    for (const auto query_keyword : kQueryKeywords) {
        if (keyword == query_keyword) {
            return true;
        }
    }
    return false;
}

}  // namespace execd::sql
