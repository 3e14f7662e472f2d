// `kelos init [-f]`: write the commented config template (dir 0700, file 0600).

#include "cli/cli_session.hpp"
#include "cli/verbs.hpp"

#include <filesystem>
#include <fstream>
#include <iostream>
#include <sys/stat.h>

namespace kelos::cli {

int verb_init(const std::vector<std::string>& args, const environment& env) {
  auto app = make_app("init", "Write a commented config file to fill in (~/.kelos/config.yaml)");
  global_options g;
  app->add_option("--config", g.config_path, "Path of the config file to write (default ~/.kelos/config.yaml)");
  bool force = false;
  app->add_flag("-f,--force", force, "Overwrite an existing config file");
  return run_verb(*app, args, [&] {
    namespace fs = std::filesystem;
    fs::path path = config_path(g, env);
    std::error_code ec;
    if (fs::exists(path, ec) && !force)
      fail("config file already exists: " + path.string() + " (use --force to overwrite)");
    if (path.has_parent_path() && !fs::exists(path.parent_path(), ec)) {
      fs::create_directories(path.parent_path(), ec);
      if (ec)
        fail("cannot create " + path.parent_path().string() + ": " + ec.message());
      ::chmod(path.parent_path().c_str(), 0700);
    }
    {
      std::ofstream out{path, std::ios::trunc};
      if (!out)
        fail("cannot write " + path.string() + ": " + std::strerror(errno));
      out << config_template();
    }
    ::chmod(path.c_str(), 0600);
    std::cout << "Config file created: " << path.string() << "\n\n"
              << "Next steps:\n"
              << "  1. Get a credential:\n"
              << "       Claude OAuth token: run `claude setup-token` (https://docs.anthropic.com/en/docs/claude-code)\n"
              << "       Anthropic API key:  https://console.anthropic.com/settings/keys\n"
              << "  2. Edit " << path.string() << " and set oauthToken or apiKey (and a workspace if you want one)\n"
              << "  3. Install Kelos in your cluster (`kelos install`, not yet in this build), or run it locally: `kelos up --detach`\n"
              << "  4. Run a task:  kelos run -p \"Say hello\" -w\n"
              << "     and follow it: kelos logs <task> -f\n";
    return 0;
  });
}

} // namespace kelos::cli
