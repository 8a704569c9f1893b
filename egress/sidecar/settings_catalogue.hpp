#pragma once

#include <cstddef>
#include <span>
#include <string>
#include <string_view>

namespace egress::sidecar {

// One environment variable egress reads, as docs/egress.md (or docs/credential-vault.md) describes
// it: `default_text` is what applies when it is unset or empty, `meaning` one line about it.
struct Setting {
    std::string_view variable;
    std::string_view default_text;
    std::string_view meaning;
    std::string_view group;
};

// Every variable egress reads, grouped (rows of one group are adjacent) in the docs' order.
std::span<const Setting> settings_catalogue();

// The catalogue as the footer of `egress --help`: one heading per group, each variable with its
// default, its meaning wrapped to `width` columns.
std::string settings_help(std::size_t width = 100);

}  // namespace egress::sidecar
