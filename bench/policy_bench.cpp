// Policy matcher figures for docs/benchmarks.md: DNS-path evaluation (hit and miss) and snapshot
// compile time as the rule count grows, with the upstream-style linear scan as a baseline.
#include <benchmark/benchmark.h>

#include <string>
#include <vector>

#include "policy/policy_json.hpp"
#include "policy/snapshot_store.hpp"

namespace egress::policy {
namespace {

// count rules alternating "svcN.example.com" (exact) and "*.tenantN.example.net" (wildcard).
Policy synthetic_policy(int64_t count) {
    Policy policy;
    policy.has_rule_list = true;
    policy.rules.reserve(static_cast<size_t>(count));
    for (int64_t i = 0; i < count; ++i) {
        const std::string n = std::to_string(i);
        policy.rules.push_back(i % 2 == 0 ? make_rule("allow", "svc" + n + ".example.com")
                                          : make_rule("deny", "*.tenant" + n + ".example.net"));
    }
    return policy;
}

// A wildcard rule from the middle of the list, matched three labels below its suffix.
std::string hit_query(int64_t count) {
    return "a.b.api.tenant" + std::to_string((count / 2) | 1) + ".EXAMPLE.net.";
}

constexpr const char* miss_query = "www.some-unlisted-host.example.org.";

void evaluate(benchmark::State& state, const std::string& qname) {
    SnapshotStore store(PolicySnapshot::make(synthetic_policy(state.range(0))));
    auto reader = store.reader();
    const Action expected = reader.get().evaluate(qname);
    for (auto _ : state) {
        benchmark::DoNotOptimize(reader.get().evaluate(qname));
    }
    state.counters["denied"] = expected == Action::deny ? 1 : 0;
}

void BM_EvaluateHit(benchmark::State& state) {
    evaluate(state, hit_query(state.range(0)));
}
void BM_EvaluateMiss(benchmark::State& state) {
    evaluate(state, miss_query);
}

// What upstream did before its index: walk every rule with string compares.
bool linear_matches(const Policy& policy, std::string_view name) {
    for (const Rule& rule : policy.rules) {
        const std::string& text = rule.target.text;
        if (rule.target.kind == TargetKind::domain && name == text) {
            return true;
        }
        if (rule.target.kind == TargetKind::wildcard && name.ends_with(std::string_view(text).substr(1)) &&
            name != std::string_view(text).substr(2)) {
            return true;
        }
    }
    return false;
}

void BM_LinearScanMiss(benchmark::State& state) {
    const Policy policy = synthetic_policy(state.range(0));
    const std::string name = "www.some-unlisted-host.example.org";
    for (auto _ : state) {
        benchmark::DoNotOptimize(linear_matches(policy, name));
    }
}

void BM_CompileSnapshot(benchmark::State& state) {
    const Policy policy = synthetic_policy(state.range(0));
    for (auto _ : state) {
        benchmark::DoNotOptimize(PolicySnapshot::make(policy));
    }
    state.SetItemsProcessed(state.iterations() * state.range(0));
}

void BM_ParsePolicyJson(benchmark::State& state) {
    const std::string text = serialize_policy(synthetic_policy(state.range(0)));
    for (auto _ : state) {
        benchmark::DoNotOptimize(parse_policy(text));
    }
    state.SetItemsProcessed(state.iterations() * state.range(0));
}

BENCHMARK(BM_EvaluateHit)->Arg(10)->Arg(1000)->Arg(10000)->Arg(100000);
BENCHMARK(BM_EvaluateMiss)->Arg(10)->Arg(1000)->Arg(10000)->Arg(100000);
BENCHMARK(BM_LinearScanMiss)->Arg(10)->Arg(1000)->Arg(10000);
BENCHMARK(BM_CompileSnapshot)->Arg(10)->Arg(1000)->Arg(10000)->Arg(100000)->Unit(benchmark::kMillisecond);
BENCHMARK(BM_ParsePolicyJson)->Arg(10000)->Unit(benchmark::kMillisecond);

}  // namespace
}  // namespace egress::policy

BENCHMARK_MAIN();
