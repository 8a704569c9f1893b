#include "policy/json_document.hpp"

#include <string>
#include <utility>
#include <vector>

#include "policy/policy_error.hpp"
#include "policy/text.hpp"

namespace egress::policy {
namespace {

using nlohmann::json;

// Builds the document from SAX events. Pointers on open_containers stay valid: a container only
// receives new children while it is the innermost open one, so its parent never grows meanwhile.
class FoldingDocumentBuilder {
  public:
    FoldingDocumentBuilder(json& root, size_t max_depth) : root_(root), max_depth_(max_depth) {}

    const std::string& error() const { return error_; }

    bool null() { return add(json(nullptr)) != nullptr; }
    bool boolean(bool value) { return add(json(value)) != nullptr; }
    bool number_integer(json::number_integer_t value) { return add(json(value)) != nullptr; }
    bool number_unsigned(json::number_unsigned_t value) { return add(json(value)) != nullptr; }
    bool number_float(json::number_float_t value, const json::string_t&) {
        return add(json(value)) != nullptr;
    }
    bool string(json::string_t& value) { return add(json(std::move(value))) != nullptr; }
    bool binary(json::binary_t&) { return fail("binary values are not JSON"); }

    bool start_object(size_t) { return open(json::object()); }
    bool start_array(size_t) { return open(json::array()); }
    bool end_object() { return close(); }
    bool end_array() { return close(); }

    bool key(json::string_t& name) {
        // operator[] on an existing key returns the old slot, so the last occurrence wins.
        key_slot_ = &(*open_containers_.back())[to_lower_ascii(name)];
        return true;
    }

    bool parse_error(size_t, const std::string&, const nlohmann::detail::exception& problem) {
        std::string message = problem.what();
        // Drop nlohmann's "[json.exception.parse_error.101] " tag; users need the position only.
        if (const size_t tag_end = message.find("] ");
            message.starts_with("[") && tag_end != std::string::npos) {
            message.erase(0, tag_end + 2);
        }
        return fail(message);
    }

  private:
    json* add(json value) {
        if (open_containers_.empty()) {
            root_ = std::move(value);
            return &root_;
        }
        json& parent = *open_containers_.back();
        if (parent.is_array()) {
            parent.push_back(std::move(value));
            return &parent.back();
        }
        *key_slot_ = std::move(value);
        return key_slot_;
    }

    bool open(json container) {
        if (open_containers_.size() >= max_depth_) {
            return fail("nesting deeper than " + std::to_string(max_depth_) + " levels");
        }
        open_containers_.push_back(add(std::move(container)));
        return true;
    }

    bool close() {
        open_containers_.pop_back();
        return true;
    }

    bool fail(std::string message) {
        error_ = std::move(message);
        return false;
    }

    json& root_;
    size_t max_depth_;
    std::vector<json*> open_containers_;
    json* key_slot_ = nullptr;
    std::string error_;
};

}  // namespace

json parse_json_folding_keys(std::string_view text, size_t max_depth) {
    json root;
    FoldingDocumentBuilder builder(root, max_depth);
    if (!json::sax_parse(text.begin(), text.end(), &builder)) {
        throw PolicyError("invalid JSON: " + builder.error());
    }
    return root;
}

const char* json_type_name(const nlohmann::json& value) {
    if (value.is_number()) {
        return "number";
    }
    return value.type_name();
}

}  // namespace egress::policy
