#include "jupyter/kernelspec_selection.hpp"

#include <algorithm>
#include <vector>

#include "common/config.hpp"

namespace execd::jupyter {

namespace {

std::vector<std::string> candidates_for(const nlohmann::json& specs, const std::string& language) {
    std::vector<std::string> names;
    for (const auto& [name, entry] : specs.items()) {
        if (!entry.is_object()) {
            continue;
        }
        const auto spec = entry.find("spec");
        if (spec == entry.end() || !spec->is_object()) {
            continue;
        }
        const auto spec_language = spec->find("language");
        if (spec_language != spec->end() && spec_language->is_string() &&
            common::equals_ignoring_case(spec_language->get<std::string>(), language)) {
            names.push_back(name);
        }
    }
    std::sort(names.begin(), names.end());
    return names;
}

}  // namespace

std::optional<std::string> choose_kernelspec(const nlohmann::json& kernelspecs, const std::string& language) {
    if (!kernelspecs.is_object()) {
        return std::nullopt;
    }
    const auto specs = kernelspecs.find("kernelspecs");
    if (specs == kernelspecs.end() || !specs->is_object()) {
        return std::nullopt;
    }
    const std::vector<std::string> names = candidates_for(*specs, language);
    if (names.empty()) {
        return std::nullopt;
    }
    for (const auto& name : names) {
        if (common::equals_ignoring_case(name, language)) {
            return name;
        }
    }
    const auto default_entry = kernelspecs.find("default");
    const std::string default_name = default_entry != kernelspecs.end() && default_entry->is_string()
                                         ? default_entry->get<std::string>()
                                         : std::string();
    if (std::find(names.begin(), names.end(), default_name) != names.end()) {
        return default_name;
    }
    return names.front();
}

}  // namespace execd::jupyter
