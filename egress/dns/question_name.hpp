#pragma once

#include <array>
#include <cstdint>
#include <span>
#include <string_view>

#include "dns/wire_name.hpp"
#include "dns/wire_reader.hpp"

namespace egress::dns {

// The name of a query's question, held inline (no allocation per query) in the two forms the
// proxy needs: the wire form, to echo the question in its own replies, and the policy name.
class QuestionName {
  public:
    // Reads an uncompressed name at the reader's position. Fails, leaving this name empty, on a
    // label over 63 octets, a name over 255 octets, a truncated name, or a compression pointer:
    // the question is the first name of a message, so there is nothing earlier it could point at.
    bool read(WireReader& reader);
    void clear();

    bool empty() const { return wire_length_ == 0; }
    // As the client sent it (case kept), root label included; empty when no name was read.
    std::span<const uint8_t> wire() const { return std::span<const uint8_t>(wire_.data(), wire_length_); }
    // ASCII lowercased, labels joined by '.', no trailing dot, root = "". A '.' inside a label
    // becomes '/', which no policy target can contain, so a label like "evil.allowed" can never
    // pose as a subdomain of "allowed.com". Also the name logs and deny events carry (upstream
    // reports names lowercased, without the trailing dot).
    std::string_view policy_name() const { return std::string_view(policy_.data(), policy_length_); }

  private:
    void append_label(std::span<const uint8_t> label);

    std::array<uint8_t, kMaxNameLength> wire_{};
    std::array<char, kMaxNameLength> policy_{};
    uint8_t wire_length_ = 0;
    uint8_t policy_length_ = 0;
};

}  // namespace egress::dns
