#pragma once

#include <string_view>
#include <utility>
#include <vector>

namespace kelos::local {

/// The Kelos CRD manifests of deploy/crds/ (file name, YAML text), compiled into the binary.
std::vector<std::pair<std::string_view, std::string_view>> kelos_crd_manifests();

} // namespace kelos::local
