// `kelos install` (seed §4.2, §7): the embedded deploy/install.yaml, server-side applied,
// CRDs first and Established before the controller.

#include "cli/cli_session.hpp"
#include "cli/install_client.hpp"
#include "cli/install_manifest.hpp"
#include "cli/verbs.hpp"
#include "sources/duration.hpp"

#include <iostream>

namespace kelos::cli {

int verb_install(const std::vector<std::string>& args, const environment& env) {
  auto app = make_app("install", "Install the Kelos CRDs and controller into the current cluster (kelos-system)");
  global_options g;
  add_global_options(*app, g);
  bool dry_run = false;
  std::string version = default_install_version();
  std::string policy;
  std::string timeout = "1m";
  app->add_flag("--dry-run", dry_run, "Print the manifests instead of applying them");
  app->add_option("--version", version, "Image tag of the controller and agent images (default " + version + ")");
  app->add_option("--image-pull-policy", policy, "imagePullPolicy of the controller and the agent containers "
                                                 "(Always, IfNotPresent or Never)");
  app->add_option("--timeout", timeout, "How long to wait for the CRDs to be Established (default 1m)");
  return run_verb(*app, args, [&] {
    auto wait = must(sources::parse_go_duration(timeout));
    auto docs = must(install_documents(embedded_install_manifest(), version, policy));
    if (dry_run) {
      std::cout << join_manifest(docs);
      return 0;
    }
    auto s = must(open_session(g, env));
    manifest_client client{s};
    std::cout << "Installing kelos CRDs\n" << std::flush;
    for (const auto& d : docs)
      if (d.is_crd())
        must(client.apply(d));
    must(client.wait_established(docs, std::chrono::duration_cast<std::chrono::milliseconds>(wait)));
    std::cout << "Installing kelos controller (version: " << (version.empty() ? "latest" : version) << ")\n"
              << std::flush;
    for (const auto& d : docs)
      if (!d.is_crd())
        must(client.apply(d));
    std::cout << "Kelos installed successfully\n";
    return 0;
  });
}

} // namespace kelos::cli
