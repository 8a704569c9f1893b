#include "sql/sql_result_json.hpp"

#include <gtest/gtest.h>

#include "sql/sql_statement.hpp"

namespace execd::sql {
namespace {

TEST(SqlResultJson, ValuesAreStringsAndNullIsNull) {
    SqlTable table;
    table.columns = {"id", "name", "note"};
    table.rows = {{"1", "Zoë \"q\" 'x' \\", std::nullopt}, {"-2.50", "", "a\nb"}};
    EXPECT_EQ(
        table_json(table),
        R"({"columns":["id","name","note"],"rows":[["1","Zoë \"q\" 'x' \\",null],["-2.50","","a\nb"]]})");
}

TEST(SqlResultJson, NoRowsIsAnEmptyList) {
    SqlTable table;
    table.columns = {"id"};
    EXPECT_EQ(table_json(table), R"({"columns":["id"],"rows":[]})");
}

TEST(SqlResultJson, BytesThatAreNotUtf8BecomeReplacementCharacters) {
    SqlTable table;
    table.columns = {"blob"};
    table.rows = {
        {std::string("a\xff"
                     "b")}};
    EXPECT_EQ(table_json(table),
              "{\"columns\":[\"blob\"],\"rows\":[[\"a\xef\xbf\xbd"
              "b\"]]}");
}

TEST(SqlResultJson, AffectedRowsIsANumber) {
    EXPECT_EQ(affected_rows_json(0), R"({"columns":["affected_rows"],"rows":[[0]]})");
    EXPECT_EQ(affected_rows_json(18446744073709551615u),
              R"({"columns":["affected_rows"],"rows":[[18446744073709551615]]})");
}

TEST(SqlStatement, TrailingSemicolonsAndSpacesAreDropped) {
    EXPECT_EQ(statement_text("SELECT 1;"), "SELECT 1");
    EXPECT_EQ(statement_text("  SELECT ';' ; ;\n\t"), "  SELECT ';'");
    EXPECT_EQ(statement_text("SELECT 1; SELECT 2"), "SELECT 1; SELECT 2");
    EXPECT_EQ(statement_text(";"), "");
}

TEST(SqlStatement, QueryKeywordsNameTheFailure) {
    for (const char* query :
         {"select 1", "  (SELECT 1)", "SHOW TABLES", "with x as (select 1) select * from x", "DESCRIBE t",
          "desc t", "EXPLAIN SELECT 1", "VALUES (1)", "TABLE t"}) {
        EXPECT_TRUE(reads_like_query(query)) << query;
    }
    for (const char* statement :
         {"INSERT INTO t VALUES (1)", "selec 1", "selected", "", "  ", "CREATE TABLE t"}) {
        EXPECT_FALSE(reads_like_query(statement)) << statement;
    }
}

}  // namespace
}  // namespace execd::sql
