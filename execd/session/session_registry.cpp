#include "session/session_registry.hpp"

#include "process/execution_id.hpp"

namespace execd::session {

void SessionRegistry::add(std::shared_ptr<BashSession> session) {
    std::lock_guard lock(mutex_);
    const std::string id = session->id();
    sessions_[id] = std::move(session);
}

std::shared_ptr<BashSession> SessionRegistry::find(const std::string& id) const {
    std::lock_guard lock(mutex_);
    const auto found = sessions_.find(id);
    return found == sessions_.end() ? nullptr : found->second;
}

std::shared_ptr<BashSession> SessionRegistry::remove(const std::string& id) {
    std::lock_guard lock(mutex_);
    const auto found = sessions_.find(id);
    if (found == sessions_.end()) {
        return nullptr;
    }
    auto session = std::move(found->second);
    sessions_.erase(found);
    return session;
}

std::vector<std::shared_ptr<BashSession>> SessionRegistry::all() const {
    std::lock_guard lock(mutex_);
    std::vector<std::shared_ptr<BashSession>> sessions;
    for (const auto& [id, session] : sessions_) {
        sessions.push_back(session);
    }
    return sessions;
}

std::string new_session_id() {
    const std::string hex = process::new_execution_id();
    return hex.substr(0, 8) + "-" + hex.substr(8, 4) + "-" + hex.substr(12, 4) + "-" + hex.substr(16, 4) +
           "-" + hex.substr(20);
}

}  // namespace execd::session
