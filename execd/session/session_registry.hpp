#pragma once

#include <map>
#include <memory>
#include <mutex>
#include <string>
#include <vector>

#include "session/bash_session.hpp"

namespace execd::session {

// The live bash sessions by id. Thread-safe.
class SessionRegistry {
  public:
    void add(std::shared_ptr<BashSession> session);
    std::shared_ptr<BashSession> find(const std::string& id) const;
    // Removes and returns the session; nullptr if there is none.
    std::shared_ptr<BashSession> remove(const std::string& id);
    std::vector<std::shared_ptr<BashSession>> all() const;

  private:
    mutable std::mutex mutex_;
    std::map<std::string, std::shared_ptr<BashSession>> sessions_;
};

// A random UUIDv4 with dashes (upstream's session ids).
std::string new_session_id();

}  // namespace execd::session
