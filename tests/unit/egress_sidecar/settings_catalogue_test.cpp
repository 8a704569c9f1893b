#include "sidecar/settings_catalogue.hpp"

#include <gtest/gtest.h>
#include <stdio.h>
#include <sys/wait.h>

#include <filesystem>
#include <fstream>
#include <regex>
#include <set>
#include <sstream>
#include <string>
#include <vector>

namespace egress::sidecar {
namespace {

namespace fs = std::filesystem;

const fs::path kCatalogueSourceDir = OPENSANDBOX_SOURCE_DIR;

// The calls that take an environment variable's name as their first argument: the libc ones, the
// common::env_* helpers and the methods of ConfigReader.
const char* const kCatalogueReaderCalls =
    "getenv|secure_getenv|env_raw|env_trimmed|env_or|env_truthy|env_int_in_range_or|env_int_clamped|env_list|"
    "raw|text|flag|integer";

std::string catalogue_read_text(const fs::path& path) {
    std::ifstream file(path);
    std::ostringstream text;
    text << file.rdbuf();
    return text.str();
}

bool catalogue_is_source(const fs::path& path) {
    const std::string extension = path.extension().string();
    return extension == ".cpp" || extension == ".hpp" || extension == ".h" || extension == ".in";
}

// The catalogue names every variable itself; it must not count as code that reads them.
bool catalogue_is_skipped(const fs::path& path) {
    return path.stem() == "settings_catalogue";
}

// Variables only execd reads, should a shared file name one.
bool catalogue_is_execd_only(const std::string& name) {
    return name.starts_with("OPENSANDBOX_EXECD_") || name.starts_with("EXECD_");
}

void catalogue_collect(const std::string& text, const std::regex& pattern, std::set<std::string>& names) {
    for (std::sregex_iterator match(text.begin(), text.end(), pattern), end; match != end; ++match) {
        const std::string name = (*match)[1].str();
        if (!catalogue_is_execd_only(name)) {
            names.insert(name);
        }
    }
}

// Every variable egress's code and the common library it links may read: a string literal that is
// exactly an OPENSANDBOX_* or OTEL_* name, and the upper-case literal first argument of any call
// in kCatalogueReaderCalls (HOST_IP, PATH, ...).
std::set<std::string> variables_read_by_code() {
    const std::regex whole_literal(R"re("((?:OPENSANDBOX|OTEL)_[A-Z0-9_]+)")re");
    const std::regex reader_call(std::string(R"re(\b(?:)re") + kCatalogueReaderCalls +
                                 R"re()\s*\(\s*"([A-Z][A-Z0-9_]*)")re");
    std::set<std::string> names;
    for (const char* directory : {"egress", "common/src", "common/include"}) {
        for (const auto& entry : fs::recursive_directory_iterator(kCatalogueSourceDir / directory)) {
            if (!entry.is_regular_file() || !catalogue_is_source(entry.path()) ||
                catalogue_is_skipped(entry.path())) {
                continue;
            }
            const std::string text = catalogue_read_text(entry.path());
            catalogue_collect(text, whole_literal, names);
            catalogue_collect(text, reader_call, names);
        }
    }
    return names;
}

std::set<std::string> catalogue_variables() {
    std::set<std::string> names;
    for (const Setting& setting : settings_catalogue()) {
        names.insert(std::string(setting.variable));
    }
    return names;
}

std::string catalogue_join(const std::vector<std::string>& names) {
    std::string joined;
    for (const auto& name : names) {
        joined += (joined.empty() ? "" : ", ") + name;
    }
    return joined.empty() ? "(none)" : joined;
}

std::vector<std::string> catalogue_missing(const std::set<std::string>& wanted,
                                           const std::set<std::string>& have) {
    std::vector<std::string> missing;
    for (const auto& name : wanted) {
        if (!have.contains(name)) {
            missing.push_back(name);
        }
    }
    return missing;
}

// True when `name` occurs in `text` as a whole name (not inside a longer one).
bool catalogue_mentions(const std::string& text, const std::string& name) {
    auto is_name_char = [](char c) { return (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '_'; };
    for (size_t at = text.find(name); at != std::string::npos; at = text.find(name, at + 1)) {
        const bool starts = at == 0 || !is_name_char(text[at - 1]);
        const size_t after = at + name.size();
        if (starts && (after == text.size() || !is_name_char(text[after]))) {
            return true;
        }
    }
    return false;
}

struct CatalogueHelpRun {
    int status = -1;
    std::string output;
};

CatalogueHelpRun catalogue_run_help() {
    CatalogueHelpRun run;
    FILE* pipe = ::popen(EGRESS_BINARY " --help 2>&1", "r");
    if (pipe == nullptr) {
        return run;
    }
    char buffer[4096];
    for (size_t read = 0; (read = ::fread(buffer, 1, sizeof buffer, pipe)) > 0;) {
        run.output.append(buffer, read);
    }
    const int status = ::pclose(pipe);
    run.status = WIFEXITED(status) ? WEXITSTATUS(status) : -1;
    return run;
}

TEST(SettingsCatalogueTest, MatchesTheVariablesTheCodeReads) {
    const std::set<std::string> read = variables_read_by_code();
    const std::set<std::string> listed = catalogue_variables();
    const auto unlisted = catalogue_missing(read, listed);
    const auto unread = catalogue_missing(listed, read);
    EXPECT_TRUE(unlisted.empty() && unread.empty())
        << "read by egress or common but missing from egress/sidecar/settings_catalogue.cpp: "
        << catalogue_join(unlisted)
        << "\nin the catalogue but read nowhere in egress or common: " << catalogue_join(unread);
}

TEST(SettingsCatalogueTest, ScanKnowsEveryEnvironmentHelper) {
    const std::string header = catalogue_read_text(kCatalogueSourceDir / "common/include/common/config.hpp");
    const std::regex helper(R"re(\b(env_[a-z_]+)\s*\()re");
    std::set<std::string> helpers;
    for (std::sregex_iterator match(header.begin(), header.end(), helper), end; match != end; ++match) {
        helpers.insert((*match)[1].str());
    }
    ASSERT_FALSE(helpers.empty());
    const std::string known = std::string("|") + kCatalogueReaderCalls + "|";
    for (const auto& name : helpers) {
        EXPECT_NE(known.find("|" + name + "|"), std::string::npos)
            << "common::" << name << " reads the environment; add it to kCatalogueReaderCalls";
    }
}

TEST(SettingsCatalogueTest, EveryVariableIsDocumented) {
    const std::string docs = catalogue_read_text(kCatalogueSourceDir / "docs/egress.md") +
                             catalogue_read_text(kCatalogueSourceDir / "docs/credential-vault.md");
    std::vector<std::string> undocumented;
    for (const Setting& setting : settings_catalogue()) {
        if (!catalogue_mentions(docs, std::string(setting.variable))) {
            undocumented.push_back(std::string(setting.variable));
        }
    }
    EXPECT_TRUE(undocumented.empty()) << "in the catalogue but in neither docs/egress.md nor "
                                         "docs/credential-vault.md: "
                                      << catalogue_join(undocumented);
}

TEST(SettingsCatalogueTest, RowsAreCompleteUniqueAndGrouped) {
    std::set<std::string> variables;
    std::set<std::string> finished_groups;
    std::string_view group;
    for (const Setting& setting : settings_catalogue()) {
        EXPECT_FALSE(setting.default_text.empty()) << setting.variable;
        EXPECT_FALSE(setting.meaning.empty()) << setting.variable;
        EXPECT_TRUE(variables.insert(std::string(setting.variable)).second)
            << "listed twice: " << setting.variable;
        if (setting.group != group) {
            EXPECT_TRUE(finished_groups.insert(std::string(group)).second || group.empty());
            EXPECT_FALSE(finished_groups.contains(std::string(setting.group)))
                << "group split in two: " << setting.group;
            group = setting.group;
        }
    }
}

TEST(SettingsCatalogueTest, HelpFitsTheWidth) {
    std::istringstream help(settings_help(100));
    for (std::string line; std::getline(help, line);) {
        EXPECT_LE(line.size(), 100u) << line;
    }
}

TEST(EgressHelpTest, ListsEveryCatalogueVariable) {
    const CatalogueHelpRun run = catalogue_run_help();
    EXPECT_EQ(run.status, 0) << run.output;
    EXPECT_NE(run.output.find("--check-policy"), std::string::npos) << run.output;
    std::vector<std::string> absent;
    for (const Setting& setting : settings_catalogue()) {
        if (!catalogue_mentions(run.output, std::string(setting.variable))) {
            absent.push_back(std::string(setting.variable));
        }
    }
    EXPECT_TRUE(absent.empty()) << "egress --help does not list: " << catalogue_join(absent);
}

}  // namespace
}  // namespace egress::sidecar
