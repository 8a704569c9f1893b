#include "jupyter/jupyter_rest.hpp"

#include "common/http_client.hpp"

namespace execd::jupyter {

using nlohmann::json;

namespace {

std::string describe(int status, const std::string& body) {
    std::string text = "Jupyter answered " + std::to_string(status);
    const json document = json::parse(body, nullptr, false);
    if (document.is_object() && document.contains("message") && document["message"].is_string()) {
        text += ": " + document["message"].get<std::string>();
    }
    return text;
}

json parse_body(const std::string& body, const std::string& what) {
    json document = json::parse(body, nullptr, false);
    if (document.is_discarded()) {
        throw JupyterError("Jupyter sent invalid JSON for " + what, false);
    }
    return document;
}

}  // namespace

JupyterRest::JupyterRest(JupyterEndpoint endpoint, std::chrono::milliseconds request_timeout)
    : endpoint_(std::move(endpoint)), request_timeout_(request_timeout) {}

JupyterRest::Reply JupyterRest::call(const std::string& method, const std::string& path,
                                     const std::string& body) const {
    common::HttpClient client(
        endpoint_.host, endpoint_.port,
        {.connect_timeout = std::chrono::seconds(5), .exchange_timeout = request_timeout_});
    try {
        auto response = client.request(method, endpoint_.base_path + path,
                                       {{"Authorization", "Token " + endpoint_.token}}, body,
                                       body.empty() ? "" : "application/json");
        return {response.status, std::move(response.body)};
    } catch (const common::HttpClientError& error) {
        throw JupyterError("cannot reach Jupyter at " + endpoint_.host + ":" +
                               std::to_string(endpoint_.port) + ": " + error.what(),
                           true);
    }
}

json JupyterRest::kernelspecs() const {
    const Reply reply = call("GET", "/api/kernelspecs");
    if (reply.status != 200) {
        throw JupyterError(describe(reply.status, reply.body), reply.status >= 500, reply.status);
    }
    return parse_body(reply.body, "kernelspecs");
}

JupyterSession JupyterRest::create_session(const std::string& kernel_name, const std::string& path,
                                           const std::string& name) const {
    const json request = {
        {"path", path}, {"name", name}, {"type", "notebook"}, {"kernel", {{"name", kernel_name}}}};
    const Reply reply = call("POST", "/api/sessions", request.dump());
    if (reply.status != 200 && reply.status != 201) {
        throw JupyterError(describe(reply.status, reply.body), reply.status >= 500, reply.status);
    }
    const json session = parse_body(reply.body, "the new session");
    JupyterSession created;
    if (session.is_object() && session.value("id", json()).is_string() && session.contains("kernel") &&
        session["kernel"].is_object() && session["kernel"].value("id", json()).is_string()) {
        created.id = session["id"].get<std::string>();
        created.kernel_id = session["kernel"]["id"].get<std::string>();
        return created;
    }
    throw JupyterError("Jupyter's new session has no id or kernel id", false);
}

std::vector<std::string> JupyterRest::kernel_ids() const {
    const Reply reply = call("GET", "/api/kernels");
    if (reply.status != 200) {
        throw JupyterError(describe(reply.status, reply.body), reply.status >= 500, reply.status);
    }
    std::vector<std::string> ids;
    const json kernels = parse_body(reply.body, "kernels");
    if (kernels.is_array()) {
        for (const auto& kernel : kernels) {
            if (kernel.is_object() && kernel.value("id", json()).is_string()) {
                ids.push_back(kernel["id"].get<std::string>());
            }
        }
    }
    return ids;
}

void JupyterRest::interrupt_kernel(const std::string& kernel_id) const {
    const Reply reply = call("POST", "/api/kernels/" + kernel_id + "/interrupt");
    if (reply.status != 200 && reply.status != 204) {
        throw JupyterError(describe(reply.status, reply.body), reply.status >= 500, reply.status);
    }
}

void JupyterRest::delete_session(const std::string& session_id) const {
    const Reply reply = call("DELETE", "/api/sessions/" + session_id);
    if (reply.status != 200 && reply.status != 204 && reply.status != 404) {
        throw JupyterError(describe(reply.status, reply.body), reply.status >= 500, reply.status);
    }
}

}  // namespace execd::jupyter
