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

}  // namespace egress::dns
