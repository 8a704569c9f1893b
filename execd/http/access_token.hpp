#pragma once

#include <memory>
#include <optional>
#include <string>
#include <string_view>

#include "http/token_file.hpp"

namespace execd::http {

// The X-EXECD-ACCESS-TOKEN check. With no token configured every request passes.
class AccessToken {
  public:
    explicit AccessToken(std::string expected) : expected_(std::move(expected)) {}
    // The token of `file`, followed as the file changes.
    explicit AccessToken(std::shared_ptr<TokenFile> file) : file_(std::move(file)) {}

    // Compares in time that depends only on the lengths, never on where the values differ.
    bool allows(std::optional<std::string_view> presented) const;

    static constexpr std::string_view kHeader = "X-EXECD-ACCESS-TOKEN";

  private:
    std::string expected_;
    std::shared_ptr<TokenFile> file_;
};

}  // namespace execd::http
