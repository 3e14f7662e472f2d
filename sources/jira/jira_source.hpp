#pragma once

/// The Jira source (seed §3.7, with issue 6's changes): issues found by JQL in one project,
/// through the current `/rest/api/2/search/jql` endpoint with a fallback to the legacy
/// `/rest/api/2/search`, with the description as `.Body`. Pure: a `discovery` state machine
/// (sources/work_item.hpp); the POLLER performs the requests.

#include "k8s/json.hpp"
#include "k8s/time.hpp"
#include "runtime/error.hpp"
#include "sources/work_item.hpp"

#include <cstddef>
#include <memory>
#include <string>
#include <string_view>
#include <utility>

namespace kelos::sources {

/// What the Jira source needs: `spec.when.jira` plus the Secret's keys.
struct jira_source_config {
  /// `baseUrl`: `http(s)://host[/context]`; a trailing `/` is ignored.
  std::string base_url;
  /// `project`: the project key (or id) put into the JQL.
  std::string project;
  /// `jql`: optional extra filter, may end with an ORDER BY clause.
  std::string jql;
  /// Secret key `JIRA_USER` (optional): with it, Basic auth (Jira Cloud: e-mail + API token).
  std::string user;
  /// Secret key `JIRA_TOKEN`: the API token or, without a user, a personal access token sent
  /// as Bearer (Data Center/Server). Empty: no Authorization header. Never in any message.
  std::string token;
  /// Issues asked for per page (`maxResults`); the server may return fewer.
  std::size_t page_size = 100;
  /// Pages fetched at most per discovery (the seed's cap: 10 pages, 1,000 issues).
  std::size_t max_pages = 10;
};

/// Checks the config: `baseUrl` must match `^https?://.+`, `project` must be non-empty and
/// free of control characters, page_size and max_pages positive. Errors are `invalid_spec`
/// naming the field (`when.jira.baseUrl: ...`).
kelos::expected<void> validate(const jira_source_config& cfg);

/// The JQL sent: `project = <P>`, or `project = <P> AND (<filter>) <ORDER BY ...>` with the
/// clause split off at the last case-insensitive `ORDER BY` so it stays top-level (a filter
/// that is only an ORDER BY clause gives `project = <P> ORDER BY ...`). The project is
/// quoted (`"..."`, with `"` and `\` escaped) unless it is a plain key or id
/// (`[A-Za-z0-9_]+` and not a JQL keyword such as `AND`, `ORDER` or `EMPTY`).
std::string jira_search_jql(std::string_view project, std::string_view filter);

/// The value of the `Authorization` header: `Basic base64(user:token)` with a user,
/// `Bearer <token>` without; empty without a token.
std::string jira_authorization(const jira_source_config& cfg);

/// One Jira issue (an element of a search answer's `issues`) as a work item:
/// id = key, number = the digits after the key's last `-` (0 if not a number), title =
/// `fields.summary`, body = `fields.description` (plain or ADF → text), url =
/// `<base>/browse/<key>`, labels, kind = `fields.issuetype.name` (default `Issue`),
/// comments = `fields.comment.comments[].body` (plain or ADF; empty ones skipped) joined
/// with `\n---\n`, capped at `max_jira_comment_bytes` keeping the newest (a newest comment
/// larger than the cap alone is cut at the cap, on a UTF-8 boundary).
/// Errors (`parse_error`) when the issue is not an object or has no string `key`.
kelos::expected<work_item> jira_issue_item(const k8s::json& issue, std::string_view base_url);

/// Cap of an item's joined comments, separators included (the seed's 64 KiB).
inline constexpr std::size_t max_jira_comment_bytes = 64 * 1024;

/// Starts a discovery. Requests, in order (each `GET`, `Accept: application/json`, the
/// `Authorization` of `jira_authorization` when a token is set):
/// 1. `<base>/rest/api/2/search/jql?jql=..&maxResults=100&fields=summary,description,status,
///    labels,comment,issuetype` and then `&nextPageToken=<token>` while the answer has a
///    `nextPageToken` and `isLast` is not true.
/// 2. If the FIRST request answers 404 or 410 (Data Center/Server before the new endpoint),
///    the same search on the legacy `<base>/rest/api/2/search` with `startAt=0,100,...`
///    while `startAt + len(issues) < total`.
/// At most `max_pages` pages either way (more issues are left out silently, as the seed).
/// Any other non-200 answer, a transport error, malformed JSON or an answer without an
/// `issues` array ends the discovery with an error that starts with `jira: ` and names the
/// request path and status (`jira: GET /rest/api/2/search/jql: status 401: <Jira's
/// errorMessages or the first 512 bytes of the body>`); the token never appears in it.
/// `now` is unused today (kept for the uniform source signature).
/// An invalid config gives a discovery that makes no request and fails with the
/// `validate` error.
std::unique_ptr<discovery> make_jira_discovery(const jira_source_config& cfg, k8s::time_point now);

} // namespace kelos::sources
