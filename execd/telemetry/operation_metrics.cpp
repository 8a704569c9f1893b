#include "telemetry/operation_metrics.hpp"

#include <string>

namespace execd::telemetry {
namespace {

// Set while an OperationMetrics lives; it outlives every thread that records (it is owned by main()).
std::atomic<OperationMetrics*> installed{nullptr};

constexpr std::array<std::string_view, static_cast<std::size_t>(Execution::count)> kExecutionNames{
    "run_code", "run_command", "run_in_session"};

constexpr std::array<std::string_view, static_cast<std::size_t>(FileOperation::count)> kFileOperationNames{
    "info",    "delete", "chmod",   "rename", "mkdir",   "rmdir",
    "listdir", "search", "replace", "upload", "download"};

// From 1 ms to about 9 minutes: a stat and a long-running command fit the same scale.
std::vector<double> duration_buckets() {
    return common::exponential_buckets(0.001, 2, 20);
}

double seconds_since(std::chrono::steady_clock::time_point started) {
    return std::chrono::duration<double>(std::chrono::steady_clock::now() - started).count();
}

}  // namespace

std::string_view operation_name(Execution execution) {
    return kExecutionNames.at(static_cast<std::size_t>(execution));
}

std::string_view operation_name(FileOperation operation) {
    return kFileOperationNames.at(static_cast<std::size_t>(operation));
}

OperationMetrics::OperationMetrics(common::MetricsRegistry& registry)
    : executions_(
          registry.histogram_family("execd_execution_duration_seconds",
                                    "Time from receiving a command, code cell or session run to its end.",
                                    duration_buckets(), {"operation", "result"})),
      file_operations_(
          registry.histogram_family("execd_filesystem_operation_duration_seconds",
                                    "Time from routing a filesystem request to the end of its response.",
                                    duration_buckets(), {"operation", "result"})) {
    OperationMetrics* none = nullptr;
    installed_ = installed.compare_exchange_strong(none, this);
}

OperationMetrics::~OperationMetrics() {
    if (installed_) {
        installed.store(nullptr);
    }
}

void OperationMetrics::observe(common::Family<common::Histogram>& family,
                               std::atomic<common::Histogram*>& slot, std::string_view operation,
                               bool succeeded, double seconds) {
    common::Histogram* child = slot.load(std::memory_order_acquire);
    if (child == nullptr) {
        child = &family.with_labels({std::string(operation), succeeded ? "success" : "failure"});
        slot.store(child, std::memory_order_release);
    }
    child->observe(seconds);
}

void OperationMetrics::record(Execution execution, bool succeeded, double seconds) {
    const auto index = static_cast<std::size_t>(execution);
    observe(executions_, execution_slots_.children.at(index)[succeeded ? 0 : 1], operation_name(execution),
            succeeded, seconds);
}

void OperationMetrics::record(FileOperation operation, bool succeeded, double seconds) {
    const auto index = static_cast<std::size_t>(operation);
    observe(file_operations_, file_operation_slots_.children.at(index)[succeeded ? 0 : 1],
            operation_name(operation), succeeded, seconds);
}

void record_execution(Execution execution, bool succeeded, std::chrono::steady_clock::time_point started) {
    if (OperationMetrics* metrics = installed.load(std::memory_order_acquire)) {
        metrics->record(execution, succeeded, seconds_since(started));
    }
}

void record_file_operation(FileOperation operation, bool succeeded,
                           std::chrono::steady_clock::time_point started) {
    if (OperationMetrics* metrics = installed.load(std::memory_order_acquire)) {
        metrics->record(operation, succeeded, seconds_since(started));
    }
}

}  // namespace execd::telemetry
