#include "actors/task/dependency_graph.hpp"

#include "k8s/kelos_types.hpp"
#include "sources/template.hpp"

#include <algorithm>
#include <cstdint>
#include <utility>

namespace kelos::task {

namespace {

task_id sibling(const task_id& task, const std::string& name) {
  return task_id{task.namespace_, name};
}

/// Go's fmtFrac: ".ddd" of `v` modulo 10^prec without trailing zeros (nothing when zero);
/// `v` becomes the integer part.
std::string take_fraction(std::uint64_t& v, int prec) {
  std::string digits(static_cast<std::size_t>(prec), '0');
  bool any = false;
  for (int i = prec - 1; i >= 0; --i) {
    auto digit = v % 10;
    v /= 10;
    any = any || digit != 0;
    digits[static_cast<std::size_t>(i)] = static_cast<char>('0' + digit);
  }
  if (!any)
    return {};
  digits.erase(digits.find_last_not_of('0') + 1);
  return "." + digits;
}

} // namespace

std::string format_go_duration(std::chrono::nanoseconds d) {
  auto count = d.count();
  bool negative = count < 0;
  // Unsigned negation keeps INT64_MIN well-defined, as in Go.
  auto u = negative ? std::uint64_t{0} - static_cast<std::uint64_t>(count)
                    : static_cast<std::uint64_t>(count);
  std::string out;
  if (u == 0) {
    out = "0s";
  } else if (u < 1'000'000'000) {
    auto [prec, unit] = u < 1'000         ? std::pair{0, "ns"}
                        : u < 1'000'000   ? std::pair{3, "\xC2\xB5s"}
                                          : std::pair{6, "ms"};
    auto frac = take_fraction(u, prec);
    out = std::to_string(u) + frac + unit;
  } else {
    auto frac = take_fraction(u, 9); // u is now whole seconds
    out = std::to_string(u % 60) + frac + "s";
    u /= 60;
    if (u > 0) {
      out = std::to_string(u % 60) + "m" + out;
      u /= 60;
      if (u > 0)
        out = std::to_string(u) + "h" + out;
    }
  }
  return negative ? "-" + out : out;
}

dependency_graph::dependency_graph(std::chrono::microseconds missing_timeout)
  : missing_timeout_(missing_timeout) {
  // nop
}

void dependency_graph::upsert(const task_id& task, dependency_node node) {
  if (auto old = nodes_.find(task); old != nodes_.end()) {
    for (const auto& d : old->second.depends_on) {
      auto it = dependents_.find(sibling(task, d));
      if (it == dependents_.end())
        continue;
      it->second.erase(task);
      if (it->second.empty())
        dependents_.erase(it);
    }
  }
  for (const auto& d : node.depends_on)
    dependents_[sibling(task, d)].insert(task);
  if (auto missing = missing_since_.find(task); missing != missing_since_.end()) {
    std::erase_if(missing->second, [&](const auto& entry) {
      return std::find(node.depends_on.begin(), node.depends_on.end(), entry.first)
             == node.depends_on.end();
    });
    if (missing->second.empty())
      missing_since_.erase(missing);
  }
  nodes_.insert_or_assign(task, std::move(node));
}

void dependency_graph::erase(const task_id& task) {
  auto it = nodes_.find(task);
  if (it == nodes_.end())
    return;
  // Re-using upsert with no edges drops the reverse edges and the missing records.
  upsert(task, dependency_node{});
  nodes_.erase(task);
}

const dependency_node* dependency_graph::find(const task_id& task) const {
  auto it = nodes_.find(task);
  return it == nodes_.end() ? nullptr : &it->second;
}

std::optional<std::vector<std::string>>
dependency_graph::cycle_through(const task_id& task) const {
  // Iterative depth-first search for a path from `task` back to itself. A Task fully
  // explored without reaching `task` never will, so each Task is entered at most once
  // (diamonds cost nothing extra); cycles that avoid `task` are not reported here.
  struct frame {
    const task_id* id;
    const dependency_node* node;
    std::size_t next = 0;
  };
  const auto* root = find(task);
  if (root == nullptr)
    return std::nullopt;
  std::set<task_id> entered{task};
  std::vector<frame> path{frame{&task, root}};
  while (!path.empty()) {
    auto& top = path.back();
    if (top.next == top.node->depends_on.size()) {
      path.pop_back();
      continue;
    }
    auto dep = sibling(task, top.node->depends_on[top.next++]);
    if (dep == task) {
      std::vector<std::string> names;
      for (const auto& f : path)
        names.push_back(f.id->name);
      names.push_back(task.name);
      return names;
    }
    auto it = nodes_.find(dep);
    if (it == nodes_.end() || !entered.insert(dep).second)
      continue; // missing Tasks are leaves; entered ones are done or on the path
    path.push_back(frame{&it->first, &it->second});
  }
  return std::nullopt;
}

dependency_verdict dependency_graph::evaluate(const task_id& task, k8s::time_point now) {
  using kind = dependency_verdict::kind;
  const auto* node = find(task);
  if (node == nullptr)
    return {};
  if (auto cycle = cycle_through(task)) {
    std::string path;
    for (const auto& name : *cycle)
      path += (path.empty() ? "" : " -> ") + name;
    return {kind::failed,
            "Circular dependency detected: cycle involves \"" + task.name + "\" (" + path + ")",
            {}};
  }
  for (const auto& d : node->depends_on) {
    const auto* dep = find(sibling(task, d));
    if (dep == nullptr) {
      auto since = missing_since_[task].try_emplace(d, now).first->second;
      if (now - since >= missing_timeout_)
        return {kind::failed,
                "Dependency \"" + d + "\" was not created within "
                  + format_go_duration(missing_timeout_),
                d};
      return {kind::waiting, "Waiting for dependency \"" + d + "\" to be created", d};
    }
    if (auto missing = missing_since_.find(task); missing != missing_since_.end()) {
      missing->second.erase(d);
      if (missing->second.empty())
        missing_since_.erase(missing);
    }
    if (dep->phase == k8s::task_phase::failed)
      return {kind::failed, "Dependency \"" + d + "\" failed", d};
    if (dep->phase != k8s::task_phase::succeeded)
      return {kind::waiting, "Waiting for dependency \"" + d + "\"", d};
  }
  return {};
}

std::vector<task_id> dependency_graph::dependents_of(const task_id& task) const {
  auto it = dependents_.find(task);
  if (it == dependents_.end())
    return {};
  return {it->second.begin(), it->second.end()};
}

std::optional<k8s::time_point> dependency_graph::next_deadline(const task_id& task) const {
  auto missing = missing_since_.find(task);
  if (missing == missing_since_.end())
    return std::nullopt;
  std::optional<k8s::time_point> earliest;
  for (const auto& [d, since] : missing->second) {
    if (find(sibling(task, d)) != nullptr)
      continue; // created since; the next evaluate forgets it
    auto deadline = since + missing_timeout_;
    if (!earliest || deadline < *earliest)
      earliest = deadline;
  }
  return earliest;
}

k8s::json dependency_graph::template_data(const task_id& task) const {
  auto deps = k8s::json::object();
  if (const auto* node = find(task)) {
    for (const auto& d : node->depends_on) {
      const auto* dep = find(sibling(task, d));
      if (dep == nullptr)
        continue;
      auto results = k8s::json::object();
      for (const auto& [key, value] : dep->results)
        results[key] = value;
      deps[d] = {{"Name", d}, {"Outputs", dep->outputs}, {"Results", std::move(results)}};
    }
  }
  return {{"Deps", std::move(deps)}};
}

std::string resolve_prompt(std::string_view prompt, const k8s::json& template_data) {
  sources::template_options opts;
  opts.missing = sources::missing_key::error;
  auto rendered = sources::render_template("prompt", prompt, template_data, opts);
  if (!rendered)
    return std::string{prompt};
  return std::move(*rendered);
}

} // namespace kelos::task
