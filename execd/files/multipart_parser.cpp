#include "files/multipart_parser.hpp"

#include <algorithm>
#include <functional>

#include "common/config.hpp"

namespace execd::files {
namespace {

constexpr std::size_t kMaxHeaderBytes = 16 * 1024;

std::string_view trim(std::string_view text) {
    while (!text.empty() && (text.front() == ' ' || text.front() == '\t')) {
        text.remove_prefix(1);
    }
    while (!text.empty() && (text.back() == ' ' || text.back() == '\t')) {
        text.remove_suffix(1);
    }
    return text;
}

// Reads a parameter value (token or quoted string) at the front of `text`, consuming it.
std::string read_value(std::string_view& text) {
    std::string value;
    if (!text.empty() && text.front() == '"') {
        std::size_t i = 1;
        for (; i < text.size() && text[i] != '"'; ++i) {
            if (text[i] == '\\' && i + 1 < text.size()) {
                ++i;
            }
            value.push_back(text[i]);
        }
        text.remove_prefix(std::min(text.size(), i + 1));
        return value;
    }
    const std::size_t end = std::min(text.find(';'), text.size());
    value = std::string(trim(text.substr(0, end)));
    text.remove_prefix(end);
    return value;
}

// Calls on_param(name, value) for each "; name=value" after the first token of a header value.
template <typename OnParam>
void for_each_param(std::string_view value, OnParam on_param) {
    std::size_t semicolon = value.find(';');
    while (semicolon != std::string_view::npos) {
        value.remove_prefix(semicolon + 1);
        value = trim(value);
        const std::size_t equals = value.find('=');
        if (equals == std::string_view::npos) {
            return;
        }
        std::string name(trim(value.substr(0, equals)));
        std::transform(name.begin(), name.end(), name.begin(),
                       [](unsigned char c) { return std::tolower(c); });
        value.remove_prefix(equals + 1);
        value = trim(value);
        on_param(name, read_value(value));
        semicolon = value.find(';');
    }
}

PartHeader parse_part_header(std::string_view block) {
    PartHeader header;
    while (!block.empty()) {
        const std::size_t end = std::min(block.find("\r\n"), block.size());
        const std::string_view line = block.substr(0, end);
        block.remove_prefix(std::min(block.size(), end + 2));
        const std::size_t colon = line.find(':');
        if (colon == std::string_view::npos) {
            continue;
        }
        const std::string_view name = trim(line.substr(0, colon));
        const std::string_view value = trim(line.substr(colon + 1));
        if (common::equals_ignoring_case(name, "Content-Disposition")) {
            for_each_param(value, [&](const std::string& param, std::string text) {
                if (param == "name") {
                    header.name = std::move(text);
                } else if (param == "filename") {
                    header.filename = std::move(text);
                }
            });
        } else if (common::equals_ignoring_case(name, "Content-Type")) {
            header.content_type = std::string(value);
        }
    }
    return header;
}

}  // namespace

std::optional<std::string> MultipartParser::boundary_of(std::string_view content_type) {
    const std::string_view media = trim(content_type.substr(0, content_type.find(';')));
    if (!common::equals_ignoring_case(media, "multipart/form-data")) {
        return std::nullopt;
    }
    std::optional<std::string> boundary;
    for_each_param(content_type, [&](const std::string& name, std::string value) {
        if (name == "boundary" && !value.empty() && value.size() <= 70) {
            boundary = std::move(value);
        }
    });
    return boundary;
}

MultipartParser::MultipartParser(std::string boundary, PartEvents events)
    : delimiter_("\r\n--" + boundary), events_(std::move(events)) {}

bool MultipartParser::feed(std::string_view bytes) {
    if (state_ == State::failed) {
        return false;
    }
    if (state_ == State::epilogue) {
        return true;  // anything after the closing boundary is ignored
    }
    pending_.append(bytes);
    while (step()) {
    }
    return state_ != State::failed;
}

// Runs one state; true when it made progress and another step may follow.
bool MultipartParser::step() {
    switch (state_) {
        case State::preamble:
            return parse_preamble();
        case State::after_boundary:
            return parse_after_boundary();
        case State::headers:
            return parse_headers();
        case State::body:
            return parse_body();
        case State::epilogue:
            pending_.clear();
            return false;
        case State::failed:
            return false;
    }
    return false;
}

bool MultipartParser::parse_preamble() {
    // The first boundary may open the body without the leading CRLF.
    const std::string_view first = std::string_view(delimiter_).substr(2);
    if (pending_.starts_with(first)) {
        pending_.erase(0, first.size());
        state_ = State::after_boundary;
        return true;
    }
    const std::size_t found = pending_.find(delimiter_);
    if (found == std::string::npos) {
        if (pending_.size() > kMaxHeaderBytes) {
            return fail("no opening boundary");
        }
        return false;
    }
    pending_.erase(0, found + delimiter_.size());
    state_ = State::after_boundary;
    return true;
}

bool MultipartParser::parse_after_boundary() {
    if (pending_.size() < 2) {
        return false;
    }
    if (pending_.starts_with("--")) {
        state_ = State::epilogue;
        pending_.clear();
        return false;
    }
    const std::size_t line_end = pending_.find("\r\n");
    if (line_end == std::string::npos) {
        return pending_.size() > 256 ? fail("malformed boundary line") : false;
    }
    if (!trim(std::string_view(pending_).substr(0, line_end)).empty()) {
        return fail("malformed boundary line");
    }
    pending_.erase(0, line_end + 2);
    state_ = State::headers;
    return true;
}

bool MultipartParser::parse_headers() {
    std::size_t end = std::string::npos;
    std::size_t skip = 0;
    if (pending_.starts_with("\r\n")) {
        end = 0;
        skip = 2;
    } else if ((end = pending_.find("\r\n\r\n")) != std::string::npos) {
        skip = end + 4;
    }
    if (end == std::string::npos) {
        return pending_.size() > kMaxHeaderBytes ? fail("part header too large") : false;
    }
    const PartHeader header = parse_part_header(std::string_view(pending_).substr(0, end));
    pending_.erase(0, skip);
    state_ = State::body;
    if (!events_.on_begin(header)) {
        return fail("stopped");
    }
    return true;
}

// What follows a delimiter found in a part's data: "--" or optional spaces and CRLF make it a
// boundary (as Go's reader decides); anything else is part of the data.
namespace {

enum class AfterDelimiter { boundary, data, undecided };

AfterDelimiter classify_after_delimiter(std::string_view rest) {
    if (rest.starts_with("--")) {
        return AfterDelimiter::boundary;
    }
    if (rest == "-") {
        return AfterDelimiter::undecided;
    }
    std::size_t at = 0;
    while (at < rest.size() && (rest[at] == ' ' || rest[at] == '\t')) {
        ++at;
    }
    if (at == rest.size() || (rest[at] == '\r' && at + 1 == rest.size())) {
        return AfterDelimiter::undecided;
    }
    return rest.substr(at).starts_with("\r\n") ? AfterDelimiter::boundary : AfterDelimiter::data;
}

}  // namespace

bool MultipartParser::parse_body() {
    const std::boyer_moore_horspool_searcher searcher(delimiter_.begin(), delimiter_.end());
    std::size_t from = 0;
    while (true) {
        const auto found =
            std::search(pending_.begin() + static_cast<std::ptrdiff_t>(from), pending_.end(), searcher);
        if (found == pending_.end()) {
            // Keep what could be the start of a delimiter split across two feeds.
            const std::size_t keep = std::min(pending_.size(), delimiter_.size() - 1);
            emit_data(pending_.size() - keep);
            return false;
        }
        const std::size_t at = static_cast<std::size_t>(found - pending_.begin());
        const auto after =
            classify_after_delimiter(std::string_view(pending_).substr(at + delimiter_.size()));
        if (after == AfterDelimiter::undecided) {
            emit_data(at);
            return false;
        }
        if (after == AfterDelimiter::data) {
            from = at + 1;
            continue;
        }
        if (!emit_data(at)) {
            return false;
        }
        pending_.erase(0, delimiter_.size());
        state_ = State::after_boundary;
        if (!events_.on_end()) {
            return fail("stopped");
        }
        return true;
    }
}

// Hands the first `size` pending bytes to on_data and drops them. False when the handler stopped.
bool MultipartParser::emit_data(std::size_t size) {
    if (size == 0) {
        return true;
    }
    if (!events_.on_data(std::string_view(pending_).substr(0, size))) {
        return fail("stopped");
    }
    pending_.erase(0, size);
    return true;
}

bool MultipartParser::fail(std::string reason) {
    state_ = State::failed;
    error_ = std::move(reason);
    pending_.clear();
    return false;
}

}  // namespace execd::files
