#include "dns/wire_record.hpp"

#include "dns/wire_name.hpp"

namespace egress::dns {

bool read_section_counts(WireReader& reader, SectionCounts& counts) {
    return reader.read_u16(counts.questions) && reader.read_u16(counts.answers) &&
           reader.read_u16(counts.authorities) && reader.read_u16(counts.additionals);
}

bool skip_question(WireReader& reader) {
    return skip_name(reader) && reader.skip(4);
}

bool read_record(WireReader& reader, WireRecord& record) {
    uint16_t rdata_length = 0;
    return skip_name(reader) && reader.read_u16(record.type) && reader.read_u16(record.rclass) &&
           reader.read_u32(record.ttl) && reader.read_u16(rdata_length) &&
           reader.read_bytes(rdata_length, record.rdata);
}

}  // namespace egress::dns
