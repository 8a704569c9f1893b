#pragma once

#include <array>
#include <atomic>
#include <chrono>
#include <cstddef>
#include <string_view>

#include "common/metrics.hpp"

// How long executions and filesystem operations take, by kind and result. The code that runs them reports
// through the free functions below (one line at the place an execution or operation ends); they record
// into the process's OperationMetrics, or do nothing while there is none (e.g. in unit tests of the APIs).
namespace execd::telemetry {

enum class Execution : std::size_t { run_code, run_command, run_in_session, count };

enum class FileOperation : std::size_t {
    info,
    remove,  // DELETE /files ("delete")
    chmod,
    rename,
    mkdir,
    rmdir,
    listdir,
    search,
    replace,
    upload,
    download,
    count,
};

// The `operation` attribute value: upstream's names.
std::string_view operation_name(Execution execution);
std::string_view operation_name(FileOperation operation);

// Registers execd_execution_duration_seconds{operation,result} and
// execd_filesystem_operation_duration_seconds{operation,result} (result = success | failure) and, while it
// lives, receives what the free functions record. At most one is installed at a time; a second one
// registers its families but receives nothing. A series appears on its first observation.
class OperationMetrics {
  public:
    explicit OperationMetrics(common::MetricsRegistry& registry);
    ~OperationMetrics();
    OperationMetrics(const OperationMetrics&) = delete;
    OperationMetrics& operator=(const OperationMetrics&) = delete;

    void record(Execution execution, bool succeeded, double seconds);
    void record(FileOperation operation, bool succeeded, double seconds);

  private:
    // Children looked up once (with_labels locks), then observed without a lock.
    template <std::size_t Kinds>
    struct Slots {
        std::array<std::array<std::atomic<common::Histogram*>, 2>, Kinds> children{};
    };
    static void observe(common::Family<common::Histogram>& family, std::atomic<common::Histogram*>& slot,
                        std::string_view operation, bool succeeded, double seconds);

    common::Family<common::Histogram>& executions_;
    common::Family<common::Histogram>& file_operations_;
    Slots<static_cast<std::size_t>(Execution::count)> execution_slots_;
    Slots<static_cast<std::size_t>(FileOperation::count)> file_operation_slots_;
    bool installed_ = false;
};

// Records the time since `started` into the installed OperationMetrics, if any.
void record_execution(Execution execution, bool succeeded, std::chrono::steady_clock::time_point started);
void record_file_operation(FileOperation operation, bool succeeded,
                           std::chrono::steady_clock::time_point started);

}  // namespace execd::telemetry
