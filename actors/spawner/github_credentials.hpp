#pragma once

// The CREDENTIALS actor: tokens for TaskSpawner sources, asked for by the pollers once per
// cycle.
//
// `(atom::get, ns, secret, api_base)` reads the Secret through the KUBE actor (the watch
// caches hold key names only, never values) and replies `source_credentials`:
// - GitHub App credentials (`appID`, `installationID`, `privateKey`): an installation token,
//   cached per (namespace, Secret, App, installation, API base) and exchanged again once it
//   expires within `spawner_context::token_refresh_margin`. The exchange blocks, so it runs on
//   a detached worker actor; concurrent asks for the same token wait for one exchange.
// - otherwise `GITHUB_TOKEN` (a PAT) or `JIRA_TOKEN` (+ optional `JIRA_USER`), whichever the
//   Secret has; no key at all gives an empty token (unauthenticated).
// An empty secret name replies empty credentials at once. `(atom::remove, ns, secret)`
// forgets cached tokens of that Secret (it changed). Tokens and keys are never logged.

#include "actors/spawner/spawner_messages.hpp"

#include <caf/actor.hpp>
#include <caf/actor_system.hpp>

namespace kelos::spawner {

caf::actor spawn_credentials(caf::actor_system& sys, kube_actor kube, std::shared_ptr<const spawner_context> ctx);

} // namespace kelos::spawner
