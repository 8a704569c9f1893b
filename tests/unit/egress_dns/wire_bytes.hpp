#pragma once

#include <algorithm>
#include <cstdint>
#include <initializer_list>
#include <string>
#include <vector>

namespace egress::dns::testing {

// Assembles DNS messages byte by byte, so tests can build exactly the malformed input they need.
class WireBytes {
  public:
    WireBytes& header(uint16_t id, uint16_t flags, uint16_t questions, uint16_t answers = 0,
                      uint16_t authorities = 0, uint16_t additionals = 0) {
        return u16(id).u16(flags).u16(questions).u16(answers).u16(authorities).u16(additionals);
    }
    // Labels from a dotted name ("www.example.com"; "" is the root), uncompressed.
    WireBytes& name(const std::string& dotted) {
        size_t start = 0;
        while (start < dotted.size()) {
            const size_t dot = std::min(dotted.find('.', start), dotted.size());
            label(dotted.substr(start, dot - start));
            start = dot + 1;
        }
        return u8(0);
    }
    WireBytes& label(const std::string& text) {
        u8(static_cast<uint8_t>(text.size()));
        bytes_.insert(bytes_.end(), text.begin(), text.end());
        return *this;
    }
    WireBytes& pointer(uint16_t offset) {
        return u8(static_cast<uint8_t>(0xC0 | offset >> 8)).u8(offset & 0xFF);
    }
    WireBytes& question(const std::string& dotted, uint16_t type = 1, uint16_t rclass = 1) {
        return name(dotted).u16(type).u16(rclass);
    }
    // The fixed fields and RDATA of a record whose owner was just written.
    WireBytes& record_body(uint16_t type, uint16_t rclass, uint32_t ttl, const std::vector<uint8_t>& rdata) {
        u16(type).u16(rclass).u16(static_cast<uint16_t>(ttl >> 16)).u16(ttl & 0xFFFF);
        u16(static_cast<uint16_t>(rdata.size()));
        bytes_.insert(bytes_.end(), rdata.begin(), rdata.end());
        return *this;
    }
    WireBytes& opt(uint16_t udp_size, const std::vector<uint8_t>& options = {}) {
        return u8(0).record_body(41, udp_size, 0, options);
    }
    WireBytes& u8(uint8_t value) {
        bytes_.push_back(value);
        return *this;
    }
    WireBytes& u16(uint16_t value) { return u8(static_cast<uint8_t>(value >> 8)).u8(value & 0xFF); }
    WireBytes& raw(std::initializer_list<uint8_t> bytes) {
        bytes_.insert(bytes_.end(), bytes);
        return *this;
    }

    std::vector<uint8_t> bytes() const { return bytes_; }
    size_t size() const { return bytes_.size(); }

  private:
    std::vector<uint8_t> bytes_;
};

inline constexpr uint16_t kFlagsRd = 0x0100;

}  // namespace egress::dns::testing
