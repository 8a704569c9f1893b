#pragma once

#include <cstddef>
#include <list>
#include <memory>
#include <mutex>

namespace execd::http {

// Bounds the connections the server holds, those routes took over (WebSockets, the proxy)
// included. At the cap a new connection gets in only by closing the one that has waited longest
// for a request (an idle keep-alive connection, or one whose request head is unfinished): a flood of
// idle connections then pushes out its own, and a client that sends its request at once still gets
// an answer. With nothing idle to close, a new connection is refused (closed at once).
class ConnectionLimit {
  public:
    // A connection that can be closed while it waits for a request.
    class Idler {
      public:
        virtual ~Idler() = default;
        // Called from any thread; closes the connection if it still waits for a request.
        virtual void evict() = 0;
    };

    class Slot;

    explicit ConnectionLimit(std::size_t max_connections);

    // A slot for a new connection (held as long as the connection lives, wherever it goes), or
    // nullptr when the cap is reached and no connection is idle.
    std::shared_ptr<Slot> admit();
    // Closes the connection that has been idle longest; false when none is idle.
    bool evict_oldest();
    std::size_t count() const;
    std::size_t max() const;

    struct State;

  private:
    std::shared_ptr<State> state_;
};

// One admitted connection's place under the cap.
class ConnectionLimit::Slot {
  public:
    explicit Slot(std::shared_ptr<State> state);
    ~Slot();
    Slot(const Slot&) = delete;
    Slot& operator=(const Slot&) = delete;

    // The connection waits for a request (and may be evicted) from now on.
    void waiting(std::weak_ptr<Idler> idler);
    // It is serving a request (or was taken over): never evicted.
    void busy();

  private:
    friend class ConnectionLimit;
    struct IdleEntry {
        Slot* slot;
        std::weak_ptr<Idler> idler;
    };

    std::shared_ptr<State> state_;
    std::list<IdleEntry>::iterator idle_entry_;  // guarded by the state's mutex
    bool idle_ = false;
};

struct ConnectionLimit::State {
    mutable std::mutex mutex;
    std::size_t max = 0;
    std::size_t count = 0;
    std::list<Slot::IdleEntry> idle;  // oldest first
};

// The default cap: half the descriptor limit (RLIMIT_NOFILE), at least 16 and at most 4096, so
// that connections never take the descriptors commands, files and PTYs need.
std::size_t default_max_connections();

}  // namespace execd::http
