// `kelos logs TASK [-f]`: the agent's log through its renderer (seed §4.2/§4.3). With -f it
// follows the Task through its whole life: waits while it is pending, streams the git-clone
// init container and then the agent, re-attaches when the stream closes early or a new pod
// replaces the old one, and exits with the Task's outcome. Lines have no length limit.

#include "cli/cli_session.hpp"
#include "cli/log_render.hpp"
#include "cli/rest.hpp"
#include "cli/verbs.hpp"
#include "k8s/client/request.hpp"
#include "k8s/status.hpp"

#include <condition_variable>
#include <deque>
#include <iostream>
#include <mutex>
#include <thread>

namespace kelos::cli {
namespace {

std::string status_field(const json& task, const char* key) {
  return task.contains("status") ? task["status"].value(key, std::string{}) : std::string{};
}

struct notes {
  bool colour = is_terminal(2);
  void say(const std::string& line) const {
    if (colour)
      std::cerr << "\033[2m" << line << "\033[0m\n";
    else
      std::cerr << line << "\n";
  }
};

/// The result of following one container until its stream ends.
struct follow_result {
  bool ok = false;       // the stream ran (2xx) and ended
  std::string problem;   // the server's message otherwise
  std::size_t lines = 0; // lines seen in total (including skipped ones)
  bool cancelled = false; // ended because `still_wanted` said no
};

/// How long a followed stream may stay silent before `still_wanted` is asked.
constexpr std::chrono::seconds idle_check{3};

/// Follows `container` of `pod`, skipping the first `skip` lines (already shown by an earlier
/// attach), and hands every further line to `on_line`. While the stream is silent for
/// `idle_check`, `still_wanted` decides whether to keep waiting: a stream of a pod the Task
/// has left may never close (a lost node), and is cancelled rather than held until the
/// client's idle timeout. A stream that is delivering is never cut.
follow_result follow_container(session& s, const std::string& pod, const std::string& container, std::size_t skip,
                               const std::function<void(std::string_view)>& on_line,
                               const std::function<bool()>& still_wanted) {
  k8s::log_options lo;
  lo.container = container;
  lo.follow = true;
  struct shared {
    std::mutex m;
    std::condition_variable cv;
    std::deque<std::string> chunks;
    int status = 0;
    bool done = false;
    kelos::error end;
  };
  auto st = std::make_shared<shared>();
  k8s::stream_callbacks cb;
  cb.on_response_head = [st](int status, const auto&) {
    std::lock_guard lock{st->m};
    st->status = status;
  };
  cb.on_data = [st](std::string_view chunk) {
    std::lock_guard lock{st->m};
    st->chunks.emplace_back(chunk);
    st->cv.notify_one();
  };
  cb.on_done = [st](kelos::error e) {
    std::lock_guard lock{st->m};
    st->done = true;
    st->end = std::move(e);
    st->cv.notify_one();
  };
  auto handle = s.http->stream(k8s::pod_logs_request(s.ns, pod, lo), cb);
  follow_result r;
  line_splitter splitter;
  std::string error_body;
  auto deliver = [&](std::string_view line) {
    if (++r.lines > skip)
      on_line(line);
  };
  while (true) {
    std::unique_lock lock{st->m};
    if (!st->cv.wait_for(lock, idle_check, [&] { return st->done || !st->chunks.empty(); })) {
      lock.unlock();
      if (!r.cancelled && !still_wanted()) {
        r.cancelled = true;
        handle.cancel(); // on_done(cancelled) follows
      }
      continue;
    }
    auto chunks = std::move(st->chunks);
    st->chunks.clear();
    bool done = st->done;
    int status = st->status;
    lock.unlock();
    for (const auto& c : chunks) {
      if (status >= 200 && status < 300)
        splitter.feed(c, deliver);
      else
        error_body += c;
    }
    // Rendered lines go out as they arrive: stdout piped to a file or `tee` is fully
    // buffered and would otherwise hold the agent's text until the container ends.
    std::cout << std::flush;
    if (!done)
      continue;
    std::lock_guard relock{st->m};
    if (status >= 200 && status < 300) {
      splitter.finish(deliver);
      r.ok = st->end.code == errc::none;
      if (!r.ok)
        r.problem = st->end.message;
    } else if (status == 0) {
      r.problem = st->end.message;
    } else {
      r.problem = k8s::error_from_response(status, error_body, "pod log").message;
    }
    return r;
  }
}

bool still_starting(const std::string& problem) {
  return problem.find("is waiting to start") != std::string::npos ||
         problem.find("PodInitializing") != std::string::npos ||
         problem.find("ContainerCreating") != std::string::npos;
}

int follow_task(session& s, const std::string& name) {
  notes n;
  const auto& res = resource_for(kind::task);
  auto task = must(api_get(s, res, name));
  const std::string type = task["spec"].value("type", std::string{});
  const bool has_workspace = task["spec"].contains("workspaceRef");
  std::string phase = status_field(task, "phase");
  if (status_field(task, "podName").empty()) {
    n.say("Waiting for task \"" + name + "\" to start...");
    while (status_field(task, "podName").empty()) {
      if (phase == "Failed" || phase == "Succeeded")
        fail("task \"" + name + "\" " + (phase == "Failed" ? "failed" : "finished") + " before starting: " +
             status_field(task, "message"));
      std::this_thread::sleep_for(std::chrono::seconds{2});
      task = must(api_get(s, res, name));
      if (auto p = status_field(task, "phase"); p != phase && !p.empty()) {
        phase = p;
        n.say("task/" + name + " " + phase);
      }
    }
  }
  auto renderer = make_log_renderer(type, std::cout, std::cerr);
  std::string pod;
  std::size_t shown = 0;    // agent lines already rendered for `pod`
  bool init_done = false;   // git-clone of `pod` streamed
  bool announced = false;
  // False once the Task has moved to another pod or ended (an unreadable Task: keep going).
  auto still_wanted = [&] {
    auto t = api_get(s, res, name);
    if (!t)
      return true;
    auto p = status_field(*t, "phase");
    return status_field(*t, "podName") == pod && p != "Succeeded" && p != "Failed";
  };
  while (true) {
    auto current = status_field(task, "podName");
    if (current != pod) {
      if (!pod.empty())
        n.say("Task \"" + name + "\" moved to pod " + current + "; following it");
      pod = current;
      shown = 0;
      init_done = !has_workspace;
      announced = false;
    }
    if (!init_done) {
      n.say("Streaming init container (git-clone) logs...");
      auto r = follow_container(
        s, pod, "git-clone", 0, [](std::string_view line) { std::cerr << line << "\n"; }, still_wanted);
      if (r.cancelled) {
        // The Task left this pod (the top of the loop moves on) or ended on it (its agent
        // stream tells the rest).
        task = must(api_get(s, res, name));
        init_done = status_field(task, "podName") == pod;
        continue;
      }
      if (r.ok || !still_starting(r.problem))
        init_done = true;
      else
        std::this_thread::sleep_for(std::chrono::seconds{2});
      if (!r.ok && !still_starting(r.problem) && r.problem.find("not found") == std::string::npos)
        n.say("git-clone logs: " + r.problem);
      continue;
    }
    if (!announced) {
      n.say("Streaming container (" + type + ") logs...");
      announced = true;
    }
    auto r = follow_container(
      s, pod, type, shown, [&](std::string_view line) { renderer->line(line); }, still_wanted);
    if (r.lines > shown)
      shown = r.lines;
    std::cout << std::flush;
    // The stream ended: the container finished, the pod went away, or the server closed it early.
    task = must(api_get(s, res, name));
    phase = status_field(task, "phase");
    if (phase == "Succeeded" || phase == "Failed") {
      renderer->finish();
      std::cout << std::flush;
      if (phase == "Failed") {
        auto message = status_field(task, "message");
        std::cerr << "Error: task \"" << name << "\" failed" << (message.empty() ? "" : ": " + message) << "\n";
        return 1;
      }
      n.say("task/" + name + " Succeeded");
      return 0;
    }
    if (!r.ok && !still_starting(r.problem) && status_field(task, "podName") == pod)
      n.say("log stream: " + r.problem + "; retrying");
    std::this_thread::sleep_for(std::chrono::seconds{r.ok ? 1 : 2});
  }
}

} // namespace

int verb_logs(const std::vector<std::string>& args, const environment& env) {
  auto app = make_app("logs", "Show a Task's agent output, rendered per agent type");
  global_options g;
  add_global_options(*app, g);
  std::string name;
  bool follow = false;
  app->add_option("task", name, "Task name")->required();
  app->add_flag("-f,--follow", follow,
                "Follow the Task from start to end (waits while pending, streams git-clone then the agent, "
                "exits 1 if the Task fails)");
  return run_verb(*app, args, [&] {
    auto s = must(open_session(g, env));
    if (follow)
      return follow_task(s, name);
    auto task = must(api_get(s, resource_for(kind::task), name));
    auto pod = status_field(task, "podName");
    if (pod.empty())
      fail("task \"" + name + "\" has no pod yet");
    auto type = task["spec"].value("type", std::string{});
    k8s::log_options lo;
    lo.container = type;
    auto resp = s.http->send_sync(k8s::pod_logs_request(s.ns, pod, lo), std::chrono::seconds{120});
    if (!resp)
      fail(resp.error());
    if (resp->status < 200 || resp->status >= 300)
      fail(k8s::error_from_response(resp->status, resp->body, "pod log"));
    auto renderer = make_log_renderer(type, std::cout, std::cerr);
    line_splitter splitter;
    auto on_line = [&](std::string_view line) { renderer->line(line); };
    splitter.feed(resp->body, on_line);
    splitter.finish(on_line);
    renderer->finish();
    return 0;
  });
}

} // namespace kelos::cli
