#pragma once

#include <nlohmann/json.hpp>
#include <optional>
#include <string>

namespace execd::jupyter {

// Picks the kernelspec for `language` from Jupyter's GET /api/kernelspecs answer. Candidates are the
// specs whose spec.language equals `language` (case-insensitively). A candidate named like the
// language wins ("python"); otherwise the server's default if it is a candidate; otherwise the first
// candidate by name (so a lone "python3" is used). nullopt when no spec has that language.
std::optional<std::string> choose_kernelspec(const nlohmann::json& kernelspecs, const std::string& language);

}  // namespace execd::jupyter
