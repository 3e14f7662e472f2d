#include "k8s/apiserver/pod_logs.hpp"

namespace kelos::apiserver {

void pod_log_store::append(std::string_view ns, std::string_view pod, std::string_view container,
                           std::string_view text) {
  auto t = k8s::now();
  std::lock_guard<std::mutex> guard(mu_);
  auto& log = logs_[key{std::string(ns), std::string(pod), std::string(container)}];
  while (!text.empty()) {
    auto nl = text.find('\n');
    std::string_view piece = text.substr(0, nl == std::string_view::npos ? text.size() : nl + 1);
    std::string s(piece);
    if (s.back() != '\n')
      s.push_back('\n');
    log.lines.push_back(line{t, std::move(s)});
    text.remove_prefix(piece.size());
  }
}

void pod_log_store::finish(std::string_view ns, std::string_view pod, std::string_view container) {
  std::lock_guard<std::mutex> guard(mu_);
  logs_[key{std::string(ns), std::string(pod), std::string(container)}].finished = true;
}

void pod_log_store::remove_pod(std::string_view ns, std::string_view pod) {
  std::lock_guard<std::mutex> guard(mu_);
  for (auto it = logs_.begin(); it != logs_.end();) {
    if (std::get<0>(it->first) == ns && std::get<1>(it->first) == pod)
      it = logs_.erase(it);
    else
      ++it;
  }
}

pod_log_store::read_result pod_log_store::read(std::string_view ns, std::string_view pod,
                                               std::string_view container, std::size_t from,
                                               const read_options& opts) const {
  read_result out;
  std::lock_guard<std::mutex> guard(mu_);
  auto it = logs_.find(key{std::string(ns), std::string(pod), std::string(container)});
  if (it == logs_.end())
    return out;
  const auto& lines = it->second.lines;
  out.finished = it->second.finished;
  std::size_t start = std::min(from, lines.size());
  if (from == 0) {
    if (opts.since)
      while (start < lines.size() && lines[start].time < *opts.since)
        ++start;
    if (opts.tail_lines && *opts.tail_lines >= 0 &&
        lines.size() - start > static_cast<std::size_t>(*opts.tail_lines))
      start = lines.size() - static_cast<std::size_t>(*opts.tail_lines);
  }
  for (std::size_t i = start; i < lines.size(); ++i) {
    if (opts.timestamps)
      out.text += k8s::format_micro_time(lines[i].time) + " ";
    out.text += lines[i].text;
    if (opts.limit_bytes && static_cast<int64_t>(out.text.size()) >= *opts.limit_bytes) {
      out.text.resize(static_cast<std::size_t>(*opts.limit_bytes));
      out.next = lines.size();
      out.finished = true;
      return out;
    }
  }
  out.next = lines.size();
  return out;
}

} // namespace kelos::apiserver
