#include "dns/question_name.hpp"

namespace egress::dns {
namespace {

char policy_char(uint8_t byte) {
    if (byte >= 'A' && byte <= 'Z') {
        return static_cast<char>(byte - 'A' + 'a');
    }
    return byte == '.' ? '/' : static_cast<char>(byte);
}

}  // namespace

bool QuestionName::read(WireReader& reader) {
    clear();
    WireReader cursor = reader;
    for (;;) {
        uint8_t length = 0;
        if (!cursor.read_u8(length) || length > kMaxLabelLength) {
            break;  // truncated, a pointer, or a reserved label type
        }
        if (length == 0) {
            wire_[wire_length_++] = 0;
            reader = cursor;
            return true;
        }
        // This label, its length octet, and the root label that must still follow.
        std::span<const uint8_t> label;
        if (size_t{wire_length_} + 1 + length + 1 > kMaxNameLength || !cursor.read_bytes(length, label)) {
            break;
        }
        append_label(label);
    }
    clear();
    return false;
}

void QuestionName::clear() {
    wire_length_ = 0;
    policy_length_ = 0;
}

void QuestionName::append_label(std::span<const uint8_t> label) {
    if (wire_length_ > 0) {
        policy_[policy_length_++] = '.';
    }
    wire_[wire_length_++] = static_cast<uint8_t>(label.size());
    for (const uint8_t byte : label) {
        wire_[wire_length_++] = byte;
        policy_[policy_length_++] = policy_char(byte);
    }
}

}  // namespace egress::dns
