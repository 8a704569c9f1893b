#pragma once

#include <string>
#include <string_view>

namespace execd::sql {

// The cell's text as sent to the server: trailing whitespace and semicolons removed, so that
// "SELECT 1;" works although only one statement per cell is accepted.
std::string statement_text(std::string_view code);

// Whether the statement's first keyword (after whitespace and opening parentheses) is one that
// returns rows: SELECT, SHOW, WITH, DESC, DESCRIBE, EXPLAIN, VALUES or TABLE. It only picks the name
// of a failure (DBQueryError or DBExecError, as upstream names them); whether a statement produced
// rows is decided by the server's answer.
bool reads_like_query(std::string_view statement);

}  // namespace execd::sql
