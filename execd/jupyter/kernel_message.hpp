#pragma once

#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <string_view>

namespace execd::jupyter {

// The parts of a Jupyter message (as sent over the kernel's WebSocket) that execd uses.
struct KernelMessage {
    std::string msg_type;
    std::string parent_msg_id;  // the msg_id of the request this message answers; empty if none
    nlohmann::json content = nlohmann::json::object();
};

// Parses one WebSocket text frame; nullopt when it is not a JSON message with a header.
std::optional<KernelMessage> parse_kernel_message(std::string_view text);

// An execute_request for `code` on the shell channel, in the message format of protocol 5.3.
std::string execute_request_message(const std::string& msg_id, const std::string& session,
                                    const std::string& code);

// A random UUID (version 4) in its text form with dashes.
std::string new_uuid();

}  // namespace execd::jupyter
