#pragma once

#include "k8s/time.hpp"
#include "runtime/error.hpp"
#include "sources/github/comment_filter.hpp"
#include "sources/github/payload.hpp"
#include "sources/work_item.hpp"

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <memory>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

/// The GitHub issues and pull requests source of a TaskSpawner (`when.githubIssues`,
/// seed §3.4), as a pure `discovery` state machine (sources/work_item.hpp). Reference:
/// docs/taskspawner-github.md.
///
/// Better than the original: conditional requests with ETags (a `github_cache` kept across
/// cycles turns an unchanged repository into `304 Not Modified` answers, which GitHub does
/// not count against the rate limit); comments fetched only when a comment filter or the
/// prompt template needs them, over every page, keeping the newest within the cap; rate
/// limits and `Retry-After` waited out through `not_before` instead of hammering; bounded
/// retries of 5xx and transport errors; errors that name the request and never the token.
namespace kelos::github {

/// REST API version header value sent with every request.
inline constexpr std::string_view api_version = "2022-11-28";

/// Where the issues live, resolved from the Workspace and `githubIssues.repo`.
struct github_target {
  /// "https://api.github.com" or "https://<host>/api/v3" (or the controller's override),
  /// without a trailing '/'.
  std::string api_base;
  std::string owner;
  std::string repo;
};

/// Resolves the repository and API base of a spawner.
/// - `workspace_repo`: the Workspace's `spec.repo` (URL, `git@host:o/r` or `o/r`); may be
///   empty when `repo_override` is set.
/// - `repo_override`: `githubIssues.repo` (`owner/repo` or a repository URL) for forks. A
///   URL also sets the host; `owner/repo` keeps the Workspace's host (the original falls back
///   to github.com, which breaks forks on GitHub Enterprise).
/// - `api_base_override`: the controller's `--github-api-base-url`; when non-empty it wins
///   over the host-derived base (trailing '/' removed).
/// Errors are `errc::invalid_spec` naming the field, e.g.
/// `githubIssues.repo "just-a-name" is not owner/repo or a repository URL`.
kelos::expected<github_target> resolve_github_target(std::string_view workspace_repo, std::string_view repo_override,
                                                     std::string_view api_base_override);

/// Everything one discovery needs: the resolved target, the token and the `githubIssues`
/// fields (copied by the caller from the TaskSpawner), plus limits with safe defaults.
/// `priorityLabels` is not here: sorting new items is the spawner's job.
struct github_source_config {
  std::string api_base;
  std::string owner;
  std::string repo;
  /// PAT or installation token; empty: unauthenticated (no Authorization header). Never
  /// logged or put into a message.
  std::string token;

  /// `types`: "issues" and/or "pulls"; empty means {"issues"}; unknown values match nothing.
  std::vector<std::string> types;
  /// Server-side `labels` (GitHub ANDs them).
  std::vector<std::string> labels;
  /// Client-side: an item with any of these labels is dropped.
  std::vector<std::string> exclude_labels;
  /// "open" (when empty), "closed" or "all"; sent as is.
  std::string state;
  /// Server-side `assignee` ("*" any, "none" unassigned).
  std::string assignee;
  /// Server-side `creator`.
  std::string author;
  std::string trigger_comment;
  std::vector<std::string> exclude_comments;
  /// True when the prompt or branch template reads `.Comments` (the caller decides, e.g.
  /// by looking for "Comments" in the template text); comments are fetched only then or
  /// when a comment filter is set.
  bool template_uses_comments = false;

  /// At most this many issue list pages (100 items each), as the original.
  int max_issue_pages = 10;
  /// At most this many comment pages per item; beyond it the `rel="last"` page is fetched
  /// instead, so the newest comments are still seen.
  int max_comment_pages = 50;
  /// `.Comments` cap in bytes.
  std::size_t comments_cap = 64 * 1024;
  /// A rate-limit wait longer than this fails the discovery instead (the poller retries
  /// at a later cycle).
  std::chrono::seconds max_rate_limit_wait{std::chrono::minutes{15}};
  /// Rate-limit waits per request before giving up.
  int max_rate_limit_retries = 3;
  /// Retries of one request after 5xx or a transport error (so attempts = retries + 1).
  int max_server_retries = 3;
  /// First retry delay after 5xx/transport errors; doubled each retry.
  std::chrono::milliseconds server_retry_backoff{1000};
  /// `User-Agent` header (GitHub rejects requests without one).
  std::string user_agent = "kelos";
};

/// True when this configuration needs comments (a comment filter, or the template reads them).
bool comments_needed(const github_source_config& cfg);

/// The first issue list request target, e.g.
/// `/repos/o/r/issues?assignee=me&creator=bob&labels=bug%2Cui&per_page=100&state=open`:
/// keys in sorted order (as Go's url.Values), empty filters left out, `labels` joined with
/// ',', values percent-encoded (RFC 3986 unreserved kept, space as %20), owner and repo
/// escaped as path segments.
std::string issue_list_target(const github_source_config& cfg);

/// The comments target of one issue: `/repos/o/r/issues/<n>/comments?per_page=100`.
std::string comments_target(const github_source_config& cfg, int64_t number);

/// The request headers (in this order): Accept: application/vnd.github+json,
/// Authorization: Bearer <token> (only with a token), User-Agent, X-GitHub-Api-Version,
/// and If-None-Match: <etag> when `etag` is non-empty.
std::vector<std::pair<std::string, std::string>> request_headers(const github_source_config& cfg,
                                                                 std::string_view etag);

/// What `github_cache` remembers about one URL.
struct cached_page {
  std::string etag;
  /// The page's `rel="next"` / `rel="last"` targets (empty when none).
  std::string next_target;
  std::string last_target;
  /// The parsed page (issue list pages fill `issues`, comment pages `comments`).
  std::vector<issue_entry> issues;
  std::vector<issue_comment> comments;
  /// The discovery generation that last used the entry (for pruning).
  uint64_t generation = 0;
};

/// Per-URL ETags and parsed pages, owned by the poller across cycles (one per source).
/// A `304 Not Modified` answer reuses the cached page. After a successful discovery,
/// entries it did not use (closed issues, pages that disappeared) are dropped, so the cache
/// holds one cycle's pages at most. Not thread-safe: one discovery at a time.
class github_cache {
public:
  /// Number of cached URLs.
  std::size_t size() const { return pages_.size(); }
  /// Forgets everything (e.g. when the token or the configuration changes).
  void clear() { pages_.clear(); }
  /// The entry for `url` (api base + target), or nullptr.
  const cached_page* find(const std::string& url) const;

  // Used by the discovery.
  uint64_t begin_generation() { return ++generation_; }
  cached_page* find_mutable(const std::string& url);
  void store(const std::string& url, cached_page page);
  /// Drops entries not used by `generation`.
  void prune(uint64_t generation);

private:
  std::unordered_map<std::string, cached_page> pages_;
  uint64_t generation_ = 0;
};

/// Counters of one discovery, for metrics and tests.
struct discovery_stats {
  int requests = 0;
  /// Answers `304 Not Modified` (served from the cache).
  int not_modified = 0;
  int issue_pages = 0;
  int comment_requests = 0;
  /// Waits requested through `not_before` (rate limits and retries).
  int waits = 0;
};

/// Starts a discovery of `cfg` at `now`. `cache` must outlive the discovery. The discovery
/// makes, in order: the issue list pages (following `Link: rel="next"`, at most
/// `max_issue_pages`), then, only when `comments_needed(cfg)`, the comment pages of each
/// item left after the type and excludeLabels filters whose `comments` count is not 0.
/// Its result is the items, in GitHub's order, after all filters.
std::unique_ptr<sources::discovery> make_github_discovery(const github_source_config& cfg, github_cache& cache,
                                                          k8s::time_point now);

/// The counters of a discovery made by `make_github_discovery` (zeros for another kind).
discovery_stats github_discovery_stats(const sources::discovery& d);

} // namespace kelos::github
