// The GitHub source's building blocks: request targets and headers, Link headers, rate-limit
// decisions, payload parsing, comment commands and the comment cap, target resolution.
#include "sources/github/comment_filter.hpp"
#include "sources/github/issues_source.hpp"
#include "sources/github/link_header.hpp"
#include "sources/github/payload.hpp"
#include "sources/github/rate_limit.hpp"

#include <gtest/gtest.h>

#include <chrono>
#include <string>
#include <vector>

namespace {

using namespace kelos::github;
using kelos::k8s::format_time;
using kelos::k8s::parse_time;
using namespace std::chrono_literals;

// --- request building ------------------------------------------------------------------

struct target_case {
  const char* name;
  github_source_config cfg;
  const char* want;
};

github_source_config cfg_with(void (*edit)(github_source_config&)) {
  github_source_config c;
  c.api_base = "https://api.github.com";
  c.owner = "kelos-dev";
  c.repo = "kelos";
  edit(c);
  return c;
}

TEST(GithubSourceRequest, IssueListTargetPerFilter) {
  const std::vector<target_case> cases = {
    {"defaults", cfg_with([](auto&) {}), "/repos/kelos-dev/kelos/issues?per_page=100&state=open"},
    {"state closed", cfg_with([](auto& c) { c.state = "closed"; }),
     "/repos/kelos-dev/kelos/issues?per_page=100&state=closed"},
    {"state all", cfg_with([](auto& c) { c.state = "all"; }), "/repos/kelos-dev/kelos/issues?per_page=100&state=all"},
    {"one label", cfg_with([](auto& c) { c.labels = {"bug"}; }),
     "/repos/kelos-dev/kelos/issues?labels=bug&per_page=100&state=open"},
    {"labels comma-joined and encoded", cfg_with([](auto& c) { c.labels = {"bug", "help wanted", "a&b"}; }),
     "/repos/kelos-dev/kelos/issues?labels=bug%2Chelp%20wanted%2Ca%26b&per_page=100&state=open"},
    {"assignee", cfg_with([](auto& c) { c.assignee = "octocat"; }),
     "/repos/kelos-dev/kelos/issues?assignee=octocat&per_page=100&state=open"},
    {"assignee any", cfg_with([](auto& c) { c.assignee = "*"; }),
     "/repos/kelos-dev/kelos/issues?assignee=%2A&per_page=100&state=open"},
    {"assignee none", cfg_with([](auto& c) { c.assignee = "none"; }),
     "/repos/kelos-dev/kelos/issues?assignee=none&per_page=100&state=open"},
    {"author is creator", cfg_with([](auto& c) { c.author = "bob"; }),
     "/repos/kelos-dev/kelos/issues?creator=bob&per_page=100&state=open"},
    {"all server-side filters sorted",
     cfg_with([](auto& c) {
       c.state = "all";
       c.author = "bob";
       c.assignee = "alice";
       c.labels = {"x"};
     }),
     "/repos/kelos-dev/kelos/issues?assignee=alice&creator=bob&labels=x&per_page=100&state=all"},
    {"client-side filters are not sent",
     cfg_with([](auto& c) {
       c.types = {"pulls"};
       c.exclude_labels = {"wontfix"};
       c.trigger_comment = "/kelos go";
       c.exclude_comments = {"/kelos stop"};
     }),
     "/repos/kelos-dev/kelos/issues?per_page=100&state=open"},
    {"owner and repo escaped", cfg_with([](auto& c) { c.repo = "my.repo"; c.owner = "a b"; }),
     "/repos/a%20b/my.repo/issues?per_page=100&state=open"},
  };
  for (const auto& c : cases)
    EXPECT_EQ(issue_list_target(c.cfg), c.want) << c.name;
  EXPECT_EQ(comments_target(cfg_with([](auto&) {}), 42), "/repos/kelos-dev/kelos/issues/42/comments?per_page=100");
}

TEST(GithubSourceRequest, HeadersCarryTokenOnlyWhenSet) {
  auto c = cfg_with([](auto&) {});
  using headers = std::vector<std::pair<std::string, std::string>>;
  EXPECT_EQ(request_headers(c, ""), (headers{{"Accept", "application/vnd.github+json"},
                                             {"User-Agent", "kelos"},
                                             {"X-GitHub-Api-Version", "2022-11-28"}}));
  c.token = "ghp_secret";
  EXPECT_EQ(request_headers(c, "W/\"abc\""), (headers{{"Accept", "application/vnd.github+json"},
                                                      {"Authorization", "Bearer ghp_secret"},
                                                      {"User-Agent", "kelos"},
                                                      {"X-GitHub-Api-Version", "2022-11-28"},
                                                      {"If-None-Match", "W/\"abc\""}}));
}

TEST(GithubSourceRequest, CommentsNeededOnlyForFiltersOrTemplate) {
  EXPECT_FALSE(comments_needed(cfg_with([](auto&) {})));
  EXPECT_TRUE(comments_needed(cfg_with([](auto& c) { c.trigger_comment = "/go"; })));
  EXPECT_TRUE(comments_needed(cfg_with([](auto& c) { c.exclude_comments = {"/stop"}; })));
  EXPECT_TRUE(comments_needed(cfg_with([](auto& c) { c.template_uses_comments = true; })));
}

// --- target resolution -----------------------------------------------------------------

struct resolve_case {
  const char* workspace;
  const char* override_repo;
  const char* override_base;
  const char* want; // "base owner/repo" or "ERR <message>"
};

TEST(GithubSourceResolve, RepoAndApiBase) {
  const std::vector<resolve_case> cases = {
    {"https://github.com/kelos-dev/kelos.git", "", "", "https://api.github.com kelos-dev/kelos"},
    {"https://github.com/kelos-dev/kelos", "", "", "https://api.github.com kelos-dev/kelos"},
    {"git@github.com:kelos-dev/kelos.git", "", "", "https://api.github.com kelos-dev/kelos"},
    {"kelos-dev/kelos", "", "", "https://api.github.com kelos-dev/kelos"},
    {"https://ghe.example.com/team/app", "", "", "https://ghe.example.com/api/v3 team/app"},
    {"https://ghe.example.com:8443/team/app", "", "", "https://ghe.example.com:8443/api/v3 team/app"},
    {"git@ghe.example.com:team/app.git", "", "", "https://ghe.example.com/api/v3 team/app"},
    {"https://github.com/me/my.repo", "", "", "https://api.github.com me/my.repo"},
    // Fork: the override names the upstream; owner/repo keeps the workspace host.
    {"https://github.com/me/kelos", "kelos-dev/kelos", "", "https://api.github.com kelos-dev/kelos"},
    {"https://ghe.example.com/me/app", "team/app", "", "https://ghe.example.com/api/v3 team/app"},
    {"https://ghe.example.com/me/app", "https://github.com/up/app", "", "https://api.github.com up/app"},
    {"", "https://github.com/up/app", "", "https://api.github.com up/app"},
    // The controller flag wins.
    {"https://ghe.example.com/me/app", "", "http://127.0.0.1:8080/", "http://127.0.0.1:8080 me/app"},
    {"kelos-dev/kelos", "", "https://proxy.internal/github", "https://proxy.internal/github kelos-dev/kelos"},
    {"", "", "", "ERR githubIssues needs a repository: set taskTemplate.workspaceRef or githubIssues.repo"},
    {"https://github.com/me/app", "justaname", "", "ERR githubIssues.repo \"justaname\" is not owner/repo or a repository URL"},
    {"justaname", "", "", "ERR workspace repo \"justaname\" is not a GitHub repository URL or owner/repo"},
  };
  for (const auto& c : cases) {
    auto r = resolve_github_target(c.workspace, c.override_repo, c.override_base);
    std::string got = r ? r->api_base + " " + r->owner + "/" + r->repo : "ERR " + r.error().message;
    EXPECT_EQ(got, c.want) << c.workspace << " | " << c.override_repo << " | " << c.override_base;
  }
}

// --- Link header -----------------------------------------------------------------------

TEST(GithubSourceLink, ParsesGithubPagination) {
  const std::string h =
    R"(<https://api.github.com/repositories/1300192/issues?page=2>; rel="prev", )"
    R"(<https://api.github.com/repositories/1300192/issues?page=4>; rel="next", )"
    R"(<https://api.github.com/repositories/1300192/issues?page=515>; rel="last", )"
    R"(<https://api.github.com/repositories/1300192/issues?page=1>; rel="first")";
  auto links = parse_link_header(h);
  ASSERT_EQ(links.size(), 4u);
  EXPECT_EQ(links[1].url, "https://api.github.com/repositories/1300192/issues?page=4");
  EXPECT_EQ(find_link(h, "next"), "https://api.github.com/repositories/1300192/issues?page=4");
  EXPECT_EQ(find_link(h, "LAST"), "https://api.github.com/repositories/1300192/issues?page=515");
  EXPECT_EQ(find_link(h, "self"), "");
}

TEST(GithubSourceLink, TolerantForms) {
  struct c {
    const char* header;
    const char* want_next;
  };
  const std::vector<c> cases = {
    {"", ""},
    {"garbage", ""},
    {"<https://x/a?page=2>; rel=next", "https://x/a?page=2"},
    {"<https://x/a?page=2>;rel=\"next\"", "https://x/a?page=2"},
    {"<https://x/a?page=2>; title=\"a, b\"; rel=\"next\"", "https://x/a?page=2"},
    {"<https://x/a?page=2>; rel=\"prev next\"", "https://x/a?page=2"},
    {"<https://x/a?page=1>; rel=\"prev\",<https://x/a?q=a,b&page=3>; rel=\"next\"", "https://x/a?q=a,b&page=3"},
    {"<https://x/a?page=3>; REL=\"Next\"", "https://x/a?page=3"},
    {"<https://x/unterminated; rel=\"next\"", ""},
  };
  for (const auto& t : cases)
    EXPECT_EQ(find_link(t.header, "next"), t.want_next) << t.header;
}

TEST(GithubSourceLink, TargetStaysOnTheConfiguredBase) {
  EXPECT_EQ(link_target("https://api.github.com/repositories/1/issues?page=2", "https://api.github.com"),
            "/repositories/1/issues?page=2");
  EXPECT_EQ(link_target("https://ghe.example.com/api/v3/repositories/1/issues?page=2", "https://ghe.example.com/api/v3"),
            "/repositories/1/issues?page=2");
  // A proxy base: GitHub's own host in the link is replaced by the base.
  EXPECT_EQ(link_target("https://api.github.com/repositories/1/issues?page=2", "http://127.0.0.1:9/gh"),
            "/repositories/1/issues?page=2");
  EXPECT_EQ(link_target("http://127.0.0.1:9/gh/repositories/1/issues?page=2", "http://127.0.0.1:9/gh"),
            "/repositories/1/issues?page=2");
  EXPECT_EQ(link_target("/repos/o/r/issues?page=3", "https://api.github.com"), "/repos/o/r/issues?page=3");
  EXPECT_EQ(link_target("https://host-only", "https://api.github.com"), "");
  EXPECT_EQ(link_target("", "https://api.github.com"), "");
}

// --- rate limits -----------------------------------------------------------------------

const kelos::k8s::time_point t0 = *parse_time("2026-03-01T12:00:00Z");

std::string wait_str(int status, header_list h, std::string body = {}) {
  auto w = rate_limit_wait_for(status, h, body, t0);
  return w ? format_time(w->until) + " " + w->reason : "none";
}

TEST(GithubSourceRateLimit, Decisions) {
  const std::string reset = std::to_string(
    std::chrono::duration_cast<std::chrono::seconds>((t0 + 90s).time_since_epoch()).count());
  const std::string past = std::to_string(
    std::chrono::duration_cast<std::chrono::seconds>((t0 - 90s).time_since_epoch()).count());
  EXPECT_EQ(wait_str(403, {{"X-RateLimit-Remaining", "0"}, {"X-RateLimit-Reset", reset}}),
            "2026-03-01T12:01:30Z primary rate limit (x-ratelimit-remaining: 0)");
  EXPECT_EQ(wait_str(429, {{"x-ratelimit-remaining", "0"}, {"x-ratelimit-reset", reset}}),
            "2026-03-01T12:01:30Z primary rate limit (x-ratelimit-remaining: 0)");
  EXPECT_EQ(wait_str(403, {{"X-RateLimit-Remaining", "0"}, {"X-RateLimit-Reset", past}}),
            "2026-03-01T12:00:01Z primary rate limit (x-ratelimit-remaining: 0)");
  EXPECT_EQ(wait_str(403, {{"Retry-After", "30"}, {"X-RateLimit-Remaining", "12"}}),
            "2026-03-01T12:00:30Z secondary rate limit (retry-after: 30)");
  // retry-after wins over the reset.
  EXPECT_EQ(wait_str(429, {{"Retry-After", "5"}, {"X-RateLimit-Remaining", "0"}, {"X-RateLimit-Reset", reset}}),
            "2026-03-01T12:00:05Z secondary rate limit (retry-after: 5)");
  EXPECT_EQ(wait_str(429, {{"Retry-After", "Sun, 01 Mar 2026 12:00:45 GMT"}}),
            "2026-03-01T12:00:45Z secondary rate limit (retry-after: Sun, 01 Mar 2026 12:00:45 GMT)");
  EXPECT_EQ(wait_str(403, {}, R"({"message":"You have exceeded a secondary rate limit. Please wait."})"),
            "2026-03-01T12:01:00Z secondary rate limit");
  EXPECT_EQ(wait_str(429, {}), "2026-03-01T12:01:00Z secondary rate limit");
  EXPECT_EQ(wait_str(403, {{"X-RateLimit-Remaining", "4999"}}, R"({"message":"Resource not accessible by integration"})"),
            "none");
  EXPECT_EQ(wait_str(404, {{"X-RateLimit-Remaining", "0"}, {"X-RateLimit-Reset", reset}}), "none");
  EXPECT_EQ(wait_str(500, {{"Retry-After", "3"}}), "none");
}

TEST(GithubSourceRateLimit, ExhaustedBudgetAndDates) {
  const std::string reset = std::to_string(
    std::chrono::duration_cast<std::chrono::seconds>((t0 + 600s).time_since_epoch()).count());
  EXPECT_EQ(budget_exhausted_until({{"X-RateLimit-Remaining", "0"}, {"X-RateLimit-Reset", reset}}, t0), t0 + 600s);
  EXPECT_EQ(budget_exhausted_until({{"X-RateLimit-Remaining", "1"}, {"X-RateLimit-Reset", reset}}, t0), std::nullopt);
  EXPECT_EQ(budget_exhausted_until({{"X-RateLimit-Remaining", "0"}}, t0), std::nullopt);
  EXPECT_EQ(parse_http_date("Sun, 01 Mar 2026 12:00:00 GMT"), t0);
  EXPECT_EQ(parse_http_date("Sun, 01 Mar 2026 12:00:00 UTC"), std::nullopt);
  EXPECT_EQ(parse_http_date("Sun, 31 Feb 2026 12:00:00 GMT"), std::nullopt);
  EXPECT_EQ(response_time({{"Date", "Sun, 01 Mar 2026 12:00:00 GMT"}}, t0 + 5s), t0);
  EXPECT_EQ(response_time({}, t0 + 5s), t0 + 5s);
}

// --- payloads --------------------------------------------------------------------------

TEST(GithubSourcePayload, IssueFields) {
  auto page = parse_issue_page(R"([
    {"id":1,"number":7,"title":"Fix it","body":null,"html_url":"https://github.com/o/r/issues/7",
     "labels":[{"id":1,"name":"bug","color":"f29513","default":true},{"name":"ui"}],
     "user":{"login":"octocat","id":1},"comments":3,"reactions":{"+1":2}},
    {"number":8,"title":"PR","html_url":"https://github.com/o/r/pull/8","labels":["plain"],
     "pull_request":{"url":"https://api.github.com/repos/o/r/pulls/8","merged_at":null}}
  ])");
  ASSERT_TRUE(page) << page.error().message;
  ASSERT_EQ(page->size(), 2u);
  const auto& a = (*page)[0];
  EXPECT_EQ(a.number, 7);
  EXPECT_EQ(a.title, "Fix it");
  EXPECT_EQ(a.body, "");
  EXPECT_EQ(a.html_url, "https://github.com/o/r/issues/7");
  EXPECT_EQ(a.labels, (std::vector<std::string>{"bug", "ui"}));
  EXPECT_FALSE(a.pull_request);
  EXPECT_EQ(a.comments, 3);
  const auto& b = (*page)[1];
  EXPECT_TRUE(b.pull_request);
  EXPECT_EQ(b.labels, std::vector<std::string>{"plain"});
  EXPECT_EQ(b.comments, std::nullopt);
}

TEST(GithubSourcePayload, MalformedPayloads) {
  struct c {
    const char* body;
    const char* want;
  };
  const std::vector<c> cases = {
    {"", "invalid JSON"},
    {"[{\"number\":1,", "invalid JSON"},
    {"{\"message\":\"Not Found\"}", "expected a JSON array, got object"},
    {"[1]", "element 0: expected an object, got number"},
    {"[{\"number\":1},{\"title\":\"x\"}]", "element 1: number is missing or not an integer"},
    {"[{\"number\":\"1\"}]", "element 0: number is missing or not an integer"},
    {"[{\"number\":1,\"title\":5}]", "element 0: title is number, not a string"},
    {"[{\"number\":1,\"body\":{}}]", "element 0: body is object, not a string"},
  };
  for (const auto& t : cases) {
    auto r = parse_issue_page(t.body);
    ASSERT_FALSE(r) << t.body;
    EXPECT_EQ(r.error().code, kelos::errc::parse_error);
    EXPECT_NE(r.error().message.find(t.want), std::string::npos) << r.error().message;
  }
  auto comments = parse_comment_page(R"([{"body":"a"},{"body":7}])");
  ASSERT_FALSE(comments);
  EXPECT_EQ(comments.error().message, "element 1: body is number, not a string");
}

TEST(GithubSourcePayload, DeepNestingIsSkippedNotRecursed) {
  std::string deep = R"([{"number":1,"title":"t","junk":)";
  deep += std::string(200000, '[') + std::string(200000, ']') + "}]";
  auto r = parse_issue_page(deep);
  ASSERT_TRUE(r) << r.error().message;
  EXPECT_EQ((*r)[0].number, 1);
  std::string deep_labels = R"([{"number":2,"labels":[{"name":"x","n":)" + std::string(100000, '{');
  auto bad = parse_issue_page(deep_labels);
  EXPECT_FALSE(bad);
}

TEST(GithubSourcePayload, HugePageParsesInLinearTime) {
  // A full page of 100 issues with 64 KiB bodies (6.4 MiB): seconds at -O0 only if linear.
  const std::string big(64 * 1024, 'x');
  std::string body = "[";
  for (int i = 1; i <= 100; ++i)
    body += (i > 1 ? "," : "") + std::string{R"({"number":)"} + std::to_string(i) + R"(,"body":")" + big + "\"}";
  body += "]";
  const auto start = std::chrono::steady_clock::now();
  auto r = parse_issue_page(body);
  ASSERT_TRUE(r);
  EXPECT_EQ(r->size(), 100u);
  EXPECT_EQ(r->back().body.size(), big.size());
  EXPECT_LT(std::chrono::steady_clock::now() - start, 20s);
}

TEST(GithubSourcePayload, ErrorMessageField) {
  EXPECT_EQ(error_message(R"({"message":"Not Found","documentation_url":"https://docs.github.com"})"), "Not Found");
  EXPECT_EQ(error_message("<html>bad gateway</html>"), "");
  EXPECT_EQ(error_message(R"({"message":5})"), "");
  EXPECT_EQ(error_message(R"({"message":"line1\nline2"})"), "line1 line2");
  EXPECT_EQ(error_message(R"({"message":")" + std::string(500, 'm') + "\"}", 10), std::string(10, 'm') + "...");
}

// --- comments --------------------------------------------------------------------------

TEST(GithubSourceComments, CommandMatchesATrimmedLine) {
  struct c {
    const char* body;
    const char* command;
    bool want;
  };
  const std::vector<c> cases = {
    {"/kelos pick-up", "/kelos pick-up", true},
    {"  /kelos pick-up\t", "/kelos pick-up", true},
    {"please\n/kelos pick-up\nthanks", "/kelos pick-up", true},
    {"please\r\n  /kelos pick-up  \r\nthanks", "/kelos pick-up", true},
    {"/kelos pick-up now", "/kelos pick-up", false},
    {"say /kelos pick-up", "/kelos pick-up", false},
    {"/KELOS PICK-UP", "/kelos pick-up", false},
    {"", "/kelos pick-up", false},
    {"anything", "", false},
  };
  for (const auto& t : cases)
    EXPECT_EQ(comment_has_command(t.body, t.command), t.want) << t.body;
}

struct filter_case {
  const char* name;
  std::vector<issue_comment> comments; // oldest first
  comment_filter filter;
  bool include;
  const char* trigger_time; // "" = none
};

TEST(GithubSourceComments, FilterTable) {
  const comment_filter trig{"/go", {}};
  const comment_filter excl{"", {"/stop", "/never"}};
  const comment_filter both{"/go", {"/stop"}};
  auto c = [](const char* body, const char* at) { return issue_comment{body, at}; };
  const std::vector<filter_case> cases = {
    {"no filter, no comments", {}, {}, true, ""},
    {"no filter, comments", {c("/stop", "2026-01-01T00:00:00Z")}, {}, true, ""},
    {"trigger only, none match", {c("hello", "2026-01-01T00:00:00Z")}, trig, false, ""},
    {"trigger only, no comments", {}, trig, false, ""},
    {"trigger only, one matches", {c("hi", "2026-01-01T00:00:00Z"), c("/go", "2026-01-02T00:00:00Z")}, trig, true,
     "2026-01-02T00:00:00Z"},
    {"trigger time is the newest match",
     {c("/go", "2026-01-01T00:00:00Z"), c("/go", "2026-01-03T00:00:00Z"), c("x", "2026-01-04T00:00:00Z")}, trig, true,
     "2026-01-03T00:00:00Z"},
    {"trigger time by value, not position",
     {c("/go", "2026-01-05T00:00:00Z"), c("/go", "2026-01-03T00:00:00Z")}, trig, true, "2026-01-05T00:00:00Z"},
    {"exclude only, none", {c("hello", "2026-01-01T00:00:00Z")}, excl, true, ""},
    {"exclude only, any command", {c("/never", "2026-01-01T00:00:00Z"), c("hello", "2026-01-02T00:00:00Z")}, excl,
     false, ""},
    {"exclude only, no comments", {}, excl, true, ""},
    {"both: newest is trigger", {c("/stop", "2026-01-01T00:00:00Z"), c("/go", "2026-01-02T00:00:00Z")}, both, true,
     "2026-01-02T00:00:00Z"},
    {"both: newest is exclude", {c("/go", "2026-01-01T00:00:00Z"), c("/stop", "2026-01-02T00:00:00Z")}, both, false,
     "2026-01-01T00:00:00Z"},
    {"both: neither", {c("hi", "2026-01-01T00:00:00Z")}, both, false, ""},
    {"both: no comments", {}, both, false, ""},
    {"both: unrelated newer comments are skipped",
     {c("/go", "2026-01-01T00:00:00Z"), c("thanks", "2026-01-02T00:00:00Z")}, both, true, "2026-01-01T00:00:00Z"},
    {"both: one comment with both commands excludes", {c("/go\n/stop", "2026-01-01T00:00:00Z")}, both, false,
     "2026-01-01T00:00:00Z"},
    {"trigger with unparsable time", {c("/go", "yesterday")}, trig, true, ""},
  };
  for (const auto& t : cases) {
    auto v = evaluate_comments(t.comments, t.filter);
    EXPECT_EQ(v.include, t.include) << t.name;
    EXPECT_EQ(v.trigger_time ? format_time(*v.trigger_time) : "", t.trigger_time) << t.name;
  }
}

TEST(GithubSourceComments, CapKeepsTheNewest) {
  std::vector<issue_comment> cs = {{"old", ""}, {"middle", ""}, {"new", ""}};
  EXPECT_EQ(join_newest_comments(cs, 1000), "old\n---\nmiddle\n---\nnew");
  EXPECT_EQ(join_newest_comments(cs, 3), "new");
  EXPECT_EQ(join_newest_comments(cs, 2), "");
  EXPECT_EQ(join_newest_comments(cs, 3 + 5 + 6), "middle\n---\nnew");
  EXPECT_EQ(join_newest_comments(cs, 3 + 5 + 6 + 5 + 2), "middle\n---\nnew");
  EXPECT_EQ(join_newest_comments(cs, 3 + 5 + 6 + 5 + 3), "old\n---\nmiddle\n---\nnew");
  EXPECT_EQ(join_newest_comments({}, 10), "");
  // 64 KiB cap over 1,000 comments of 1 KiB: the newest 63 fit (63 KiB + separators).
  std::vector<issue_comment> many;
  for (int i = 0; i < 1000; ++i)
    many.push_back({std::string(1023, 'a') + std::to_string(i % 10), ""});
  auto joined = join_newest_comments(many, 64 * 1024);
  EXPECT_LE(joined.size(), 64u * 1024);
  EXPECT_EQ(joined.substr(joined.size() - 1), "9");
  EXPECT_EQ(joined.size(), 63 * 1024 + 62 * 5);
}

} // namespace
