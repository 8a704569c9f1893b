#pragma once

#include <optional>
#include <string>
#include <string_view>

namespace execd::http {

// The X-EXECD-ACCESS-TOKEN check. With no token configured every request passes.
class AccessToken {
  public:
    explicit AccessToken(std::string expected) : expected_(std::move(expected)) {}

    // Compares in time that depends only on the lengths, never on where the values differ.
    bool allows(std::optional<std::string_view> presented) const;

    static constexpr std::string_view kHeader = "X-EXECD-ACCESS-TOKEN";

  private:
    std::string expected_;
};

}  // namespace execd::http
