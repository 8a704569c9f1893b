#include "dns/wire_name.hpp"

namespace egress::dns {

bool skip_name(WireReader& reader) {
    const std::span<const uint8_t> message = reader.message();
    size_t position = reader.position();
    size_t segment_start = position;  // where the labels being walked begin
    size_t resume_at = 0;             // after the first pointer, if any: where the record goes on
    size_t name_length = 1;           // the root label
    while (position < message.size()) {
        const uint8_t length = message[position];
        if ((length & kPointerTag) == kPointerTag) {
            if (position + 2 > message.size()) {
                return false;
            }
            const size_t target = static_cast<size_t>((length & ~kPointerTag) << 8 | message[position + 1]);
            if (target < kHeaderSize || target >= segment_start) {
                return false;
            }
            if (resume_at == 0) {
                resume_at = position + 2;
            }
            position = segment_start = target;
            continue;
        }
        if (length > kMaxLabelLength) {
            return false;  // the reserved 0x40 and 0x80 label types
        }
        if (length == 0) {
            return reader.seek(resume_at != 0 ? resume_at : position + 1);
        }
        name_length += 1 + length;
        if (name_length > kMaxNameLength) {
            return false;
        }
        position += 1 + length;
    }
    return false;  // ran off the end of the message
}

namespace {

// Walks a name label by label, following compression pointers (at most as many as a name of the
// longest length could need, so a pointer loop ends).
class LabelWalker {
  public:
    LabelWalker(std::span<const uint8_t> message, size_t offset) : message_(message), position_(offset) {}

    // The next label; empty at the root; false when the name is malformed.
    bool next(std::span<const uint8_t>& label) {
        while (position_ < message_.size()) {
            const uint8_t length = message_[position_];
            if ((length & kPointerTag) != kPointerTag) {
                if (length > kMaxLabelLength || position_ + 1 + length > message_.size()) {
                    return false;
                }
                label = message_.subspan(position_ + 1, length);
                position_ += 1 + length;
                return true;
            }
            if (position_ + 2 > message_.size() || ++pointers_ > kMaxNameLength) {
                return false;
            }
            position_ = static_cast<size_t>((length & ~kPointerTag) << 8 | message_[position_ + 1]);
        }
        return false;
    }

  private:
    std::span<const uint8_t> message_;
    size_t position_;
    size_t pointers_ = 0;
};

uint8_t ascii_lower(uint8_t c) {
    return c >= 'A' && c <= 'Z' ? static_cast<uint8_t>(c + ('a' - 'A')) : c;
}

bool same_label(std::span<const uint8_t> a, std::span<const uint8_t> b) {
    if (a.size() != b.size()) {
        return false;
    }
    for (size_t i = 0; i < a.size(); ++i) {
        if (ascii_lower(a[i]) != ascii_lower(b[i])) {
            return false;
        }
    }
    return true;
}

}  // namespace

bool same_name(std::span<const uint8_t> message, size_t a, size_t b) {
    LabelWalker first(message, a);
    LabelWalker second(message, b);
    std::span<const uint8_t> label_a;
    std::span<const uint8_t> label_b;
    for (size_t labels = 0; labels <= kMaxNameLength; ++labels) {
        if (!first.next(label_a) || !second.next(label_b) || !same_label(label_a, label_b)) {
            return false;
        }
        if (label_a.empty()) {
            return true;
        }
    }
    return false;
}

}  // namespace egress::dns
