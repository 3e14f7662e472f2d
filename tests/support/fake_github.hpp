#pragma once

#include "tests/support/loopback_server.hpp"

#include <chrono>
#include <cstdint>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

/// A fake GitHub REST API on 127.0.0.1 for TaskSpawner tests (real HTTP, built on
/// loopback_server). It serves one repository's issues and pull requests and their comments
/// with payloads shaped like GitHub's (API version 2022-11-28): issue objects with `user`,
/// `labels`, `assignees`, `pull_request`, `reactions`...; pages with `Link` headers in
/// GitHub's `/repositories/<id>/...` form; weak ETags and `304 Not Modified` for a matching
/// `If-None-Match` (not counted against the budget, as GitHub); `x-ratelimit-*` headers
/// on every answer and a primary limit that runs out (403 "API rate limit exceeded");
/// `Date` on every answer. Tests change the repository between cycles, inject failures per
/// path (5xx, secondary limits with `Retry-After`, malformed bodies) and read the request log.
///
/// Served: `GET /repos/{o}/{r}/issues` (state, labels, assignee, creator, per_page, page;
/// newest first) and `GET /repos/{o}/{r}/issues/{n}/comments` (per_page, page; oldest first),
/// plus the same under `/repositories/{id}/`. Anything else is 404 `{"message":"Not Found"}`.
namespace kelos::test {

struct fake_issue {
  int64_t number = 0;
  std::string title;
  /// nullopt is served as `"body": null`.
  std::optional<std::string> body = std::string{};
  std::vector<std::string> labels;
  std::vector<std::string> assignees;
  std::string author = "octocat";
  /// "open" or "closed".
  std::string state = "open";
  bool pull_request = false;
  /// RFC 3339; set automatically on every change when empty.
  std::string created_at;
};

struct fake_comment {
  std::string body;
  std::string author = "octocat";
  /// RFC 3339; defaults to a time after the previous comment.
  std::string created_at;
};

/// One injected answer for requests whose path (without query) starts with `path_prefix`.
struct fake_failure {
  std::string path_prefix;
  loopback_response response;
  /// How many matching requests get it (then normal answers resume); negative: forever.
  int times = 1;
};

class fake_github {
public:
  /// Serves `owner/repo` (repository id 1296269, like GitHub's docs).
  explicit fake_github(std::string owner = "kelos-dev", std::string repo = "kelos");
  ~fake_github();
  fake_github(const fake_github&) = delete;
  fake_github& operator=(const fake_github&) = delete;

  /// "http://127.0.0.1:<port>": pass as the API base (`--github-api-base-url`).
  std::string base_url() const;
  uint16_t port() const;

  /// Adds or replaces an issue (by number); its `updated_at` moves, so ETags change.
  void upsert_issue(fake_issue issue);
  /// Closes an issue (state "closed").
  void close_issue(int64_t number);
  /// Appends a comment to an issue (its `comments` count and `updated_at` change).
  void add_comment(int64_t number, fake_comment comment);
  /// Adds `count` issues numbered from `first`, each with `comments_each` comments.
  void add_issues(int64_t first, int count, int comments_each = 0);

  /// Largest page size served (GitHub: 100); smaller makes pagination testable.
  void set_max_per_page(int n);
  /// The primary rate limit: `limit` requests (non-304) per `window`; the window starts at
  /// the first request. Default 5000 per hour.
  void set_rate_limit(int limit, std::chrono::seconds window);
  /// When non-empty, requests must carry `Authorization: Bearer <token>` (else 401).
  void require_token(std::string token);

  /// Injects answers (see `fake_failure`); checked in order before normal handling.
  void inject(fake_failure failure);
  /// Convenience: 403 secondary rate limit with `Retry-After: <seconds>`.
  void secondary_limit_next(std::string path_prefix, int retry_after_seconds, int times = 1);
  /// Convenience: a 5xx with a GitHub-like body.
  void server_error_next(std::string path_prefix, int status = 502, int times = 1);

  /// Every request received, in order (including answered failures and 304s).
  std::vector<loopback_request> requests() const;
  void clear_requests();
  /// Requests whose target contains `needle`.
  std::size_t count_requests(std::string_view needle) const;
  /// Answers by status so far (e.g. how many 304s).
  std::size_t count_status(int status) const;

  struct state;

private:
  loopback_response handle(const loopback_request& req);
  std::shared_ptr<state> state_;
  std::unique_ptr<loopback_server> server_;
};

} // namespace kelos::test
