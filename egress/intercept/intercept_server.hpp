#pragma once

#include <memory>

#include "common/metrics.hpp"
#include "intercept/credential_decision.hpp"
#include "intercept/intercept_settings.hpp"
#include "tls/certificate_authority.hpp"

namespace egress::intercept {

using BindingsSource = std::function<std::shared_ptr<const vault::ActiveBindings>()>;

// The credential proxy: takes the workload's TCP connections to ports 80 and 443 that the nat
// chain redirected to it, decrypts only those a credential binding can apply to (by SNI), and
// relays everything else untouched to where it was going. Runs on a thread of its own.
class InterceptServer {
  public:
    InterceptServer(InterceptSettings settings, tls::CertificateAuthority& authority, BindingsSource bindings,
                    NamesOfAddress names_of, common::MetricsRegistry& metrics);
    ~InterceptServer();
    InterceptServer(const InterceptServer&) = delete;
    InterceptServer& operator=(const InterceptServer&) = delete;

    // Listens on 127.0.0.1 and ::1 (where IPv6 is available); throws std::runtime_error naming
    // the address when binding fails.
    void start();
    void stop();

    struct Impl;

  private:
    std::unique_ptr<Impl> impl_;
};

}  // namespace egress::intercept
