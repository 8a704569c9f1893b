#pragma once

#include <chrono>
#include <nlohmann/json.hpp>
#include <stdexcept>
#include <string>
#include <vector>

#include "jupyter/jupyter_endpoint.hpp"

namespace execd::jupyter {

// A failed Jupyter REST call. `transient` marks failures worth retrying (no connection, 5xx);
// `status` is the HTTP status when there was one (0 otherwise).
class JupyterError : public std::runtime_error {
  public:
    JupyterError(const std::string& message, bool transient, int status = 0)
        : std::runtime_error(message), transient_(transient), status_(status) {}
    bool transient() const { return transient_; }
    int status() const { return status_; }

  private:
    bool transient_;
    int status_;
};

// A Jupyter session as created by POST /api/sessions.
struct JupyterSession {
    std::string id;
    std::string kernel_id;
};

// The Jupyter server's REST API, authenticated with "Authorization: Token <token>". Every call blocks
// (run it on a worker) and throws JupyterError on failure.
class JupyterRest {
  public:
    explicit JupyterRest(JupyterEndpoint endpoint,
                         std::chrono::milliseconds request_timeout = std::chrono::seconds(60));

    nlohmann::json kernelspecs() const;
    JupyterSession create_session(const std::string& kernel_name, const std::string& path,
                                  const std::string& name) const;
    std::vector<std::string> kernel_ids() const;
    void interrupt_kernel(const std::string& kernel_id) const;
    // A session Jupyter no longer knows counts as deleted.
    void delete_session(const std::string& session_id) const;

  private:
    struct Reply {
        int status = 0;
        std::string body;
    };
    Reply call(const std::string& method, const std::string& path, const std::string& body = "") const;

    JupyterEndpoint endpoint_;
    std::chrono::milliseconds request_timeout_;
};

}  // namespace execd::jupyter
