#pragma once

// The run plan of one pod on the local node: for each container the full bubblewrap argv
// and environment, the pod's directories and the volume files to write. Pure: facts about
// the host (which files and commands exist) come in through `host_facts`.
//
// Sandbox layout (per container, one bwrap invocation, no shell):
//   --tmpfs /                            an empty root...
//   --ro-bind D D  (or --symlink T D)    ...with each host top-level directory read-only
//   --dev /dev --proc /proc
//   --bind <pod>/tmp /tmp                /tmp is the pod's own
//   --bind W W                           node writable_paths (local git repositories)
//   --bind/--ro-bind <pod>/volumes/V M   volumes at their mountPath
//   --ro-bind H P                        image-map files (entrypoint, kelos-capture)
//   --dir <workingDir> --remount-ro /    then the root itself is read-only
//   --unshare-pid/ipc/uts [--unshare-user --uid U --gid G] --die-with-parent --new-session
// The environment is bwrap's own envp (never argv, so secrets stay out of /proc/*/cmdline).

#include "actors/node/image_map.hpp"
#include "k8s/json.hpp"

#include <cstdint>
#include <functional>
#include <map>
#include <optional>
#include <string>
#include <variant>
#include <vector>

namespace kelos::node {

/// A top-level host directory made visible read-only in every sandbox.
struct host_dir {
  std::string path;
  /// Non-empty: `path` is a symlink to this target on the host (merged /usr): recreated
  /// as a symlink instead of bound.
  std::string symlink_target;
};

/// What the plan needs to know about the node and the host.
struct host_facts {
  std::string node_name = "kelos-local";
  /// This pod's directory (created by the caller from `pod_plan::directories`).
  std::string pod_dir;
  std::vector<host_dir> host_dirs;
  /// Host directories bound read-write at the same path.
  std::vector<std::string> writable_paths;
  std::string bwrap = "bwrap";
  /// PATH of sandboxed processes (before image-map and container env).
  std::string path_env = "/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin";
  /// runAsUser/runAsGroup through a user namespace; false: ignored.
  bool user_namespaces = true;
  /// Host lookups; unset means "exists".
  std::function<bool(const std::string&)> file_exists;
  std::function<bool(const std::string&)> command_exists;
};

/// Objects the pod references, by name, from the pod's namespace (already fetched).
struct pod_refs {
  std::map<std::string, k8s::json> secrets;
  std::map<std::string, k8s::json> config_maps;
};

/// A file to write before the pod starts (secret and configMap volume contents).
struct volume_file {
  std::string path;
  std::string content;
  int mode = 0644;
};

/// One container of the plan.
struct container_step {
  std::string name;
  std::string image;
  /// bwrap argv, argv[0] is the bwrap binary.
  std::vector<std::string> argv;
  /// "NAME=value" environment of the bwrap process (passed through to the container).
  std::vector<std::string> env;
};

struct pod_plan {
  std::vector<std::string> directories;
  std::vector<volume_file> files;
  std::vector<container_step> init_containers;
  std::vector<container_step> containers;
  /// terminationGracePeriodSeconds (default 30).
  int64_t grace_seconds = 30;
  std::optional<int64_t> active_deadline_seconds;
};

/// Why a pod cannot start: a kubelet-style reason and message, and the container at fault.
struct plan_error {
  /// CreateContainerConfigError, ImageNotMapped, RequiredCommandNotFound, ImageFileNotFound,
  /// InvalidPodSpec, RunContainerError.
  std::string reason;
  std::string message;
  std::string container;
};

using plan_result = std::variant<pod_plan, plan_error>;

/// Names of the Secrets and ConfigMaps a pod references (env valueFrom, volumes).
struct referenced_objects {
  std::vector<std::string> secrets;
  std::vector<std::string> config_maps;
};
referenced_objects references_of(const k8s::json& pod);

/// Builds the plan of `pod`.
plan_result plan_pod(const k8s::json& pod, const pod_refs& refs, const image_map& images,
                     const host_facts& host);

/// Kubernetes $(VAR) expansion (kubelet's expansion package): $(NAME) is replaced when NAME
/// is in `vars`, else kept verbatim; $$ is a literal $.
std::string expand_k8s_vars(std::string_view input, const std::map<std::string, std::string>& vars);

} // namespace kelos::node
