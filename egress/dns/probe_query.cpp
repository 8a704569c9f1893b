#include "dns/probe_query.hpp"

#include <stdexcept>
#include <string>

#include "dns/wire_name.hpp"
#include "dns/wire_record.hpp"

namespace egress::dns {
namespace {

constexpr uint16_t kProbeTypeNs = 2;
constexpr uint16_t kProbeClassIn = 1;

void append_probe_u16(std::vector<uint8_t>& out, uint16_t value) {
    out.push_back(static_cast<uint8_t>(value >> 8));
    out.push_back(static_cast<uint8_t>(value));
}

// ID 0, RD=1, one question.
std::vector<uint8_t> probe_header() {
    return {0, 0, 0x01, 0, 0, 1, 0, 0, 0, 0, 0, 0};
}

void append_probe_name(std::vector<uint8_t>& out, std::string_view name) {
    const std::string quoted = "\"" + std::string(name) + "\"";
    if (name.ends_with('.')) {
        name.remove_suffix(1);
    }
    size_t wire_length = 1;  // the root label
    while (true) {
        const size_t dot = name.find('.');
        const std::string_view label = name.substr(0, dot);
        if (label.empty()) {
            throw std::invalid_argument(quoted + " has an empty label");
        }
        if (label.size() > kMaxLabelLength) {
            throw std::invalid_argument(quoted + " has a label longer than 63 octets");
        }
        wire_length += 1 + label.size();
        out.push_back(static_cast<uint8_t>(label.size()));
        out.insert(out.end(), label.begin(), label.end());
        if (dot == std::string_view::npos) {
            break;
        }
        name.remove_prefix(dot + 1);
    }
    if (wire_length > kMaxNameLength) {
        throw std::invalid_argument(quoted + " is longer than 255 octets in wire form");
    }
    out.push_back(0);
}

}  // namespace

std::vector<uint8_t> build_probe_query(std::string_view name) {
    std::vector<uint8_t> query = probe_header();
    if (name.empty() || name == ".") {
        query.push_back(0);
        append_probe_u16(query, kProbeTypeNs);
    } else {
        append_probe_name(query, name);
        append_probe_u16(query, kTypeA);
    }
    append_probe_u16(query, kProbeClassIn);
    return query;
}

std::vector<uint8_t> build_query(std::string_view name, uint16_t qtype, uint16_t id) {
    std::vector<uint8_t> query = probe_header();
    query[0] = static_cast<uint8_t>(id >> 8);
    query[1] = static_cast<uint8_t>(id);
    append_probe_name(query, name);
    append_probe_u16(query, qtype);
    append_probe_u16(query, kProbeClassIn);
    return query;
}

}  // namespace egress::dns
