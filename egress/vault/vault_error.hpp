#pragma once

#include <stdexcept>
#include <string>

namespace egress::vault {

// A refused vault operation; kind picks upstream's status (404, 409, 400) and what() is the body.
class VaultError : public std::runtime_error {
  public:
    enum class Kind { not_found, conflict, invalid };

    VaultError(Kind kind, const std::string& message) : std::runtime_error(message), kind_(kind) {}
    Kind kind() const { return kind_; }

  private:
    Kind kind_;
};

}  // namespace egress::vault
