#include "actors/node/pod_plan.hpp"

#include "k8s/kinds.hpp"

#include <algorithm>
#include <set>

namespace kelos::node {
namespace {

using k8s::json;

const json& field(const json& j, const char* key) {
  static const json null;
  if (!j.is_object())
    return null;
  auto it = j.find(key);
  return it == j.end() ? null : *it;
}

std::string str(const json& j, const char* key) { return k8s::get_string(j, key); }

std::string dq(std::string_view s) { return "\"" + std::string{s} + "\""; }

plan_error config_error(const std::string& container, std::string message) {
  return plan_error{"CreateContainerConfigError", std::move(message), container};
}

plan_error spec_error(const std::string& container, std::string message) {
  return plan_error{"InvalidPodSpec", std::move(message), container};
}

/// The value of one key of a Secret (base64-decoded data, or stringData) or ConfigMap.
std::optional<std::string> secret_value(const json& secret, const std::string& key) {
  const json& sd = field(secret, "stringData");
  if (sd.is_object() && sd.contains(key) && sd[key].is_string())
    return sd[key].get<std::string>();
  const json& d = field(secret, "data");
  if (d.is_object() && d.contains(key) && d[key].is_string())
    return k8s::base64_decode(d[key].get<std::string>());
  return std::nullopt;
}

std::optional<std::string> config_map_value(const json& cm, const std::string& key) {
  const json& d = field(cm, "data");
  if (d.is_object() && d.contains(key) && d[key].is_string())
    return d[key].get<std::string>();
  const json& b = field(cm, "binaryData");
  if (b.is_object() && b.contains(key) && b[key].is_string())
    return k8s::base64_decode(b[key].get<std::string>());
  return std::nullopt;
}

/// All key/value pairs of a Secret or ConfigMap.
std::map<std::string, std::string> all_values(const json& obj, bool secret) {
  std::map<std::string, std::string> out;
  for (const char* f : {"data", "binaryData", "stringData"}) {
    const json& d = field(obj, f);
    if (!d.is_object())
      continue;
    for (auto it = d.begin(); it != d.end(); ++it) {
      if (!it.value().is_string())
        continue;
      bool encoded = (secret && std::string_view{f} == "data") || std::string_view{f} == "binaryData";
      auto v = encoded ? k8s::base64_decode(it.value().get<std::string>()) : it.value().get<std::string>();
      if (v)
        out[it.key()] = *v;
    }
  }
  return out;
}

/// A relative path without "..", as volume item paths and subPaths must be.
bool safe_relative(std::string_view p) {
  if (p.empty() || p.front() == '/')
    return false;
  std::size_t start = 0;
  while (start <= p.size()) {
    auto slash = p.find('/', start);
    auto part = p.substr(start, slash == std::string_view::npos ? std::string_view::npos : slash - start);
    if (part == "..")
      return false;
    if (slash == std::string_view::npos)
      break;
    start = slash + 1;
  }
  return true;
}

/// A Secret or ConfigMap key as the API server validates it (IsConfigMapKey): at most 253
/// of `[-._a-zA-Z0-9]`, not `.` or `..`. Keys become file names in volumes, so anything else
/// (a `/`, `..`) could write outside the volume; our API server does not validate them.
bool valid_data_key(std::string_view k) {
  if (k.empty() || k.size() > 253 || k == "." || k == "..")
    return false;
  return std::all_of(k.begin(), k.end(), [](char c) {
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '-' || c == '.' ||
           c == '_';
  });
}

std::optional<int64_t> int_field(const json& j, const char* key) {
  const json& v = field(j, key);
  if (v.is_number_integer())
    return v.get<int64_t>();
  return std::nullopt;
}

struct volume_info {
  std::string host_dir;
  bool read_only = false;
};

struct pod_context {
  const json& pod;
  const pod_refs& refs;
  const image_map& images;
  const host_facts& host;
  std::string ns;
  std::map<std::string, volume_info> volumes;
};

/// Resolves one env entry's valueFrom; nullopt value with no error = optional and absent.
std::variant<std::optional<std::string>, plan_error> value_from(const pod_context& ctx, const std::string& container,
                                                                const std::string& var, const json& vf) {
  // secretKeyRef and configMapKeyRef differ only in where they look and how they say it.
  struct key_ref {
    const char* field;
    const std::map<std::string, json>* objects;
    std::optional<std::string> (*value)(const json&, const std::string&);
    const char* lower;
    const char* kind;
  };
  for (const auto& kr : {key_ref{"secretKeyRef", &ctx.refs.secrets, secret_value, "secret", "Secret"},
                         key_ref{"configMapKeyRef", &ctx.refs.config_maps, config_map_value, "configmap", "ConfigMap"}}) {
    const json& ref = field(vf, kr.field);
    if (!ref.is_object())
      continue;
    auto name = str(ref, "name");
    auto key = str(ref, "key");
    bool optional = k8s::get_bool(ref, "optional");
    auto it = kr.objects->find(name);
    std::optional<std::string> v;
    if (it != kr.objects->end())
      v = kr.value(it->second, key);
    if (v || optional)
      return v;
    if (it == kr.objects->end())
      return config_error(container, std::string{kr.lower} + " " + dq(name) + " not found");
    return config_error(container, "couldn't find key " + key + " in " + kr.kind + " " + ctx.ns + "/" + name);
  }
  if (const json& ref = field(vf, "fieldRef"); ref.is_object()) {
    auto path = str(ref, "fieldPath");
    const json& meta = field(ctx.pod, "metadata");
    if (path == "metadata.name")
      return std::optional<std::string>{str(meta, "name")};
    if (path == "metadata.namespace")
      return std::optional<std::string>{ctx.ns};
    if (path == "metadata.uid")
      return std::optional<std::string>{str(meta, "uid")};
    if (path == "spec.nodeName")
      return std::optional<std::string>{ctx.host.node_name};
    if (path == "status.podIP" || path == "status.hostIP")
      return std::optional<std::string>{"127.0.0.1"};
    if (path == "spec.serviceAccountName")
      return std::optional<std::string>{str(field(ctx.pod, "spec"), "serviceAccountName")};
    return spec_error(container, "env " + var + ": unsupported fieldRef " + dq(path));
  }
  return spec_error(container, "env " + var + ": unsupported valueFrom (supported: secretKeyRef, configMapKeyRef, fieldRef)");
}

/// The container's environment in definition order with $(VAR) expanded; the map holds the
/// same values for command/args expansion.
std::variant<std::vector<std::pair<std::string, std::string>>, plan_error>
container_env(const pod_context& ctx, const json& c, const std::string& name) {
  std::vector<std::pair<std::string, std::string>> out;
  std::map<std::string, std::string> defined;
  auto set = [&](const std::string& k, std::string v) {
    defined[k] = v;
    auto it = std::find_if(out.begin(), out.end(), [&](const auto& p) { return p.first == k; });
    if (it != out.end())
      it->second = std::move(v);
    else
      out.emplace_back(k, std::move(v));
  };
  for (const json& from : field(c, "envFrom").is_array() ? field(c, "envFrom") : json::array()) {
    auto prefix = str(from, "prefix");
    std::map<std::string, std::string> values;
    if (const json& s = field(from, "secretRef"); s.is_object()) {
      auto it = ctx.refs.secrets.find(str(s, "name"));
      if (it == ctx.refs.secrets.end()) {
        if (!k8s::get_bool(s, "optional"))
          return config_error(name, "secret " + dq(str(s, "name")) + " not found");
      } else {
        values = all_values(it->second, true);
      }
    } else if (const json& m = field(from, "configMapRef"); m.is_object()) {
      auto it = ctx.refs.config_maps.find(str(m, "name"));
      if (it == ctx.refs.config_maps.end()) {
        if (!k8s::get_bool(m, "optional"))
          return config_error(name, "configmap " + dq(str(m, "name")) + " not found");
      } else {
        values = all_values(it->second, false);
      }
    }
    for (auto& [k, v] : values)
      set(prefix + k, v);
  }
  for (const json& e : field(c, "env").is_array() ? field(c, "env") : json::array()) {
    auto var = str(e, "name");
    if (var.empty())
      return spec_error(name, "env: name is required");
    if (const json& vf = field(e, "valueFrom"); vf.is_object()) {
      auto r = value_from(ctx, name, var, vf);
      if (auto* err = std::get_if<plan_error>(&r))
        return *err;
      auto& v = std::get<std::optional<std::string>>(r);
      if (v)
        set(var, *v);
      continue;
    }
    set(var, expand_k8s_vars(str(e, "value"), defined));
  }
  return out;
}

std::vector<std::string> strings(const json& a) {
  std::vector<std::string> out;
  if (a.is_array())
    for (const auto& x : a)
      out.push_back(x.is_string() ? x.get<std::string>() : x.dump());
  return out;
}

std::optional<int64_t> security_int(const json& pod_spec, const json& c, const char* key) {
  if (auto v = int_field(field(c, "securityContext"), key))
    return v;
  return int_field(field(pod_spec, "securityContext"), key);
}

bool under(const std::string& path, const std::string& dir) {
  if (dir == "/")
    return true;
  return path == dir || (path.size() > dir.size() && path.compare(0, dir.size(), dir) == 0 && path[dir.size()] == '/');
}

std::variant<container_step, plan_error> plan_container(const pod_context& ctx, const json& c) {
  container_step step;
  step.name = str(c, "name");
  step.image = str(c, "image");
  const auto& name = step.name;
  const json& spec = field(ctx.pod, "spec");

  const image_entry* entry = find_image(ctx.images, step.image);
  if (entry == nullptr)
    return plan_error{"ImageNotMapped",
                      "image " + dq(step.image) + " has no entry in the image map " + ctx.images.source +
                        "; add one (see docs/local-mode-node.md) or use an image it maps",
                      name};
  for (const auto& req : entry->requires_commands)
    if (ctx.host.command_exists && !ctx.host.command_exists(req.command))
      return plan_error{"RequiredCommandNotFound", req.message, name};
  for (const auto& [path, host_path] : entry->files)
    if (ctx.host.file_exists && !ctx.host.file_exists(host_path))
      return plan_error{"ImageFileNotFound",
                        "image map " + ctx.images.source + ", entry " + dq(entry->image) + ", files[" + path +
                          "]: host file " + dq(host_path) + " does not exist",
                        name};

  auto env_r = container_env(ctx, c, name);
  if (auto* err = std::get_if<plan_error>(&env_r))
    return *err;
  auto& cenv = std::get<0>(env_r);
  std::map<std::string, std::string> vars(cenv.begin(), cenv.end());

  // Kubernetes: command replaces the image ENTRYPOINT; args alone follow the ENTRYPOINT.
  std::vector<std::string> command = strings(field(c, "command"));
  std::vector<std::string> args = strings(field(c, "args"));
  for (auto& s : command)
    s = expand_k8s_vars(s, vars);
  for (auto& s : args)
    s = expand_k8s_vars(s, vars);
  std::vector<std::string> run = command.empty() ? entry->entrypoint : command;
  run.insert(run.end(), args.begin(), args.end());
  if (run.empty())
    return plan_error{"RunContainerError",
                      "no command specified and image " + dq(step.image) + " has no entrypoint in the image map " +
                        ctx.images.source,
                      name};

  // Environment: PATH and HOSTNAME, then image-map defaults, then the container's env.
  std::vector<std::pair<std::string, std::string>> env{{"PATH", ctx.host.path_env},
                                                      {"HOSTNAME", str(field(ctx.pod, "metadata"), "name")}};
  auto put = [&](const std::string& k, const std::string& v) {
    auto it = std::find_if(env.begin(), env.end(), [&](const auto& p) { return p.first == k; });
    if (it != env.end())
      it->second = v;
    else
      env.emplace_back(k, v);
  };
  for (const auto& [k, v] : entry->env)
    put(k, v);
  for (const auto& [k, v] : cenv)
    put(k, v);
  for (const auto& [k, v] : env)
    step.env.push_back(k + "=" + v);

  auto& a = step.argv;
  a = {ctx.host.bwrap, "--die-with-parent", "--new-session", "--unshare-pid", "--unshare-ipc", "--unshare-uts",
       "--hostname", str(field(ctx.pod, "metadata"), "name")};
  if (ctx.host.user_namespaces) {
    auto uid = security_int(spec, c, "runAsUser");
    auto gid = security_int(spec, c, "runAsGroup");
    if (uid || gid) {
      a.insert(a.end(), {"--unshare-user", "--uid", std::to_string(uid.value_or(0)), "--gid",
                         std::to_string(gid.value_or(0))});
    }
  }
  a.insert(a.end(), {"--tmpfs", "/"});
  for (const auto& d : ctx.host.host_dirs) {
    if (d.symlink_target.empty())
      a.insert(a.end(), {"--ro-bind", d.path, d.path});
    else
      a.insert(a.end(), {"--symlink", d.symlink_target, d.path});
  }
  a.insert(a.end(), {"--dev", "/dev", "--proc", "/proc", "--bind", ctx.host.pod_dir + "/tmp", "/tmp"});
  for (const auto& w : ctx.host.writable_paths)
    a.insert(a.end(), {"--bind", w, w});

  // Volume mounts, parents before children.
  struct mount_op {
    std::string source, target;
    bool read_only;
  };
  std::vector<mount_op> mounts;
  for (const json& m : field(c, "volumeMounts").is_array() ? field(c, "volumeMounts") : json::array()) {
    auto vol = str(m, "name");
    auto target = str(m, "mountPath");
    auto it = ctx.volumes.find(vol);
    if (it == ctx.volumes.end())
      return spec_error(name, "volumeMounts: volume " + dq(vol) + " is not defined in spec.volumes");
    if (target.empty() || target.front() != '/')
      return spec_error(name, "volumeMounts[" + vol + "].mountPath: must be an absolute path");
    auto source = it->second.host_dir;
    if (auto sub = str(m, "subPath"); !sub.empty()) {
      if (!safe_relative(sub))
        return spec_error(name, "volumeMounts[" + vol + "].subPath: must be a relative path without '..'");
      source += "/" + sub;
    }
    mounts.push_back({source, target, it->second.read_only || k8s::get_bool(m, "readOnly")});
  }
  for (const auto& [path, host_path] : entry->files)
    mounts.push_back({host_path, path, true});
  std::stable_sort(mounts.begin(), mounts.end(),
                   [](const mount_op& x, const mount_op& y) { return x.target.size() < y.target.size(); });
  for (const auto& m : mounts)
    a.insert(a.end(), {m.read_only ? "--ro-bind" : "--bind", m.source, m.target});

  std::string workdir = str(c, "workingDir");
  if (!workdir.empty()) {
    if (workdir.front() != '/')
      return spec_error(name, "workingDir: must be an absolute path");
    // Like the container runtime, create it when missing (on the sandbox root or in a volume).
    bool on_host_dir = std::any_of(ctx.host.host_dirs.begin(), ctx.host.host_dirs.end(),
                                   [&](const host_dir& d) { return under(workdir, d.path); });
    if (!on_host_dir)
      a.insert(a.end(), {"--dir", workdir});
  }
  a.insert(a.end(), {"--remount-ro", "/", "--chdir", workdir.empty() ? "/" : workdir, "--"});
  a.insert(a.end(), run.begin(), run.end());
  return step;
}

} // namespace

std::string expand_k8s_vars(std::string_view input, const std::map<std::string, std::string>& vars) {
  std::string out;
  std::size_t i = 0;
  while (i < input.size()) {
    char ch = input[i];
    if (ch != '$' || i + 1 >= input.size()) {
      out.push_back(ch);
      ++i;
      continue;
    }
    char next = input[i + 1];
    if (next == '$') {
      out.push_back('$');
      i += 2;
    } else if (next == '(') {
      auto close = input.find(')', i + 2);
      if (close == std::string_view::npos) {
        out += "$(";
        i += 2;
        continue;
      }
      std::string name{input.substr(i + 2, close - i - 2)};
      auto it = vars.find(name);
      out += it != vars.end() ? it->second : "$(" + name + ")";
      i = close + 1;
    } else {
      out.push_back('$');
      out.push_back(next);
      i += 2;
    }
  }
  return out;
}

referenced_objects references_of(const json& pod) {
  std::set<std::string> secrets, cms;
  const json& spec = field(pod, "spec");
  for (const char* list : {"initContainers", "containers"}) {
    for (const json& c : field(spec, list).is_array() ? field(spec, list) : json::array()) {
      for (const json& e : field(c, "env").is_array() ? field(c, "env") : json::array()) {
        const json& vf = field(e, "valueFrom");
        if (const json& r = field(vf, "secretKeyRef"); r.is_object())
          secrets.insert(str(r, "name"));
        if (const json& r = field(vf, "configMapKeyRef"); r.is_object())
          cms.insert(str(r, "name"));
      }
      for (const json& f : field(c, "envFrom").is_array() ? field(c, "envFrom") : json::array()) {
        if (const json& r = field(f, "secretRef"); r.is_object())
          secrets.insert(str(r, "name"));
        if (const json& r = field(f, "configMapRef"); r.is_object())
          cms.insert(str(r, "name"));
      }
    }
  }
  for (const json& v : field(spec, "volumes").is_array() ? field(spec, "volumes") : json::array()) {
    if (const json& s = field(v, "secret"); s.is_object())
      secrets.insert(str(s, "secretName"));
    if (const json& m = field(v, "configMap"); m.is_object())
      cms.insert(str(m, "name"));
  }
  secrets.erase("");
  cms.erase("");
  return {{secrets.begin(), secrets.end()}, {cms.begin(), cms.end()}};
}

plan_result plan_pod(const json& pod, const pod_refs& refs, const image_map& images, const host_facts& host) {
  pod_context ctx{pod, refs, images, host, str(field(pod, "metadata"), "namespace"), {}};
  if (ctx.ns.empty())
    ctx.ns = "default";
  const json& spec = field(pod, "spec");
  pod_plan plan;
  plan.grace_seconds = int_field(spec, "terminationGracePeriodSeconds").value_or(30);
  plan.active_deadline_seconds = int_field(spec, "activeDeadlineSeconds");
  plan.directories = {host.pod_dir, host.pod_dir + "/tmp", host.pod_dir + "/volumes"};

  for (const json& v : field(spec, "volumes").is_array() ? field(spec, "volumes") : json::array()) {
    auto vname = str(v, "name");
    if (vname.empty() || !safe_relative(vname) || vname.find('/') != std::string::npos)
      return spec_error({}, "spec.volumes: invalid volume name " + dq(vname));
    std::string dir = host.pod_dir + "/volumes/" + vname;
    plan.directories.push_back(dir);
    volume_info info{dir, false};
    auto write_items = [&](const std::map<std::string, std::string>& data, const json& src,
                           const std::string& kind) -> std::optional<plan_error> {
      int mode = static_cast<int>(int_field(src, "defaultMode").value_or(0644));
      const json& items = field(src, "items");
      if (!items.is_array()) {
        for (const auto& [k, val] : data) {
          if (!valid_data_key(k))
            return config_error({}, "invalid key " + dq(k) + " in " + kind +
                                      ": a valid key must consist of alphanumeric characters, '-', '_' or '.'");
          plan.files.push_back({dir + "/" + k, val, mode});
        }
        return std::nullopt;
      }
      for (const json& it : items) {
        auto key = str(it, "key");
        auto path = str(it, "path");
        if (!safe_relative(path))
          return spec_error({}, "spec.volumes[" + vname + "].items: path " + dq(path) +
                                  " must be relative without '..'");
        auto d = data.find(key);
        if (d == data.end()) {
          if (k8s::get_bool(src, "optional"))
            continue;
          return config_error({}, "couldn't find key " + key + " in " + kind);
        }
        if (auto slash = path.rfind('/'); slash != std::string::npos)
          plan.directories.push_back(dir + "/" + path.substr(0, slash));
        plan.files.push_back({dir + "/" + path, d->second, static_cast<int>(int_field(it, "mode").value_or(mode))});
      }
      return std::nullopt;
    };
    if (field(v, "emptyDir").is_object()) {
      // a plain directory
    } else if (const json& s = field(v, "secret"); s.is_object()) {
      info.read_only = true;
      auto sname = str(s, "secretName");
      auto it = refs.secrets.find(sname);
      if (it == refs.secrets.end()) {
        if (!k8s::get_bool(s, "optional"))
          return config_error({}, "secret " + dq(sname) + " not found");
      } else if (auto err = write_items(all_values(it->second, true), s, "Secret " + ctx.ns + "/" + sname)) {
        return *err;
      }
    } else if (const json& m = field(v, "configMap"); m.is_object()) {
      info.read_only = true;
      auto cname = str(m, "name");
      auto it = refs.config_maps.find(cname);
      if (it == refs.config_maps.end()) {
        if (!k8s::get_bool(m, "optional"))
          return config_error({}, "configmap " + dq(cname) + " not found");
      } else if (auto err = write_items(all_values(it->second, false), m, "ConfigMap " + ctx.ns + "/" + cname)) {
        return *err;
      }
    } else {
      return spec_error({}, "spec.volumes[" + vname +
                              "]: unsupported volume type on the local node (supported: emptyDir, secret, configMap)");
    }
    ctx.volumes[vname] = info;
  }

  for (auto [list, out] : {std::pair{"initContainers", &plan.init_containers}, std::pair{"containers", &plan.containers}}) {
    for (const json& c : field(spec, list).is_array() ? field(spec, list) : json::array()) {
      auto r = plan_container(ctx, c);
      if (auto* err = std::get_if<plan_error>(&r))
        return *err;
      out->push_back(std::move(std::get<container_step>(r)));
    }
  }
  if (plan.containers.empty())
    return spec_error({}, "spec.containers: Required value");
  return plan;
}

} // namespace kelos::node
