#pragma once

#include <cstdint>
#include <string_view>

namespace execd::files {

// The outcome of a Range header against a file of a known size (RFC 9110 §14).
struct RangeDecision {
    enum class Kind {
        whole,          // no usable Range: send everything with 200
        partial,        // send [first, last] with 206
        unsatisfiable,  // 416 with "Content-Range: bytes */size"
        malformed,      // a "bytes=" header that does not parse: 416 as well (upstream's status)
    };
    Kind kind = Kind::whole;
    uint64_t first = 0;
    uint64_t last = 0;  // inclusive
};

// One byte range is honoured: "bytes=a-b", "bytes=a-", "bytes=-n". Of a list, the first range that
// overlaps the file is served (as upstream does); when none does, the request is unsatisfiable. Another
// unit is ignored (200 with the whole file), as RFC 9110 allows.
RangeDecision decide_range(std::string_view header, uint64_t size);

}  // namespace execd::files
