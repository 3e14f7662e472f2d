#pragma once

/// A fake Jira REST API on 127.0.0.1 for tests of the Jira source: a real HTTP server
/// (tests/support/loopback_server.hpp) answering the two search endpoints with realistic
/// payloads, checking credentials, recording every request and failing on demand.

#include "k8s/json.hpp"
#include "tests/support/loopback_server.hpp"

#include <cstddef>
#include <memory>
#include <mutex>
#include <string>
#include <vector>

namespace kelos::test {

/// One issue served by the fake.
struct fake_jira_issue {
  /// Issue key, e.g. "PROJ-42"; the project is the part before the last '-'.
  std::string key;
  std::string summary;
  /// `fields.description` as served: null, a string (Server/Data Center) or ADF (Cloud).
  k8s::json description = nullptr;
  std::vector<std::string> labels;
  /// `fields.issuetype.name`; empty serves no `issuetype` field at all.
  std::string issue_type = "Task";
  std::string status = "To Do";
  /// Comment bodies, oldest first: strings or ADF documents.
  std::vector<k8s::json> comments;
};

/// Settings of the fake.
struct fake_jira_options {
  /// Expected credentials: with a token, requests must carry `Basic base64(user:token)`
  /// (user set) or `Bearer token` (no user), else 401. No token: anything is accepted.
  std::string user;
  std::string token;
  /// Most issues per page, whatever `maxResults` asks (Jira Cloud caps too).
  std::size_t max_page_size = 100;
  /// Serve only the legacy `/rest/api/2/search`: the new endpoint answers 404, as on a Jira
  /// Data Center that predates it.
  bool legacy_only = false;
  /// A path prefix in front of `/rest/...` (Data Center context path), e.g. "/jira".
  std::string context_path;
};

/// A recorded request.
struct fake_jira_request {
  std::string method;
  /// Path without query.
  std::string path;
  /// Decoded query parameters, in order.
  std::vector<std::pair<std::string, std::string>> query;
  std::vector<std::pair<std::string, std::string>> headers;
  /// The first query value with this name, or empty.
  std::string param(const std::string& name) const;
  /// The first header value with this name (case-insensitive), or empty.
  std::string header(const std::string& name) const;
};

/// The server. Thread-safe; starts listening in the constructor.
///
/// Endpoints (paths after `context_path`):
/// - `GET /rest/api/2/search/jql?jql=&maxResults=&fields=&nextPageToken=`: answers
///   `{"issues":[...],"nextPageToken":"...","isLast":bool}`; tokens are opaque strings.
/// - `GET /rest/api/2/search?jql=&startAt=&maxResults=&fields=`: answers
///   `{"expand":..,"startAt":..,"maxResults":..,"total":..,"issues":[...]}`.
/// The JQL is not evaluated beyond its leading `project = <KEY>` (quoted or not): issues of
/// that project are served, in the order added, newest last. Issues carry `id`, `self`,
/// `key` and the `fields` asked for in `fields` (all when absent). Anything else is 404.
class fake_jira {
public:
  explicit fake_jira(fake_jira_options options = {});
  ~fake_jira();
  fake_jira(const fake_jira&) = delete;
  fake_jira& operator=(const fake_jira&) = delete;

  /// `http://127.0.0.1:<port>` plus the context path: the source's `baseUrl`.
  std::string base_url() const;

  /// Adds or replaces (by key) an issue.
  void put_issue(fake_jira_issue issue);
  /// Removes an issue; no-op when absent.
  void remove_issue(const std::string& key);

  /// The next `times` requests whose path ends with `path_suffix` (e.g. "/search/jql",
  /// "/search") answer `status` with `body` (a Jira-style error body when empty).
  void fail(const std::string& path_suffix, int status, int times = 1, std::string body = {});
  /// Switches `legacy_only` at run time.
  void set_legacy_only(bool legacy_only);

  /// Every request received, in order.
  std::vector<fake_jira_request> requests() const;
  void clear_requests();

  /// An ADF document with one paragraph per element of `paragraphs`.
  static k8s::json adf(const std::vector<std::string>& paragraphs);

  struct state;

private:
  std::shared_ptr<state> state_;
  std::unique_ptr<loopback_server> server_;
};

} // namespace kelos::test
