#include "api/api_server.hpp"

#include <httplib.h>

#include <stdexcept>

#include "api/token_check.hpp"

namespace egress::api {
namespace {

constexpr const char* kAuthHeader = "OPENSANDBOX-EGRESS-AUTH";
constexpr const char* kPolicyMethods = "GET, POST, PUT, PATCH, DELETE";

void write(const ApiResponse& answer, httplib::Response& response) {
    response.status = answer.status;
    for (const auto& [name, value] : answer.headers) {
        response.set_header(name, value);
    }
    response.set_content(answer.body, answer.content_type.c_str());
}

bool is_policy_method(const std::string& method) {
    return method == "GET" || method == "POST" || method == "PUT" || method == "PATCH" || method == "DELETE";
}

// A request answered before its body was read leaves the body on the connection: close it.
void close_if_body_unread(const httplib::Request& request, httplib::Response& response) {
    if (request.has_header("Content-Length") || request.has_header("Transfer-Encoding")) {
        response.set_header("Connection", "close");
    }
}

std::string too_large_message(size_t limit) {
    return "request body exceeds " + std::to_string(limit) + " bytes";
}

}  // namespace

ApiServer::ApiServer(ApiServerSettings settings, PolicyHandlers& policy,
                     const common::MetricsRegistry& metrics)
    : settings_(std::move(settings)),
      policy_(policy),
      metrics_(metrics),
      server_(std::make_unique<httplib::Server>()) {
    const size_t workers = settings_.worker_threads;
    // httplib owns the queue it is handed (its API takes a raw pointer).
    server_->new_task_queue = [workers] { return new httplib::ThreadPool(workers); };
    server_->set_read_timeout(settings_.read_timeout);
    server_->set_write_timeout(settings_.write_timeout);
    server_->set_keep_alive_timeout(settings_.keep_alive_timeout.count());
    server_->set_payload_max_length(settings_.max_body_bytes);
    // httplib writes headers and body separately: without this, Nagle and delayed ACKs add 40 ms.
    server_->set_tcp_nodelay(true);
    install_routes();
}

ApiServer::~ApiServer() {
    stop();
}

void ApiServer::install_routes() {
    server_->set_pre_routing_handler([this](const httplib::Request& request, httplib::Response& response) {
        return answer_before_body(request, response) ? httplib::Server::HandlerResponse::Handled
                                                     : httplib::Server::HandlerResponse::Unhandled;
    });
    auto with_body = [this](ApiResponse (PolicyHandlers::*handler)(std::string_view)) {
        return [this, handler](const httplib::Request& request, httplib::Response& response) {
            if (request.body.size() > settings_.max_body_bytes) {  // chunked bodies are not capped by httplib
                write(text_error(413, too_large_message(settings_.max_body_bytes)), response);
                return;
            }
            write((policy_.*handler)(request.body), response);
        };
    };
    server_->Get("/policy", [this](const httplib::Request&, httplib::Response& response) {
        write(policy_.get(), response);
    });
    server_->Post("/policy", with_body(&PolicyHandlers::replace));
    server_->Put("/policy", with_body(&PolicyHandlers::replace));
    server_->Patch("/policy", with_body(&PolicyHandlers::patch));
    server_->Delete("/policy", with_body(&PolicyHandlers::remove));
    // Errors httplib produces itself (unparsable request, body over the limit) get a text body.
    server_->set_error_handler([this](const httplib::Request&, httplib::Response& response) {
        if (!response.body.empty()) {
            return;
        }
        const std::string message =
            response.status == 413 ? too_large_message(settings_.max_body_bytes) : "bad request";
        write(text_error(response.status, message), response);
    });
}

bool ApiServer::answer_before_body(const httplib::Request& request, httplib::Response& response) {
    if (request.path == "/healthz") {
        response.set_content("ok", "text/plain; charset=utf-8");
        return true;
    }
    if (request.path == "/metrics") {
        if (request.method == "GET") {
            response.set_content(metrics_.render(),
                                 std::string(common::MetricsRegistry::kContentType).c_str());
        } else {
            write(text_error(405, "method not allowed"), response);
            response.set_header("Allow", "GET");
        }
        return true;
    }
    if (request.path != "/policy") {
        write(text_error(404, "404 page not found"), response);
    } else if (!settings_.token.empty() &&
               !token_matches(settings_.token, request.get_header_value(kAuthHeader))) {
        write(text_error(401, "unauthorized"), response);
    } else if (!is_policy_method(request.method)) {
        write(text_error(405, "method not allowed"), response);
        response.set_header("Allow", kPolicyMethods);
    } else {
        return false;
    }
    close_if_body_unread(request, response);
    return true;
}

void ApiServer::bind() {
    const std::string& host = settings_.host;
    // Without a host: "::" serves IPv6 and IPv4; a namespace without IPv6 gets 0.0.0.0.
    for (const std::string& candidate :
         host.empty() ? std::vector<std::string>{"::", "0.0.0.0"} : std::vector<std::string>{host}) {
        if (settings_.port == 0) {
            const int port = server_->bind_to_any_port(candidate);
            if (port > 0) {
                bound_port_ = static_cast<uint16_t>(port);
                return;
            }
        } else if (server_->bind_to_port(candidate, settings_.port)) {
            bound_port_ = settings_.port;
            return;
        }
    }
    throw std::runtime_error("cannot listen for the policy API on " +
                             (host.empty() ? std::string("*") : host) + ":" + std::to_string(settings_.port));
}

void ApiServer::start() {
    bind();
    listener_ = std::thread([this] { server_->listen_after_bind(); });
}

void ApiServer::stop() {
    if (listener_.joinable()) {
        server_->stop();
        listener_.join();
    }
}

}  // namespace egress::api
