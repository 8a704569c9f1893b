#pragma once

#include <string>
#include <string_view>

#include "api/api_response.hpp"
#include "common/log.hpp"
#include "common/metrics.hpp"
#include "policy/policy_engine.hpp"

namespace egress::api {

// The /policy endpoints with upstream's bodies, status codes and error strings. Each change goes
// through the PolicyEngine (validate, nft, DNS snapshot, persist); a failure changes nothing.
class PolicyHandlers {
  public:
    // enforcement_mode: "dns" or "dns+nft", reported as enforcementMode.
    PolicyHandlers(policy::PolicyEngine& engine, std::string enforcement_mode,
                   common::MetricsRegistry& metrics);

    ApiResponse get() const;
    ApiResponse replace(std::string_view body);  // POST and PUT
    ApiResponse patch(std::string_view body);
    ApiResponse remove(std::string_view body);  // DELETE
    // PUT/POST /policy/mode {"mode":"audit"|"enforce"}: switches the mode, rules unchanged.
    ApiResponse set_mode(std::string_view body);

  private:
    ApiResponse reset();
    // Runs one engine change and turns its outcome or exception into a response; once applied, logs
    // egress.updated with the rules delta(before, after) returns.
    template <typename Change, typename Delta>
    ApiResponse apply(std::string_view operation, std::string_view apply_error_prefix, Change&& change,
                      Delta&& delta);
    // An error answer, logged as egress.update_failed at `level`.
    ApiResponse refuse(int status, common::LogLevel level, std::string message) const;
    ApiResponse status_response(const policy::ChangeOutcome& outcome, std::string reason = {}) const;
    void count(std::string_view operation, std::string_view result);

    policy::PolicyEngine& engine_;
    std::string enforcement_mode_;
    common::Family<common::Counter>& updates_;
    common::Histogram& apply_seconds_;
};

}  // namespace egress::api
