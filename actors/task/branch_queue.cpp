#include "actors/task/branch_queue.hpp"

#include <algorithm>

namespace kelos::task {

namespace {

template <class Range>
auto find_task(Range& holders, const task_id& task) {
  return std::find(holders.begin(), holders.end(), task);
}

} // namespace

bool branch_queue::acquire(const branch_key& key, const task_id& task, k8s::time_point created) {
  auto& state = locks_[key];
  if (find_task(state.holders, task) != state.holders.end())
    return true;
  auto& queue = state.queue;
  auto queued = std::find_if(queue.begin(), queue.end(),
                             [&](const waiter& w) { return w.task == task; });
  keys_of_[task].insert(key);
  if (state.holders.empty()) {
    // Free keys have no waiters (see the invariant in the header); erase defensively.
    if (queued != queue.end())
      queue.erase(queued);
    state.holders.push_back(task);
    return true;
  }
  if (queued == queue.end()) {
    waiter w{created, task};
    queue.insert(std::upper_bound(queue.begin(), queue.end(), w), std::move(w));
  }
  return false;
}

void branch_queue::restore(const branch_key& key, const task_id& task) {
  auto& state = locks_[key];
  std::erase_if(state.queue, [&](const waiter& w) { return w.task == task; });
  if (find_task(state.holders, task) == state.holders.end())
    state.holders.push_back(task);
  keys_of_[task].insert(key);
}

std::vector<branch_queue::grant> branch_queue::release(const task_id& task) {
  std::vector<grant> grants;
  auto keys = keys_of_.find(task);
  if (keys == keys_of_.end())
    return grants;
  for (const auto& key : keys->second) {
    auto it = locks_.find(key);
    if (it == locks_.end())
      continue;
    auto& state = it->second;
    std::erase(state.holders, task);
    std::erase_if(state.queue, [&](const waiter& w) { return w.task == task; });
    if (state.holders.empty() && !state.queue.empty()) {
      auto next = std::move(state.queue.front().task);
      state.queue.erase(state.queue.begin());
      state.holders.push_back(next);
      grants.push_back(grant{std::move(next), key});
    }
    if (state.holders.empty() && state.queue.empty())
      locks_.erase(it);
  }
  keys_of_.erase(keys);
  return grants;
}

std::vector<task_id> branch_queue::holders(const branch_key& key) const {
  auto it = locks_.find(key);
  return it == locks_.end() ? std::vector<task_id>{} : it->second.holders;
}

std::vector<task_id> branch_queue::waiters(const branch_key& key) const {
  std::vector<task_id> out;
  if (auto it = locks_.find(key); it != locks_.end())
    for (const auto& w : it->second.queue)
      out.push_back(w.task);
  return out;
}

std::string branch_queue::waiting_message(const branch_key& key, const task_id& task) const {
  auto it = locks_.find(key);
  if (it == locks_.end())
    return {};
  const auto& state = it->second;
  auto prefix = std::string{waiting_prefix} + '"' + key.branch + "\" ";
  if (!state.holders.empty() && find_task(state.holders, task) == state.holders.end())
    return prefix + "(locked by " + state.holders.front().name + ")";
  if (state.holders.empty() && !state.queue.empty() && state.queue.front().task != task)
    return prefix + "(queued behind " + state.queue.front().task.name + ")";
  return {};
}

} // namespace kelos::task
