#include "common/metrics.hpp"

#include <algorithm>
#include <charconv>
#include <cmath>
#include <set>
#include <stdexcept>

namespace common {
namespace {

bool is_letter_or_underscore(char c) {
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || c == '_';
}
bool is_digit(char c) {
    return c >= '0' && c <= '9';
}

bool is_valid_metric_name(std::string_view name) {
    const auto allowed_first = [](char c) { return is_letter_or_underscore(c) || c == ':'; };
    const auto allowed_rest = [](char c) { return is_letter_or_underscore(c) || is_digit(c) || c == ':'; };
    return !name.empty() && allowed_first(name.front()) &&
           std::all_of(name.begin() + 1, name.end(), allowed_rest);
}

bool is_valid_label_name(std::string_view name) {
    const auto allowed_rest = [](char c) { return is_letter_or_underscore(c) || is_digit(c); };
    return !name.empty() && is_letter_or_underscore(name.front()) &&
           std::all_of(name.begin() + 1, name.end(), allowed_rest) && !name.starts_with("__");
}

void validate_names(const std::string& metric_name, const std::vector<std::string>& label_names) {
    if (!is_valid_metric_name(metric_name)) {
        throw std::invalid_argument("invalid metric name \"" + metric_name +
                                    "\": must match [a-zA-Z_:][a-zA-Z0-9_:]*");
    }
    std::set<std::string_view> seen;
    for (const std::string& label : label_names) {
        if (!is_valid_label_name(label)) {
            throw std::invalid_argument("invalid label name \"" + label + "\" for metric " + metric_name +
                                        ": must match [a-zA-Z_][a-zA-Z0-9_]* and not start with __");
        }
        if (!seen.insert(label).second) {
            throw std::invalid_argument("duplicate label name \"" + label + "\" for metric " + metric_name);
        }
    }
}

// Label values escape backslash, double quote and newline; HELP text escapes only backslash and newline.
void append_escaped(std::string& out, std::string_view text, bool escape_quotes) {
    for (const char c : text) {
        if (c == '\\') {
            out += "\\\\";
        } else if (c == '\n') {
            out += "\\n";
        } else if (c == '"' && escape_quotes) {
            out += "\\\"";
        } else {
            out += c;
        }
    }
}

std::string format_value(double value) {
    if (std::isnan(value)) {
        return "NaN";
    }
    if (std::isinf(value)) {
        return value > 0 ? "+Inf" : "-Inf";
    }
    char buffer[32];
    const auto result = std::to_chars(buffer, buffer + sizeof buffer, value);
    return std::string(buffer, result.ptr);
}

// name{labels} value\n, or name value\n when there are no labels.
void append_sample(std::string& out, std::string_view name, std::string_view labels, std::string_view value) {
    out += name;
    if (!labels.empty()) {
        out += '{';
        out += labels;
        out += '}';
    }
    out += ' ';
    out += value;
    out += '\n';
}

std::string with_label(std::string_view labels, std::string_view name, std::string_view escaped_value) {
    std::string combined(labels);
    if (!combined.empty()) {
        combined += ',';
    }
    combined += name;
    combined += "=\"";
    combined += escaped_value;
    combined += '"';
    return combined;
}

}  // namespace

void Counter::render_samples(std::string& out, std::string_view name, std::string_view labels) const {
    append_sample(out, name, labels, std::to_string(value()));
}

void Counter::copy_to(MetricSample& sample) const {
    sample.is_integer = true;
    sample.int_value = value();
    sample.value = static_cast<double>(sample.int_value);
}

void FloatCounter::render_samples(std::string& out, std::string_view name, std::string_view labels) const {
    append_sample(out, name, labels, format_value(value()));
}

void Gauge::render_samples(std::string& out, std::string_view name, std::string_view labels) const {
    append_sample(out, name, labels, format_value(value()));
}

Histogram::Histogram(std::vector<double> upper_bounds)
    : upper_bounds_(std::move(upper_bounds)),
      bucket_counts_(std::make_unique<std::atomic<uint64_t>[]>(upper_bounds_.size() + 1)) {
    validate_upper_bounds(upper_bounds_);
}

void Histogram::validate_upper_bounds(const std::vector<double>& upper_bounds) {
    for (size_t i = 0; i < upper_bounds.size(); ++i) {
        if (!std::isfinite(upper_bounds[i])) {
            throw std::invalid_argument("histogram bucket bounds must be finite (+Inf is implicit), got " +
                                        format_value(upper_bounds[i]));
        }
        if (i > 0 && upper_bounds[i] <= upper_bounds[i - 1]) {
            throw std::invalid_argument("histogram bucket bounds must be strictly increasing, got " +
                                        format_value(upper_bounds[i - 1]) + " then " +
                                        format_value(upper_bounds[i]));
        }
    }
}

void Histogram::observe(double value) noexcept {
    // Buckets are inclusive (value <= bound). NaN compares false everywhere and lands in +Inf.
    const auto bucket = std::isnan(value)
                            ? upper_bounds_.end()
                            : std::lower_bound(upper_bounds_.begin(), upper_bounds_.end(), value);
    bucket_counts_[static_cast<size_t>(bucket - upper_bounds_.begin())].fetch_add(1,
                                                                                  std::memory_order_relaxed);
    sum_.fetch_add(value, std::memory_order_relaxed);
}

uint64_t Histogram::count() const noexcept {
    uint64_t total = 0;
    for (size_t i = 0; i <= upper_bounds_.size(); ++i) {
        total += bucket_counts_[i].load(std::memory_order_relaxed);
    }
    return total;
}

void Histogram::render_samples(std::string& out, std::string_view name, std::string_view labels) const {
    const std::string bucket_name = std::string(name) + "_bucket";
    uint64_t cumulative = 0;
    for (size_t i = 0; i < upper_bounds_.size(); ++i) {
        cumulative += bucket_counts_[i].load(std::memory_order_relaxed);
        append_sample(out, bucket_name, with_label(labels, "le", format_value(upper_bounds_[i])),
                      std::to_string(cumulative));
    }
    cumulative += bucket_counts_[upper_bounds_.size()].load(std::memory_order_relaxed);
    append_sample(out, bucket_name, with_label(labels, "le", "+Inf"), std::to_string(cumulative));
    append_sample(out, std::string(name) + "_sum", labels, format_value(sum()));
    append_sample(out, std::string(name) + "_count", labels, std::to_string(cumulative));
}

void Histogram::copy_to(MetricSample& sample) const {
    sample.upper_bounds = upper_bounds_;
    sample.bucket_counts.resize(upper_bounds_.size() + 1);
    sample.count = 0;
    for (size_t i = 0; i <= upper_bounds_.size(); ++i) {
        sample.bucket_counts[i] = bucket_counts_[i].load(std::memory_order_relaxed);
        sample.count += sample.bucket_counts[i];
    }
    sample.sum = sum();
}

std::vector<double> linear_buckets(double start, double width, size_t count) {
    std::vector<double> bounds;
    for (size_t i = 0; i < count; ++i) {
        bounds.push_back(start + width * static_cast<double>(i));
    }
    Histogram::validate_upper_bounds(bounds);
    return bounds;
}

std::vector<double> exponential_buckets(double start, double factor, size_t count) {
    std::vector<double> bounds;
    double bound = start;
    for (size_t i = 0; i < count; ++i) {
        bounds.push_back(bound);
        bound *= factor;
    }
    Histogram::validate_upper_bounds(bounds);
    return bounds;
}

MetricFamilyBase::MetricFamilyBase(std::string name, std::string help, std::vector<std::string> label_names)
    : name_(std::move(name)), help_(std::move(help)), label_names_(std::move(label_names)) {
    validate_names(name_, label_names_);
}

FamilySnapshot MetricFamilyBase::empty_snapshot(MetricKind kind) const {
    FamilySnapshot snapshot;
    snapshot.name = name_;
    snapshot.help = help_;
    snapshot.kind = kind;
    snapshot.label_names = label_names_;
    return snapshot;
}

void MetricFamilyBase::check_label_count(const std::vector<std::string>& label_values) const {
    if (label_values.size() != label_names_.size()) {
        throw std::invalid_argument("metric " + name_ + " expects " + std::to_string(label_names_.size()) +
                                    " label value(s), got " + std::to_string(label_values.size()));
    }
}

std::string MetricFamilyBase::format_labels(const std::vector<std::string>& label_values) const {
    std::string text;
    for (size_t i = 0; i < label_names_.size(); ++i) {
        if (i > 0) {
            text += ',';
        }
        text += label_names_[i];
        text += "=\"";
        append_escaped(text, label_values[i], /*escape_quotes=*/true);
        text += '"';
    }
    return text;
}

void MetricFamilyBase::render_header(std::string& out, std::string_view type_name) const {
    out += "# HELP ";
    out += name_;
    out += ' ';
    append_escaped(out, help_, /*escape_quotes=*/false);
    out += "\n# TYPE ";
    out += name_;
    out += ' ';
    out += type_name;
    out += '\n';
}

template <typename Metric>
Family<Metric>::Family(std::string name, std::string help, std::vector<std::string> label_names,
                       ChildFactory make_child)
    : MetricFamilyBase(std::move(name), std::move(help), std::move(label_names)),
      make_child_(std::move(make_child)) {}

template <typename Metric>
Metric& Family<Metric>::with_labels(const std::vector<std::string>& label_values) {
    check_label_count(label_values);
    const std::lock_guard lock(mutex_);
    auto found = children_.find(label_values);
    if (found == children_.end()) {
        found = children_.emplace(label_values, Child{format_labels(label_values), make_child_()}).first;
    }
    return *found->second.metric;
}

template <typename Metric>
void Family<Metric>::render(std::string& out) const {
    const std::lock_guard lock(mutex_);
    if (children_.empty()) {
        return;
    }
    render_header(out, Metric::kTypeName);
    for (const auto& [label_values, child] : children_) {
        child.metric->render_samples(out, name(), child.labels_text);
    }
}

template <typename Metric>
FamilySnapshot Family<Metric>::snapshot() const {
    constexpr MetricKind kind = Metric::kTypeName == "histogram" ? MetricKind::histogram
                                : Metric::kTypeName == "gauge"   ? MetricKind::gauge
                                                                 : MetricKind::counter;
    FamilySnapshot snapshot = empty_snapshot(kind);
    const std::lock_guard lock(mutex_);
    snapshot.samples.reserve(children_.size());
    for (const auto& [label_values, child] : children_) {
        MetricSample& sample = snapshot.samples.emplace_back();
        sample.label_values = label_values;
        child.metric->copy_to(sample);
    }
    return snapshot;
}

template class Family<Counter>;
template class Family<FloatCounter>;
template class Family<Gauge>;
template class Family<Histogram>;

SampledCounterFamily::SampledCounterFamily(std::string name, std::string help,
                                           std::vector<std::string> label_names, Sampler sample)
    : MetricFamilyBase(std::move(name), std::move(help), std::move(label_names)),
      sample_(std::move(sample)) {}

void SampledCounterFamily::render(std::string& out) const {
    const std::vector<MetricSample> samples = sample_();
    if (samples.empty()) {
        return;
    }
    render_header(out, Counter::kTypeName);
    for (const auto& sample : samples) {
        check_label_count(sample.label_values);
        append_sample(out, name(), format_labels(sample.label_values), std::to_string(sample.int_value));
    }
}

FamilySnapshot SampledCounterFamily::snapshot() const {
    FamilySnapshot snapshot = empty_snapshot(MetricKind::counter);
    snapshot.samples = sample_();
    for (auto& sample : snapshot.samples) {
        sample.is_integer = true;
        sample.value = static_cast<double>(sample.int_value);
    }
    return snapshot;
}

SampledCounterFamily& MetricsRegistry::sampled_counter_family(std::string name, std::string help,
                                                              std::vector<std::string> label_names,
                                                              SampledCounterFamily::Sampler sample) {
    return add_family(std::make_unique<SampledCounterFamily>(std::move(name), std::move(help),
                                                             std::move(label_names), std::move(sample)));
}

template <typename FamilyType>
FamilyType& MetricsRegistry::add_family(std::unique_ptr<FamilyType> family) {
    FamilyType& added = *family;
    const std::lock_guard lock(mutex_);
    const auto [position, inserted] = families_.try_emplace(family->name(), std::move(family));
    if (!inserted) {
        throw std::invalid_argument("metric " + position->first + " is already registered");
    }
    return added;
}

Family<Counter>& MetricsRegistry::counter_family(std::string name, std::string help,
                                                 std::vector<std::string> label_names) {
    return add_family(std::make_unique<Family<Counter>>(std::move(name), std::move(help),
                                                        std::move(label_names),
                                                        [] { return std::make_unique<Counter>(); }));
}

Family<FloatCounter>& MetricsRegistry::float_counter_family(std::string name, std::string help,
                                                            std::vector<std::string> label_names) {
    return add_family(
        std::make_unique<Family<FloatCounter>>(std::move(name), std::move(help), std::move(label_names),
                                               [] { return std::make_unique<FloatCounter>(); }));
}

Family<Gauge>& MetricsRegistry::gauge_family(std::string name, std::string help,
                                             std::vector<std::string> label_names) {
    return add_family(std::make_unique<Family<Gauge>>(
        std::move(name), std::move(help), std::move(label_names), [] { return std::make_unique<Gauge>(); }));
}

Family<Histogram>& MetricsRegistry::histogram_family(std::string name, std::string help,
                                                     std::vector<double> upper_bounds,
                                                     std::vector<std::string> label_names) {
    Histogram::validate_upper_bounds(upper_bounds);
    if (std::find(label_names.begin(), label_names.end(), "le") != label_names.end()) {
        throw std::invalid_argument("histogram " + name +
                                    " cannot use the label name \"le\"; it names the bucket");
    }
    auto make_child = [bounds = std::move(upper_bounds)] { return std::make_unique<Histogram>(bounds); };
    return add_family(std::make_unique<Family<Histogram>>(std::move(name), std::move(help),
                                                          std::move(label_names), std::move(make_child)));
}

Counter& MetricsRegistry::counter(std::string name, std::string help) {
    return counter_family(std::move(name), std::move(help), {}).with_labels({});
}

FloatCounter& MetricsRegistry::float_counter(std::string name, std::string help) {
    return float_counter_family(std::move(name), std::move(help), {}).with_labels({});
}

Gauge& MetricsRegistry::gauge(std::string name, std::string help) {
    return gauge_family(std::move(name), std::move(help), {}).with_labels({});
}

Histogram& MetricsRegistry::histogram(std::string name, std::string help, std::vector<double> upper_bounds) {
    return histogram_family(std::move(name), std::move(help), std::move(upper_bounds), {}).with_labels({});
}

void MetricsRegistry::add_collect_hook(std::function<void()> hook) {
    const std::lock_guard lock(hooks_mutex_);
    collect_hooks_.push_back(std::move(hook));
}

void MetricsRegistry::run_collect_hooks() const {
    const std::lock_guard lock(hooks_mutex_);
    for (const auto& hook : collect_hooks_) {
        hook();
    }
}

std::string MetricsRegistry::render() const {
    run_collect_hooks();
    std::string out;
    const std::lock_guard lock(mutex_);
    for (const auto& [name, family] : families_) {
        family->render(out);
    }
    return out;
}

std::vector<FamilySnapshot> MetricsRegistry::snapshot() const {
    run_collect_hooks();
    std::vector<FamilySnapshot> snapshots;
    const std::lock_guard lock(mutex_);
    snapshots.reserve(families_.size());
    for (const auto& [name, family] : families_) {
        snapshots.push_back(family->snapshot());
    }
    return snapshots;
}

}  // namespace common
