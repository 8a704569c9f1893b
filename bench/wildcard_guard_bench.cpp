// The wildcard guard's cost on the DNS path (docs/benchmarks.md): one judgement of a name a
// wildcard admits, with the guard off and on, for a name seen lately and for a new one each time.
#include <benchmark/benchmark.h>

#include <string>

#include "dns/snapshot_query_policy.hpp"
#include "policy/policy_json.hpp"

namespace {

using namespace egress;

constexpr uint16_t kTypeA = 1;

std::unique_ptr<policy::SnapshotStore> store_with(const std::string& guard) {
    return std::make_unique<policy::SnapshotStore>(policy::PolicySnapshot::make(policy::parse_policy(
        R"({"defaultAction":"deny","egress":[{"action":"allow","target":"*.cdn.example.net"}],"wildcardGuard":)" +
        guard + "}")));
}

void judge_names(benchmark::State& state, const std::string& guard, bool new_name_each_time) {
    const auto store = store_with(guard);
    dns::NewNameBudget budget;
    const dns::SnapshotQueryPolicy judge(*store, budget);
    const std::string seen = "edge-eu-west-1.cdn.example.net";
    uint64_t counter = 0;
    std::string name;
    for (auto _ : state) {
        name = new_name_each_time ? "n" + std::to_string(++counter) + ".cdn.example.net" : seen;
        benchmark::DoNotOptimize(judge.judge(name, kTypeA));
    }
}

void BM_GuardOff(benchmark::State& state) {
    judge_names(state, R"({"enabled":false})", false);
}
void BM_GuardOnSeenName(benchmark::State& state) {
    judge_names(state, R"({"newNamesBurst":1000000,"newNamesPerMinute":1000000})", false);
}
void BM_GuardOffNewNames(benchmark::State& state) {
    judge_names(state, R"({"enabled":false})", true);
}
void BM_GuardOnNewNames(benchmark::State& state) {
    judge_names(state, R"({"newNamesBurst":1000000,"newNamesPerMinute":1000000})", true);
}

BENCHMARK(BM_GuardOff);
BENCHMARK(BM_GuardOnSeenName);
BENCHMARK(BM_GuardOffNewNames);
BENCHMARK(BM_GuardOnNewNames);

}  // namespace

BENCHMARK_MAIN();
