#include "cli/cli_session.hpp"

#include "actors/kube_transport.hpp"
#include "cli/rest.hpp"
#include "k8s/client/request.hpp"
#include "k8s/client/rest_config.hpp"

#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <iostream>
#include <sstream>
#include <unistd.h>

namespace kelos::cli {

void add_global_options(CLI::App& app, global_options& opts) {
  app.add_option("--config", opts.config_path, "Path to the config file (default ~/.kelos/config.yaml)");
  app.add_option("--kubeconfig", opts.kubeconfig, "Path to the kubeconfig file (default $KUBECONFIG or ~/.kube/config)");
  app.add_option("-n,--namespace", opts.ns, "Namespace (default: config namespace, then the context's, then default)");
  app.add_option("--context", opts.context, "Kubeconfig context to use");
}

std::unique_ptr<CLI::App> make_app(const std::string& verb, const std::string& description) {
  auto app = std::make_unique<CLI::App>(description, "kelos " + verb);
  app->set_help_flag("-h,--help", "Show this help");
  app->option_defaults()->always_capture_default(false);
  app->fallthrough(); // global flags after a subcommand (`get tasks -n team`)
  return app;
}

void fail(kelos::error e) {
  throw verb_failure{std::move(e)};
}

void fail(const std::string& message) {
  throw verb_failure{kelos::error{errc::invalid_spec, message}};
}

int run_verb(CLI::App& app, const std::vector<std::string>& args, const std::function<int()>& body) {
  if (app.get_name() == "kelos get" || app.get_name() == "kelos delete")
    if (auto message = unknown_kind_error(args); !message.empty()) {
      std::cerr << "Error: " << message << "\nRun '" << app.get_name() << " --help' for usage.\n";
      return 2;
    }
  std::vector<std::string> reversed(args.rbegin(), args.rend());
  try {
    app.parse(reversed);
  } catch (const CLI::CallForHelp&) {
    std::cout << app.help();
    return 0;
  } catch (const CLI::ParseError& e) {
    // Help of a subcommand arrives as CallForHelp from the subcommand; others are usage errors.
    std::cerr << "Error: " << e.what() << "\nRun '" << app.get_name() << " --help' for usage.\n";
    return 2;
  }
  try {
    return body();
  } catch (const verb_failure& f) {
    std::cerr << "Error: " << f.error.message << "\n";
    return 1;
  }
}

file_reader real_file_reader() {
  return [](const std::string& path) -> kelos::expected<std::string> {
    std::stringstream ss;
    if (path == "-") {
      ss << std::cin.rdbuf();
      return ss.str();
    }
    std::error_code ec;
    if (std::filesystem::is_directory(path, ec))
      return kelos::error{errc::io_error, "cannot read " + path + ": is a directory"};
    std::ifstream in{path, std::ios::binary};
    if (!in)
      return kelos::error{errc::io_error, "cannot read " + path + ": " + std::strerror(errno)};
    ss << in.rdbuf();
    return ss.str();
  };
}

std::string home_dir(const environment& env) {
  auto it = env.find("HOME");
  return it == env.end() ? std::string{} : it->second;
}

std::string config_path(const global_options& opts, const environment& env) {
  if (!opts.config_path.empty())
    return expand_home(opts.config_path, home_dir(env));
  return home_dir(env) + "/.kelos/config.yaml";
}

kelos::expected<cli_config> load_config(const global_options& opts, const environment& env) {
  auto path = config_path(opts, env);
  std::error_code ec;
  if (!std::filesystem::exists(path, ec))
    return cli_config{};
  auto text = real_file_reader()(path);
  if (!text)
    return text.error();
  return parse_config(*text, path);
}

kelos::expected<session> open_session(const global_options& opts, const environment& env) {
  session s;
  auto config = load_config(opts, env);
  if (!config)
    return config.error();
  s.config = std::move(*config);
  s.home = home_dir(env);
  k8s::client::load_options lo;
  lo.kubeconfig_path = expand_home(opts.kubeconfig, s.home);
  lo.context = opts.context;
  lo.env = [env](std::string_view name) -> std::optional<std::string> {
    auto it = env.find(std::string{name});
    if (it == env.end())
      return std::nullopt;
    return it->second;
  };
  auto rest = k8s::client::load_rest_config(lo);
  if (!rest)
    return rest.error();
  s.ns = resolve_namespace(opts.ns, s.config, rest->namespace_);
  auto tc = transport_config_from(*rest);
  tc.connect_timeout = std::chrono::seconds{5};
  tc.response_header_timeout = std::chrono::seconds{30};
  auto client = k8s::http_client::make(std::move(tc));
  if (!client)
    return client.error();
  s.http = std::shared_ptr<k8s::http_client>{std::move(*client)};
  return s;
}

const k8s::resource_info& resource_for(kind k) {
  static const auto kelos = k8s::kelos_resources();
  const auto& want = std::find_if(all_kinds().begin(), all_kinds().end(), [&](const auto& i) { return i.k == k; })->api_kind;
  for (const auto& r : kelos)
    if (r.kind == want)
      return r;
  std::abort();
}

const k8s::resource_info& builtin_resource(std::string_view kind_name) {
  static const auto builtins = k8s::builtin_resources();
  for (const auto& r : builtins)
    if (r.kind == kind_name)
      return r;
  std::abort();
}

kelos::expected<json> api_get(session& s, const k8s::resource_info& res, const std::string& name) {
  return rest_call(*s.http, k8s::get_request(res, s.ns, name), std::chrono::seconds{30});
}

kelos::expected<std::vector<json>> api_list(session& s, const k8s::resource_info& res, const std::string& ns,
                                            std::chrono::milliseconds timeout) {
  auto list = rest_call(*s.http, k8s::list_request(res, ns), timeout);
  if (!list)
    return list.error();
  std::vector<json> items;
  if (list->contains("items") && (*list)["items"].is_array())
    for (auto& item : (*list)["items"])
      items.push_back(std::move(item));
  std::sort(items.begin(), items.end(), [](const json& a, const json& b) {
    auto key = [](const json& o) {
      const auto& m = o.at("metadata");
      return std::pair{m.value("namespace", std::string{}), m.value("name", std::string{})};
    };
    return key(a) < key(b);
  });
  return items;
}

std::string unknown_kind_error(const std::vector<std::string>& args) {
  for (std::size_t i = 0; i < args.size(); ++i) {
    const auto& a = args[i];
    if (a == "--config" || a == "--kubeconfig" || a == "-n" || a == "--namespace" || a == "--context" || a == "-o" ||
        a == "--output" || a == "--phase") {
      ++i;
      continue;
    }
    if (a.starts_with("-"))
      continue;
    if (find_kind(a))
      return {};
    return "unknown resource type \"" + a + "\": must be one of task(s), taskspawner(s) (ts), workspace(s) (ws), "
           "agentconfig(s) (ac)";
  }
  return {};
}

json without_managed_fields(json object) {
  if (object.contains("metadata") && object["metadata"].is_object())
    object["metadata"].erase("managedFields");
  if (object.contains("items") && object["items"].is_array())
    for (auto& item : object["items"])
      item = without_managed_fields(std::move(item));
  return object;
}

bool confirm(const std::string& kind, const std::string& name, std::istream& in) {
  std::cerr << "Resource " << kind << "/" << name << " already exists. Override? [y/N]: " << std::flush;
  std::string answer;
  if (!std::getline(in, answer))
    return false;
  while (!answer.empty() && (answer.back() == '\r' || answer.back() == ' '))
    answer.pop_back();
  std::string lower;
  for (char c : answer)
    lower += static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return lower == "y" || lower == "yes";
}

kelos::expected<void> ensure_object(session& s, const owned_object& obj, bool yes, std::istream& in) {
  const auto& object = obj.object;
  const auto& res = object.at("kind") == "Secret" ? builtin_resource("Secret")
                                                  : resource_for(find_kind(obj.kind)->k);
  auto name = object.at("metadata").at("name").get<std::string>();
  auto created = rest_call(*s.http, k8s::create_request(res, s.ns, object));
  if (created)
    return {};
  if (created.error().code != errc::already_exists)
    return created.error();
  auto current = rest_call(*s.http, k8s::get_request(res, s.ns, name));
  if (!current)
    return current.error();
  bool same = object.at("kind") == "Secret" ? current->value("data", json::object()) == object.at("data")
                                            : current->value("spec", json::object()) == object.at("spec");
  if (same)
    return {};
  if (!yes && !confirm(obj.kind, name, in))
    return kelos::error{errc::invalid_spec, "aborted"};
  auto desired = *current;
  if (object.at("kind") == "Secret") {
    desired["data"] = object.at("data");
    desired.erase("stringData");
  } else {
    desired["spec"] = object.at("spec");
  }
  auto updated = rest_call(*s.http, k8s::update_request(res, s.ns, name, desired));
  if (!updated)
    return updated.error();
  return {};
}

bool is_terminal(int fd) {
  if (std::getenv("NO_COLOR"))
    return false;
  const char* term = std::getenv("TERM");
  if (term && std::string_view{term} == "dumb")
    return false;
  return ::isatty(fd) == 1;
}

} // namespace kelos::cli
