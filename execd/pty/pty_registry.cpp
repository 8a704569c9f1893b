#include "pty/pty_registry.hpp"

#include <algorithm>
#include <vector>

#include "common/log.hpp"
#include "process/execution_id.hpp"

namespace execd::pty {

PtyRegistry::PtyRegistry(process::ProcessSupervisor& supervisor, std::chrono::milliseconds idle_timeout)
    : supervisor_(supervisor), idle_timeout_(idle_timeout) {}

PtyRegistry::~PtyRegistry() {
    close_all();
}

std::shared_ptr<PtySession> PtyRegistry::create(PtyLaunch launch) {
    auto session = std::make_shared<PtySession>(process::new_execution_id(), std::move(launch), supervisor_);
    std::lock_guard lock(state_->mutex);
    state_->sessions.emplace(session->id(), session);
    return session;
}

std::shared_ptr<PtySession> PtyRegistry::find(const std::string& id) const {
    std::lock_guard lock(state_->mutex);
    const auto found = state_->sessions.find(id);
    return found == state_->sessions.end() ? nullptr : found->second;
}

bool PtyRegistry::remove(const std::string& id) {
    std::shared_ptr<PtySession> session;
    {
        std::lock_guard lock(state_->mutex);
        const auto found = state_->sessions.find(id);
        if (found == state_->sessions.end()) {
            return false;
        }
        session = std::move(found->second);
        state_->sessions.erase(found);
    }
    session->close();
    return true;
}

void PtyRegistry::start_pruning() {
    if (idle_timeout_.count() > 0) {
        supervisor_.loop().post([state = std::weak_ptr(state_), &supervisor = supervisor_,
                                 idle = idle_timeout_] { schedule_prune(state, supervisor, idle); });
    }
}

void PtyRegistry::schedule_prune(const std::weak_ptr<State>& state, process::ProcessSupervisor& supervisor,
                                 std::chrono::milliseconds idle_timeout) {
    const auto period = std::clamp(idle_timeout / 4, std::chrono::milliseconds(20),
                                   std::chrono::milliseconds(std::chrono::seconds(30)));
    supervisor.loop().run_after(period, [state, &supervisor, idle_timeout] {
        if (auto alive = state.lock()) {
            prune(alive, idle_timeout);
            schedule_prune(state, supervisor, idle_timeout);
        }
    });
}

void PtyRegistry::prune(const std::shared_ptr<State>& state, std::chrono::milliseconds idle_timeout) {
    const auto now = PtySession::Clock::now();
    std::vector<std::shared_ptr<PtySession>> idle;
    {
        std::lock_guard lock(state->mutex);
        std::erase_if(state->sessions, [&](const auto& entry) {
            if (!entry.second->idle_for(idle_timeout, now)) {
                return false;
            }
            idle.push_back(entry.second);
            return true;
        });
    }
    for (const auto& session : idle) {
        common::log_fields(common::LogLevel::info, "closing idle pty session", {{"id", session->id()}});
        session->close();
    }
}

void PtyRegistry::close_all() {
    std::unordered_map<std::string, std::shared_ptr<PtySession>> sessions;
    {
        std::lock_guard lock(state_->mutex);
        sessions.swap(state_->sessions);
    }
    for (const auto& [id, session] : sessions) {
        session->close();
    }
}

}  // namespace execd::pty
