#pragma once

#include <atomic>
#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <string>
#include <string_view>
#include <vector>

// Prometheus metrics rendered in text exposition format 0.0.4.
//
// A MetricsRegistry owns metric families; a family has a fixed list of label names and one child metric per
// combination of label values. Look a child up once (with_labels takes a lock and may allocate) and keep
// the reference: children never move, and updating one is a single relaxed atomic operation.
namespace common {

// A point-in-time copy of one child's value, read without rendering text (e.g. for OTLP export).
struct MetricSample {
    std::vector<std::string> label_values;  // in the family's label-name order
    bool is_integer = false;                // Counter: int_value holds the value
    uint64_t int_value = 0;
    double value = 0;                     // FloatCounter, Gauge
    std::vector<double> upper_bounds;     // Histogram: finite bounds; +Inf is implicit
    std::vector<uint64_t> bucket_counts;  // Histogram: per bucket (not cumulative), one more than bounds
    uint64_t count = 0;                   // Histogram
    double sum = 0;                       // Histogram
};

enum class MetricKind { counter, gauge, histogram };

struct FamilySnapshot {
    std::string name;
    std::string help;
    MetricKind kind = MetricKind::counter;
    std::vector<std::string> label_names;
    std::vector<MetricSample> samples;  // sorted by label values
};

// Monotonic integer counter.
class Counter {
  public:
    static constexpr std::string_view kTypeName = "counter";

    void inc(uint64_t amount = 1) noexcept { value_.fetch_add(amount, std::memory_order_relaxed); }
    uint64_t value() const noexcept { return value_.load(std::memory_order_relaxed); }

    void render_samples(std::string& out, std::string_view name, std::string_view labels) const;
    void copy_to(MetricSample& sample) const;

  private:
    std::atomic<uint64_t> value_{0};
};

// Monotonic floating-point counter (e.g. seconds spent). Negative and NaN amounts are ignored.
class FloatCounter {
  public:
    static constexpr std::string_view kTypeName = "counter";

    void add(double amount) noexcept {
        if (amount > 0) {
            value_.fetch_add(amount, std::memory_order_relaxed);
        }
    }
    double value() const noexcept { return value_.load(std::memory_order_relaxed); }

    void render_samples(std::string& out, std::string_view name, std::string_view labels) const;
    void copy_to(MetricSample& sample) const { sample.value = value(); }

  private:
    std::atomic<double> value_{0};
};

// A value that goes up and down.
class Gauge {
  public:
    static constexpr std::string_view kTypeName = "gauge";

    void set(double value) noexcept { value_.store(value, std::memory_order_relaxed); }
    void add(double amount) noexcept { value_.fetch_add(amount, std::memory_order_relaxed); }
    void inc() noexcept { add(1); }
    void dec() noexcept { add(-1); }
    double value() const noexcept { return value_.load(std::memory_order_relaxed); }

    void render_samples(std::string& out, std::string_view name, std::string_view labels) const;
    void copy_to(MetricSample& sample) const { sample.value = value(); }

  private:
    std::atomic<double> value_{0};
};

// Distribution over fixed buckets. `upper_bounds` are the finite, strictly increasing inclusive bucket
// limits; the +Inf bucket is implicit.
class Histogram {
  public:
    static constexpr std::string_view kTypeName = "histogram";

    explicit Histogram(std::vector<double> upper_bounds);

    // Throws std::invalid_argument unless the bounds are finite and strictly increasing.
    static void validate_upper_bounds(const std::vector<double>& upper_bounds);

    void observe(double value) noexcept;

    uint64_t count() const noexcept;
    double sum() const noexcept { return sum_.load(std::memory_order_relaxed); }

    void render_samples(std::string& out, std::string_view name, std::string_view labels) const;
    void copy_to(MetricSample& sample) const;

  private:
    std::vector<double> upper_bounds_;
    // One slot per bound plus the +Inf slot; counts are per bucket, made cumulative when rendered.
    std::unique_ptr<std::atomic<uint64_t>[]> bucket_counts_;
    std::atomic<double> sum_{0};
};

// `count` bounds start, start+width, ...
std::vector<double> linear_buckets(double start, double width, size_t count);
// `count` bounds start, start*factor, ...
std::vector<double> exponential_buckets(double start, double factor, size_t count);

class MetricFamilyBase {
  public:
    MetricFamilyBase(std::string name, std::string help, std::vector<std::string> label_names);
    virtual ~MetricFamilyBase() = default;
    MetricFamilyBase(const MetricFamilyBase&) = delete;
    MetricFamilyBase& operator=(const MetricFamilyBase&) = delete;

    const std::string& name() const noexcept { return name_; }
    const std::vector<std::string>& label_names() const noexcept { return label_names_; }

    // Appends # HELP, # TYPE and every child's samples; nothing while the family has no children.
    virtual void render(std::string& out) const = 0;
    // Every child's current value; samples is empty while the family has no children.
    virtual FamilySnapshot snapshot() const = 0;

  protected:
    FamilySnapshot empty_snapshot(MetricKind kind) const;
    // Throws std::invalid_argument unless there is one value per label name.
    void check_label_count(const std::vector<std::string>& label_values) const;
    // `a="x",b="y"` with values escaped.
    std::string format_labels(const std::vector<std::string>& label_values) const;
    void render_header(std::string& out, std::string_view type_name) const;

  private:
    std::string name_;
    std::string help_;
    std::vector<std::string> label_names_;
};

template <typename Metric>
class Family final : public MetricFamilyBase {
  public:
    using ChildFactory = std::function<std::unique_ptr<Metric>()>;

    Family(std::string name, std::string help, std::vector<std::string> label_names, ChildFactory make_child);

    // The child for these label values (in label-name order), created on first use. The reference stays
    // valid for the registry's lifetime. Throws std::invalid_argument on a label-count mismatch.
    Metric& with_labels(const std::vector<std::string>& label_values);

    void render(std::string& out) const override;
    FamilySnapshot snapshot() const override;

  private:
    struct Child {
        std::string labels_text;
        std::unique_ptr<Metric> metric;
    };

    ChildFactory make_child_;
    mutable std::mutex mutex_;
    std::map<std::vector<std::string>, Child> children_;  // ordered, so rendering is deterministic
};

// Integer counters read from their owner at every render() and snapshot(), for label sets that
// change at run time (one child per rule of the policy in force, say): `sample` returns the
// current children, each with its label values and int_value.
class SampledCounterFamily final : public MetricFamilyBase {
  public:
    using Sampler = std::function<std::vector<MetricSample>()>;

    SampledCounterFamily(std::string name, std::string help, std::vector<std::string> label_names,
                         Sampler sample);

    void render(std::string& out) const override;
    FamilySnapshot snapshot() const override;

  private:
    Sampler sample_;
};

extern template class Family<Counter>;
extern template class Family<FloatCounter>;
extern template class Family<Gauge>;
extern template class Family<Histogram>;

// Owns metric families and renders them sorted by name. Metric names must match [a-zA-Z_:][a-zA-Z0-9_:]*,
// label names [a-zA-Z_][a-zA-Z0-9_]* without a leading "__"; registration throws std::invalid_argument on a
// bad or duplicate name. Thread-safe; not copyable or movable because children are handed out by reference.
class MetricsRegistry {
  public:
    static constexpr std::string_view kContentType = "text/plain; version=0.0.4; charset=utf-8";

    MetricsRegistry() = default;
    MetricsRegistry(const MetricsRegistry&) = delete;
    MetricsRegistry& operator=(const MetricsRegistry&) = delete;

    Family<Counter>& counter_family(std::string name, std::string help, std::vector<std::string> label_names);
    Family<FloatCounter>& float_counter_family(std::string name, std::string help,
                                               std::vector<std::string> label_names);
    Family<Gauge>& gauge_family(std::string name, std::string help, std::vector<std::string> label_names);
    // "le" is reserved for the bucket label.
    Family<Histogram>& histogram_family(std::string name, std::string help, std::vector<double> upper_bounds,
                                        std::vector<std::string> label_names);

    // `sample` runs while the registry renders (its lock held): it must not call back into it.
    SampledCounterFamily& sampled_counter_family(std::string name, std::string help,
                                                 std::vector<std::string> label_names,
                                                 SampledCounterFamily::Sampler sample);

    // Unlabelled shorthands: a family without labels and its only child.
    Counter& counter(std::string name, std::string help);
    FloatCounter& float_counter(std::string name, std::string help);
    Gauge& gauge(std::string name, std::string help);
    Histogram& histogram(std::string name, std::string help, std::vector<double> upper_bounds);

    // Runs before every render() and snapshot(), to refresh values read on demand (e.g. resource gauges).
    // Hooks must be quick and must not call back into the registry's render() or snapshot().
    void add_collect_hook(std::function<void()> hook);

    std::string render() const;
    // Every family, sorted by name.
    std::vector<FamilySnapshot> snapshot() const;

  private:
    template <typename FamilyType>
    FamilyType& add_family(std::unique_ptr<FamilyType> family);

    void run_collect_hooks() const;

    mutable std::mutex mutex_;
    std::map<std::string, std::unique_ptr<MetricFamilyBase>, std::less<>> families_;
    mutable std::mutex hooks_mutex_;
    std::vector<std::function<void()>> collect_hooks_;
};

}  // namespace common
