#include "sources/github/issues_source.hpp"

#include "actors/task/job_builder.hpp"
#include "sources/github/app_auth.hpp"
#include "sources/github/link_header.hpp"
#include "sources/github/rate_limit.hpp"

#include <algorithm>
#include <map>
#include <optional>
#include <utility>

namespace kelos::github {

namespace {

using sources::source_request;
using sources::source_response;
using sources::work_item;
using task::parse_github_repo;
using task::repo_location;

/// RFC 3986 unreserved characters kept, every other byte `%XX`.
std::string encode(std::string_view s) {
  static constexpr char hex[] = "0123456789ABCDEF";
  std::string out;
  out.reserve(s.size());
  for (unsigned char c : s) {
    if ((c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '-' || c == '.' ||
        c == '_' || c == '~') {
      out += static_cast<char>(c);
    } else {
      out += '%';
      out += hex[c >> 4];
      out += hex[c & 15];
    }
  }
  return out;
}

std::string join(const std::vector<std::string>& v, std::string_view sep) {
  std::string out;
  for (size_t i = 0; i < v.size(); ++i) {
    if (i > 0)
      out += sep;
    out += v[i];
  }
  return out;
}

bool contains(const std::vector<std::string>& v, std::string_view s) {
  return std::find(v.begin(), v.end(), s) != v.end();
}

std::string strip_trailing_slashes(std::string_view s) {
  while (!s.empty() && s.back() == '/')
    s.remove_suffix(1);
  return std::string{s};
}

/// Replaces every occurrence of `secret` in `text` (defence in depth: a server could echo it).
std::string redact(std::string text, std::string_view secret) {
  if (secret.empty())
    return text;
  for (size_t pos = text.find(secret); pos != std::string::npos; pos = text.find(secret, pos))
    text.replace(pos, secret.size(), "[redacted]");
  return text;
}

errc code_for_status(int status) {
  switch (status) {
  case 400:
  case 422:
    return errc::bad_request;
  case 401:
    return errc::unauthorized;
  case 403:
    return errc::forbidden;
  case 404:
    return errc::not_found;
  case 410:
    return errc::gone;
  default:
    return status == 429 || status >= 500 ? errc::server_unavailable : errc::http_error;
  }
}

std::string describe_wait(std::chrono::microseconds d) {
  auto secs = std::chrono::duration_cast<std::chrono::seconds>(d).count();
  if (secs < 0)
    secs = 0;
  std::string out;
  if (secs >= 3600)
    out += std::to_string(secs / 3600) + "h";
  if (secs >= 60)
    out += std::to_string(secs / 60 % 60) + "m";
  out += std::to_string(secs % 60) + "s";
  return out;
}

class github_discovery final : public sources::discovery {
public:
  github_discovery(const github_source_config& cfg, github_cache& cache, k8s::time_point now)
    : cfg_(cfg), cache_(cache), now_(now), generation_(cache.begin_generation()) {
    cfg_.api_base = strip_trailing_slashes(cfg_.api_base);
    filter_.trigger_comment = cfg_.trigger_comment;
    filter_.exclude_comments = cfg_.exclude_comments;
    if (cfg_.types.empty())
      cfg_.types = {"issues"};
    target_ = issue_list_target(cfg_);
  }

  std::optional<source_request> next_request() override {
    if (stage_ == stage::done)
      return std::nullopt;
    source_request req;
    req.base = cfg_.api_base;
    req.target = target_;
    const cached_page* cached = cache_.find(key());
    req.headers = request_headers(cfg_, cached ? std::string_view{cached->etag} : std::string_view{});
    if (!awaiting_)
      ++stats_.requests;
    awaiting_ = true;
    return req;
  }

  void on_response(const source_response& r) override {
    if (!answer_arrived())
      return;
    const k8s::time_point server_now = response_time(r.headers, now_);

    if (r.status == 304)
      return on_not_modified();
    if (r.status >= 200 && r.status < 300)
      return on_page(r, server_now);
    if (auto wait = rate_limit_wait_for(r.status, r.headers, r.body, server_now))
      return on_rate_limited(r, *wait, server_now);
    if (r.status >= 500 && r.status <= 599)
      return retry_or_fail(code_for_status(r.status), status_message(r), server_now);
    fail(code_for_status(r.status), status_message(r));
  }

  void on_transport_error(const kelos::error& e) override {
    if (!answer_arrived())
      return;
    retry_or_fail(e.code == errc::none ? errc::connection_failed : e.code,
                  "GitHub API request GET " + target_ + " failed: " + e.message, now_);
  }

  std::optional<k8s::time_point> not_before() const override { return not_before_; }

  std::optional<k8s::time_point> retry_not_before() const override { return retry_not_before_; }

  kelos::expected<std::vector<work_item>> result() override {
    if (error_)
      return *error_;
    if (stage_ != stage::done)
      return kelos::make_error(errc::logic_error, "GitHub discovery of " + repo_name() + " has not finished");
    return result_;
  }

  const discovery_stats& stats() const { return stats_; }

private:
  enum class stage { issues, comments, done };

  /// Bookkeeping common to every answer; false when the discovery is already over.
  bool answer_arrived() {
    if (stage_ == stage::done)
      return false;
    awaiting_ = false;
    // The poller waited for not_before before sending: time has moved at least that far.
    if (not_before_)
      now_ = std::max(now_, *not_before_);
    not_before_.reset();
    return true;
  }

  std::string key() const { return cfg_.api_base + target_; }
  std::string repo_name() const { return cfg_.owner + "/" + cfg_.repo; }

  std::string status_message(const source_response& r) const {
    std::string msg = "GitHub API returned status " + std::to_string(r.status) + " for " + target_;
    // Redacted before error_message's cut, so that no part of an echoed token is quoted.
    if (auto m = error_message(redact(r.body, cfg_.token)); !m.empty())
      msg += ": " + m;
    return msg;
  }

  void fail(errc code, std::string message) {
    error_ = kelos::make_error(code, redact(std::move(message), cfg_.token));
    stage_ = stage::done;
    not_before_.reset();
  }

  void retry_or_fail(errc code, std::string message, k8s::time_point clock) {
    if (attempts_ >= cfg_.max_server_retries) {
      const int attempts = attempts_ + 1;
      fail(code, std::move(message) + " (after " + std::to_string(attempts) + " attempts)");
      return;
    }
    const auto delay = cfg_.server_retry_backoff * (1 << std::min(attempts_, 16));
    ++attempts_;
    wait_until(clock + std::chrono::duration_cast<std::chrono::microseconds>(delay));
  }

  void wait_until(k8s::time_point t) {
    not_before_ = t;
    ++stats_.waits;
  }

  void on_rate_limited(const source_response& r, const rate_limit_wait& wait, k8s::time_point server_now) {
    const auto length = wait.until - server_now;
    std::string msg = "GitHub API rate limit exceeded for " + target_ + ": " + wait.reason;
    if (auto m = error_message(redact(r.body, cfg_.token)); !m.empty())
      msg += ": " + m;
    // Giving up does not lift the limit: the next discovery must not start before it ends.
    if (length > std::chrono::duration_cast<std::chrono::microseconds>(cfg_.max_rate_limit_wait)) {
      fail(errc::server_unavailable, msg + "; retry allowed at " + k8s::format_time(wait.until) + " (in " +
                                         describe_wait(length) + "), longer than the longest wait (" +
                                         describe_wait(cfg_.max_rate_limit_wait) + ")");
      retry_not_before_ = wait.until;
      return;
    }
    if (rate_waits_ >= cfg_.max_rate_limit_retries) {
      fail(errc::server_unavailable,
           msg + "; still limited after " + std::to_string(rate_waits_) + " waits, giving up");
      retry_not_before_ = wait.until;
      return;
    }
    ++rate_waits_;
    wait_until(wait.until);
  }

  void on_not_modified() {
    cached_page* cached = cache_.find_mutable(key());
    if (!cached)
      return fail(errc::http_error, "GitHub API answered 304 Not Modified for " + target_ +
                                        " to a request without If-None-Match");
    ++stats_.not_modified;
    cached->generation = generation_;
    page_done(*cached);
  }

  void on_page(const source_response& r, k8s::time_point server_now) {
    cached_page page;
    page.etag = header_value(r.headers, "etag");
    const std::string link = header_value(r.headers, "link");
    if (!link.empty()) {
      page.next_target = link_target(find_link(link, "next"), cfg_.api_base);
      page.last_target = link_target(find_link(link, "last"), cfg_.api_base);
    }
    if (stage_ == stage::issues) {
      auto parsed = parse_issue_page(r.body);
      if (!parsed)
        return fail(errc::parse_error, "GitHub API returned malformed JSON for GET " + target_ + ": " +
                                           parsed.error().message);
      page.issues = std::move(*parsed);
    } else {
      auto parsed = parse_comment_page(r.body);
      if (!parsed)
        return fail(errc::parse_error, "GitHub API returned malformed JSON for GET " + target_ + ": " +
                                           parsed.error().message);
      page.comments = std::move(*parsed);
    }
    page.generation = generation_;
    // Only pages with an ETag can be asked for conditionally; keep nothing for the others.
    if (!page.etag.empty()) {
      cache_.store(key(), page);
    } else if (cache_.find(key())) {
      cache_.store(key(), cached_page{});
    }
    page_done(page);
    // A success that used the last of the budget: wait for the reset before the next request
    // rather than being refused (only when the wait is acceptable; otherwise the refusal
    // reports it).
    if (stage_ != stage::done)
      if (auto until = budget_exhausted_until(r.headers, server_now);
          until && *until - server_now <= std::chrono::duration_cast<std::chrono::microseconds>(cfg_.max_rate_limit_wait))
        wait_until(*until);
  }

  /// A page arrived (fresh or from the cache): record it and choose the next request.
  void page_done(const cached_page& page) {
    attempts_ = 0;
    rate_waits_ = 0;
    if (stage_ == stage::issues) {
      ++stats_.issue_pages;
      ++issue_pages_;
      issues_.insert(issues_.end(), page.issues.begin(), page.issues.end());
      if (!page.next_target.empty() && issue_pages_ < cfg_.max_issue_pages) {
        target_ = page.next_target;
        return;
      }
      return start_items();
    }
    ++comment_pages_;
    comments_.insert(comments_.end(), page.comments.begin(), page.comments.end());
    if (!page.next_target.empty()) {
      if (comment_pages_ < cfg_.max_comment_pages) {
        target_ = page.next_target;
        return;
      }
      if (!jumped_to_last_ && !page.last_target.empty() && page.last_target != target_) {
        jumped_to_last_ = true;
        target_ = page.last_target;
        return;
      }
    }
    finish_item();
    next_item();
  }

  bool keep_by_type_and_labels(const issue_entry& e) const {
    if (!contains(cfg_.types, e.pull_request ? "pulls" : "issues"))
      return false;
    return std::none_of(e.labels.begin(), e.labels.end(),
                        [&](const std::string& l) { return contains(cfg_.exclude_labels, l); });
  }

  void start_items() {
    std::vector<issue_entry> kept;
    for (auto& e : issues_)
      if (keep_by_type_and_labels(e))
        kept.push_back(std::move(e));
    issues_ = std::move(kept);
    if (!comments_needed(cfg_)) {
      for (const auto& e : issues_)
        result_.push_back(make_item(e, {}, std::nullopt));
      return finish();
    }
    stage_ = stage::comments;
    current_ = 0;
    begin_item();
  }

  /// Starts the comments of `issues_[current_]`, skipping items without comments.
  void begin_item() {
    while (current_ < issues_.size() && issues_[current_].comments && *issues_[current_].comments == 0) {
      finish_item();
      ++current_;
    }
    if (current_ >= issues_.size())
      return finish();
    comments_.clear();
    comment_pages_ = 0;
    jumped_to_last_ = false;
    ++stats_.comment_requests;
    target_ = comments_target(cfg_, issues_[current_].number);
  }

  void next_item() {
    ++current_;
    begin_item();
  }

  void finish_item() {
    const auto verdict = evaluate_comments(comments_, filter_);
    if (verdict.include)
      result_.push_back(make_item(issues_[current_], join_newest_comments(comments_, cfg_.comments_cap),
                                  verdict.trigger_time));
    comments_.clear();
  }

  static work_item make_item(const issue_entry& e, std::string comments, std::optional<k8s::time_point> trigger) {
    work_item item;
    item.id = std::to_string(e.number);
    item.number = e.number;
    item.title = e.title;
    item.body = e.body;
    item.url = e.html_url;
    item.labels = e.labels;
    item.comments = std::move(comments);
    item.kind = e.pull_request ? "PR" : "Issue";
    item.trigger_time = trigger;
    return item;
  }

  void finish() {
    stage_ = stage::done;
    not_before_.reset();
    issues_.clear();
    cache_.prune(generation_);
  }

  github_source_config cfg_;
  github_cache& cache_;
  comment_filter filter_;
  k8s::time_point now_;
  uint64_t generation_;
  stage stage_ = stage::issues;
  std::string target_;
  bool awaiting_ = false;
  int issue_pages_ = 0;
  std::vector<issue_entry> issues_;
  size_t current_ = 0;
  std::vector<issue_comment> comments_;
  int comment_pages_ = 0;
  bool jumped_to_last_ = false;
  int attempts_ = 0;
  int rate_waits_ = 0;
  std::optional<k8s::time_point> not_before_;
  std::optional<k8s::time_point> retry_not_before_;
  std::optional<kelos::error> error_;
  std::vector<work_item> result_;
  discovery_stats stats_;
};

} // namespace

kelos::expected<github_target> resolve_github_target(std::string_view workspace_repo, std::string_view repo_override,
                                                     std::string_view api_base_override) {
  auto located = [](std::string_view text) { return parse_github_repo(text); };
  auto valid = [](const repo_location& l) {
    return !l.owner.empty() && !l.repo.empty() && l.repo.rfind("unknown-repo-", 0) != 0;
  };
  repo_location loc;
  std::string host;
  if (!workspace_repo.empty()) {
    loc = located(workspace_repo);
    if (!valid(loc) && repo_override.empty())
      return kelos::make_error(errc::invalid_spec, "workspace repo \"" + std::string{workspace_repo} +
                                                       "\" is not a GitHub repository URL or owner/repo");
    host = loc.host;
  }
  if (!repo_override.empty()) {
    auto over = located(repo_override);
    if (!valid(over))
      return kelos::make_error(errc::invalid_spec, "githubIssues.repo \"" + std::string{repo_override} +
                                                       "\" is not owner/repo or a repository URL");
    if (!over.host.empty())
      host = over.host;
    loc = over;
  } else if (workspace_repo.empty()) {
    return kelos::make_error(errc::invalid_spec,
                             "githubIssues needs a repository: set taskTemplate.workspaceRef or githubIssues.repo");
  }
  github_target t;
  t.owner = loc.owner;
  t.repo = loc.repo;
  t.api_base = api_base_override.empty() ? api_base_for_host(host) : strip_trailing_slashes(api_base_override);
  return t;
}

bool comments_needed(const github_source_config& cfg) {
  return cfg.template_uses_comments || !cfg.trigger_comment.empty() || !cfg.exclude_comments.empty();
}

std::string issue_list_target(const github_source_config& cfg) {
  std::map<std::string, std::string> q; // sorted keys, as Go's url.Values.Encode
  if (!cfg.assignee.empty())
    q["assignee"] = cfg.assignee;
  if (!cfg.author.empty())
    q["creator"] = cfg.author;
  if (!cfg.labels.empty())
    q["labels"] = join(cfg.labels, ",");
  q["per_page"] = "100";
  q["state"] = cfg.state.empty() ? "open" : cfg.state;
  std::string target = "/repos/" + encode(cfg.owner) + "/" + encode(cfg.repo) + "/issues";
  char sep = '?';
  for (const auto& [k, v] : q) {
    target += sep;
    target += k + "=" + encode(v);
    sep = '&';
  }
  return target;
}

std::string comments_target(const github_source_config& cfg, int64_t number) {
  return "/repos/" + encode(cfg.owner) + "/" + encode(cfg.repo) + "/issues/" + std::to_string(number) +
         "/comments?per_page=100";
}

std::vector<std::pair<std::string, std::string>> request_headers(const github_source_config& cfg,
                                                                 std::string_view etag) {
  std::vector<std::pair<std::string, std::string>> h;
  h.emplace_back("Accept", "application/vnd.github+json");
  if (!cfg.token.empty())
    h.emplace_back("Authorization", "Bearer " + cfg.token);
  h.emplace_back("User-Agent", cfg.user_agent);
  h.emplace_back("X-GitHub-Api-Version", std::string{api_version});
  if (!etag.empty())
    h.emplace_back("If-None-Match", std::string{etag});
  return h;
}

const cached_page* github_cache::find(const std::string& url) const {
  auto it = pages_.find(url);
  return it == pages_.end() || it->second.etag.empty() ? nullptr : &it->second;
}

cached_page* github_cache::find_mutable(const std::string& url) {
  auto it = pages_.find(url);
  return it == pages_.end() || it->second.etag.empty() ? nullptr : &it->second;
}

void github_cache::store(const std::string& url, cached_page page) {
  if (page.etag.empty()) {
    pages_.erase(url);
    return;
  }
  pages_[url] = std::move(page);
}

void github_cache::prune(uint64_t generation) {
  for (auto it = pages_.begin(); it != pages_.end();)
    it = it->second.generation == generation ? std::next(it) : pages_.erase(it);
}

std::unique_ptr<sources::discovery> make_github_discovery(const github_source_config& cfg, github_cache& cache,
                                                          k8s::time_point now) {
  return std::make_unique<github_discovery>(cfg, cache, now);
}

discovery_stats github_discovery_stats(const sources::discovery& d) {
  if (auto* g = dynamic_cast<const github_discovery*>(&d))
    return g->stats();
  return {};
}

} // namespace kelos::github
