#pragma once

// Bridges kelos::error (pure code) and caf::error (actors).

#include "runtime/error.hpp"

#include <caf/actor_system_config.hpp>
#include <caf/error.hpp>

CAF_ERROR_CODE_ENUM(kelos::errc, "kelos")

namespace kelos {

/// Converts a kelos::error into a caf::error with category "kelos"; the message is kept as context.
caf::error to_caf_error(const kelos::error& err);

/// Converts back; errors of other categories become errc::logic_error with CAF's rendering.
kelos::error from_caf_error(const caf::error& err);

/// Registers the "kelos" error category renderer with an actor system config.
void register_error_category(caf::actor_system_config& cfg);

} // namespace kelos
