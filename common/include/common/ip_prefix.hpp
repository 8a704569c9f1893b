#pragma once

#include <optional>
#include <string>
#include <string_view>

#include "common/ip_address.hpp"

namespace common {

// An address with a prefix length ("10.0.0.0/8", "2001:db8::/32"). The stored address may carry
// host bits until masked() is called, so callers can tell "10.0.0.1/8" from "10.0.0.0/8".
class IpPrefix {
  public:
    // Strict "address/length": the length is decimal without leading zeros, within the family.
    static std::optional<IpPrefix> parse(std::string_view text);
    // Same as parse(), but throws std::invalid_argument saying what is wrong with the input.
    static IpPrefix parse_or_throw(std::string_view text);
    // A single address as a prefix (/32 or /128).
    static IpPrefix host(const IpAddress& address);
    // Throws std::invalid_argument when length exceeds the family's bit length.
    IpPrefix(const IpAddress& address, int length);

    const IpAddress& address() const { return address_; }
    int length() const { return length_; }
    IpFamily family() const { return address_.family(); }
    bool is_host() const { return length_ == address_.bit_length(); }

    IpPrefix masked() const;
    bool has_host_bits() const { return masked().address_ != address_; }

    bool contains(const IpAddress& address) const;
    // True when every address of other is in this prefix (a prefix contains itself).
    bool contains(const IpPrefix& other) const;

    // "addr/len"; a host prefix prints as the plain address only with to_compact_string().
    std::string to_string() const;
    std::string to_compact_string() const;

    auto operator<=>(const IpPrefix&) const = default;
    bool operator==(const IpPrefix&) const = default;

  private:
    IpAddress address_;
    int length_;
};

}  // namespace common
