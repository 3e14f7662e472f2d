// The GitHub discovery state machine driven against scripted answers: filters, pagination,
// comments, ETags, rate limits, retries and errors.
#include "sources/github/issues_source.hpp"

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include <functional>
#include <map>
#include <string>
#include <vector>

namespace {

using namespace kelos::github;
using kelos::errc;
using kelos::k8s::format_time;
using kelos::k8s::parse_time;
using kelos::sources::source_request;
using kelos::sources::source_response;
using kelos::sources::work_item;
using json = nlohmann::json;
using namespace std::chrono_literals;

const kelos::k8s::time_point t0 = *parse_time("2026-03-01T12:00:00Z");

std::string epoch(kelos::k8s::time_point t) {
  return std::to_string(std::chrono::duration_cast<std::chrono::seconds>(t.time_since_epoch()).count());
}

json issue(int n, std::vector<std::string> labels = {}, bool pr = false, int comments = 0) {
  json j = {{"id", 1000 + n},
            {"number", n},
            {"title", "Issue " + std::to_string(n)},
            {"body", "Body of " + std::to_string(n)},
            {"html_url", "https://github.com/o/r/" + std::string(pr ? "pull/" : "issues/") + std::to_string(n)},
            {"state", "open"},
            {"user", {{"login", "octocat"}, {"id", 1}}},
            {"comments", comments}};
  j["labels"] = json::array();
  for (const auto& l : labels)
    j["labels"].push_back({{"name", l}, {"color", "ededed"}});
  if (pr)
    j["pull_request"] = {{"url", "https://api.github.com/repos/o/r/pulls/" + std::to_string(n)}};
  return j;
}

json comment(const std::string& body, const std::string& at) {
  return {{"id", 1}, {"body", body}, {"created_at", at}, {"user", {{"login", "u"}}}};
}

source_response ok(const json& body, std::vector<std::pair<std::string, std::string>> headers = {}) {
  return {200, std::move(headers), body.dump()};
}

/// One request the driver made, with the not_before the discovery asked for before it.
struct sent {
  source_request req;
  std::optional<kelos::k8s::time_point> not_before;
  std::string header(const std::string& name) const {
    for (const auto& [k, v] : req.headers)
      if (k == name)
        return v;
    return {};
  }
};

/// Drives a discovery: answers each request with `answer` (status 0 = transport error).
struct driver {
  explicit driver(std::function<source_response(const source_request&)> a) : answer(std::move(a)) {}
  std::function<source_response(const source_request&)> answer;
  std::vector<sent> log;

  kelos::expected<std::vector<work_item>> run(kelos::sources::discovery& d) {
    for (int i = 0; i < 5000; ++i) {
      auto nb = d.not_before();
      auto req = d.next_request();
      if (!req)
        return d.result();
      log.push_back({*req, nb});
      auto resp = answer(*req);
      if (resp.status == 0)
        d.on_transport_error(kelos::make_error(errc::connection_failed, "connect 127.0.0.1:1: Connection refused"));
      else
        d.on_response(resp);
    }
    return kelos::make_error(errc::logic_error, "discovery did not finish");
  }
  std::vector<std::string> targets() const {
    std::vector<std::string> out;
    for (const auto& s : log)
      out.push_back(s.req.target);
    return out;
  }
};

github_source_config base_cfg() {
  github_source_config c;
  c.api_base = "https://api.github.com";
  c.owner = "o";
  c.repo = "r";
  return c;
}

kelos::expected<std::vector<work_item>> discover(const github_source_config& cfg, driver& drv, github_cache& cache) {
  auto d = make_github_discovery(cfg, cache, t0);
  return drv.run(*d);
}

std::vector<std::string> ids(const std::vector<work_item>& items) {
  std::vector<std::string> out;
  for (const auto& i : items)
    out.push_back(i.id);
  return out;
}

const std::string list1 = "/repos/o/r/issues?per_page=100&state=open";

TEST(GithubDiscovery, IssuesWithPullRequestsMixedIn) {
  driver drv{[](const source_request& r) {
    EXPECT_EQ(r.target, list1);
    return ok(json::array({issue(3, {"bug", "ui"}), issue(2, {}, true), issue(1)}));
  }};
  github_cache cache;
  auto items = discover(base_cfg(), drv, cache);
  ASSERT_TRUE(items) << items.error().message;
  ASSERT_EQ(ids(*items), (std::vector<std::string>{"3", "1"}));
  const auto& a = (*items)[0];
  EXPECT_EQ(a.number, 3);
  EXPECT_EQ(a.title, "Issue 3");
  EXPECT_EQ(a.body, "Body of 3");
  EXPECT_EQ(a.url, "https://github.com/o/r/issues/3");
  EXPECT_EQ(a.labels, (std::vector<std::string>{"bug", "ui"}));
  EXPECT_EQ(a.kind, "Issue");
  EXPECT_EQ(a.comments, "");
  EXPECT_EQ(a.trigger_time, std::nullopt);
  ASSERT_EQ(drv.log.size(), 1u);
  EXPECT_EQ(drv.log[0].req.method, "GET");
  EXPECT_EQ(drv.log[0].req.base, "https://api.github.com");
  EXPECT_EQ(drv.log[0].header("If-None-Match"), "");
}

TEST(GithubDiscovery, TypesAndExcludeLabelsTable) {
  struct c {
    std::vector<std::string> types;
    std::vector<std::string> exclude;
    std::vector<std::string> want;
  };
  const std::vector<c> cases = {
    {{}, {}, {"4", "2"}},
    {{"issues"}, {}, {"4", "2"}},
    {{"pulls"}, {}, {"3", "1"}},
    {{"issues", "pulls"}, {}, {"4", "3", "2", "1"}},
    {{"bogus"}, {}, {}},
    {{"issues", "pulls"}, {"wontfix"}, {"3", "2", "1"}},
    {{"issues", "pulls"}, {"wontfix", "bug"}, {"3"}},
    {{"issues", "pulls"}, {"Bug"}, {"4", "3", "2", "1"}},
  };
  for (const auto& t : cases) {
    driver drv{[](const source_request&) {
      return ok(json::array({issue(4, {"wontfix"}), issue(3, {}, true), issue(2, {"bug"}), issue(1, {"bug"}, true)}));
    }};
    auto cfg = base_cfg();
    cfg.types = t.types;
    cfg.exclude_labels = t.exclude;
    github_cache cache;
    auto items = discover(cfg, drv, cache);
    ASSERT_TRUE(items);
    EXPECT_EQ(ids(*items), t.want);
    for (const auto& i : *items)
      EXPECT_EQ(i.kind, i.number % 2 ? "PR" : "Issue");
  }
}

TEST(GithubDiscovery, FollowsLinkNextAndStopsAtTenPages) {
  driver drv{[](const source_request& r) {
    int page = 1;
    if (auto p = r.target.rfind("&page="); p != std::string::npos)
      page = std::stoi(r.target.substr(p + 6));
    json items = json::array();
    for (int i = 0; i < 100; ++i)
      items.push_back(issue(page * 1000 + i));
    std::string link = "<https://api.github.com/repositories/9/issues?per_page=100&state=open&page=" +
                       std::to_string(page + 1) + ">; rel=\"next\", <https://api.github.com/repositories/9/issues?"
                       "per_page=100&state=open&page=50>; rel=\"last\"";
    return ok(items, {{"Link", link}});
  }};
  github_cache cache;
  auto items = discover(base_cfg(), drv, cache);
  ASSERT_TRUE(items);
  EXPECT_EQ(items->size(), 1000u);
  ASSERT_EQ(drv.log.size(), 10u);
  EXPECT_EQ(drv.log[0].req.target, list1);
  EXPECT_EQ(drv.log[1].req.target, "/repositories/9/issues?per_page=100&state=open&page=2");
  EXPECT_EQ(drv.log[9].req.target, "/repositories/9/issues?per_page=100&state=open&page=10");
  for (const auto& s : drv.log)
    EXPECT_EQ(s.req.base, "https://api.github.com");
}

TEST(GithubDiscovery, EnterpriseBasePathIsNotDoubled) {
  driver drv{[](const source_request& r) {
    if (r.target == "/repos/o/r/issues?per_page=100&state=open")
      return ok(json::array({issue(2)}),
                {{"Link", "<https://ghe.example.com/api/v3/repositories/9/issues?page=2>; rel=\"next\""}});
    EXPECT_EQ(r.target, "/repositories/9/issues?page=2");
    return ok(json::array({issue(1)}));
  }};
  auto cfg = base_cfg();
  cfg.api_base = "https://ghe.example.com/api/v3/";
  github_cache cache;
  auto items = discover(cfg, drv, cache);
  ASSERT_TRUE(items);
  EXPECT_EQ(ids(*items), (std::vector<std::string>{"2", "1"}));
  EXPECT_EQ(drv.log[1].req.base, "https://ghe.example.com/api/v3");
}

TEST(GithubDiscovery, NoCommentRequestsWhenNothingNeedsThem) {
  driver drv{[](const source_request& r) {
    EXPECT_EQ(r.target.find("/comments"), std::string::npos) << r.target;
    return ok(json::array({issue(2, {}, false, 5), issue(1, {}, false, 9)}));
  }};
  github_cache cache;
  auto items = discover(base_cfg(), drv, cache);
  ASSERT_TRUE(items);
  EXPECT_EQ(drv.log.size(), 1u);
  EXPECT_EQ((*items)[0].comments, "");
}

/// Comments of issue 7 over three pages (oldest first), 100/100/50 comments "c<i>".
source_response comments_of_7(const source_request& r) {
  const std::string first = "/repos/o/r/issues/7/comments?per_page=100";
  int page = r.target == first ? 1 : std::stoi(r.target.substr(r.target.rfind('=') + 1));
  json out = json::array();
  const int count = page < 3 ? 100 : 50;
  for (int i = 0; i < count; ++i) {
    const int n = (page - 1) * 100 + i;
    out.push_back(comment("c" + std::to_string(n), "2026-01-01T00:00:00Z"));
  }
  std::vector<std::pair<std::string, std::string>> h;
  if (page < 3)
    h.emplace_back("Link", "<https://api.github.com/repositories/9/issues/7/comments?per_page=100&page=" +
                             std::to_string(page + 1) + ">; rel=\"next\", <https://api.github.com/repositories/9/"
                             "issues/7/comments?per_page=100&page=3>; rel=\"last\"");
  return ok(out, h);
}

TEST(GithubDiscovery, CommentsOverAllPagesKeepTheNewestWithinTheCap) {
  driver drv{[](const source_request& r) {
    if (r.target == list1)
      return ok(json::array({issue(8, {}, false, 0), issue(7, {}, false, 250)}));
    return comments_of_7(r);
  }};
  auto cfg = base_cfg();
  cfg.template_uses_comments = true;
  cfg.comments_cap = 4 + 5 + 4; // "c248\n---\nc249"
  github_cache cache;
  auto d = make_github_discovery(cfg, cache, t0);
  auto items = drv.run(*d);
  ASSERT_TRUE(items) << items.error().message;
  ASSERT_EQ(items->size(), 2u);
  EXPECT_EQ((*items)[0].comments, ""); // issue 8 has no comments: not requested
  EXPECT_EQ((*items)[1].comments, "c248\n---\nc249");
  EXPECT_EQ(drv.targets(), (std::vector<std::string>{list1, "/repos/o/r/issues/7/comments?per_page=100",
                                                     "/repositories/9/issues/7/comments?per_page=100&page=2",
                                                     "/repositories/9/issues/7/comments?per_page=100&page=3"}));
  auto stats = github_discovery_stats(*d);
  EXPECT_EQ(stats.requests, 4);
  EXPECT_EQ(stats.comment_requests, 1);
}

TEST(GithubDiscovery, CommentPageCapJumpsToTheLastPage) {
  driver drv{[](const source_request& r) {
    if (r.target == list1)
      return ok(json::array({issue(7, {}, false, 250)}));
    return comments_of_7(r);
  }};
  auto cfg = base_cfg();
  cfg.trigger_comment = "c249";
  cfg.max_comment_pages = 1;
  github_cache cache;
  auto items = discover(cfg, drv, cache);
  ASSERT_TRUE(items);
  EXPECT_EQ(ids(*items), std::vector<std::string>{"7"}); // the newest comment was seen
  EXPECT_EQ(drv.targets().back(), "/repositories/9/issues/7/comments?per_page=100&page=3");
  EXPECT_EQ(drv.log.size(), 3u);
}

TEST(GithubDiscovery, CommentFiltersAndTriggerTime) {
  std::map<std::string, json> comments = {
    {"/repos/o/r/issues/1/comments?per_page=100",
     json::array({comment("/kelos go", "2026-02-01T10:00:00Z"), comment("/kelos go", "2026-02-03T10:00:00Z")})},
    {"/repos/o/r/issues/2/comments?per_page=100",
     json::array({comment("/kelos go", "2026-02-01T10:00:00Z"), comment("/kelos stop", "2026-02-02T10:00:00Z")})},
    {"/repos/o/r/issues/3/comments?per_page=100", json::array({comment("nice", "2026-02-01T10:00:00Z")})},
  };
  driver drv{[&](const source_request& r) {
    if (r.target == list1)
      return ok(json::array({issue(1, {}, false, 2), issue(2, {}, false, 2), issue(3, {}, false, 1), issue(4)}));
    return ok(comments.at(r.target));
  }};
  auto cfg = base_cfg();
  cfg.trigger_comment = "/kelos go";
  cfg.exclude_comments = {"/kelos stop"};
  github_cache cache;
  auto items = discover(cfg, drv, cache);
  ASSERT_TRUE(items);
  ASSERT_EQ(ids(*items), std::vector<std::string>{"1"});
  ASSERT_TRUE((*items)[0].trigger_time);
  EXPECT_EQ(format_time(*(*items)[0].trigger_time), "2026-02-03T10:00:00Z");
  EXPECT_EQ((*items)[0].comments, "/kelos go\n---\n/kelos go");
  EXPECT_EQ(drv.log.size(), 4u); // issue 4 has no comments: not requested
}

TEST(GithubDiscovery, EtagsMakeAnUnchangedRepoCostOnly304s) {
  int cycle = 1;
  std::map<std::string, json> comments = {
    {"/repos/o/r/issues/1/comments?per_page=100", json::array({comment("/go", "2026-02-01T10:00:00Z")})},
    {"/repos/o/r/issues/2/comments?per_page=100", json::array({comment("/go", "2026-02-01T11:00:00Z")})},
  };
  driver drv{[&](const source_request& r) {
    const std::string etag = "W/\"" + r.target + "@" + std::to_string(cycle == 3 && r.target == list1 ? 3 : 1) + "\"";
    for (const auto& [k, v] : r.headers)
      if (k == "If-None-Match" && v == etag)
        return source_response{304, {{"ETag", etag}}, ""};
    if (r.target == list1) {
      json list = cycle == 3 ? json::array({issue(1, {}, false, 1)})
                             : json::array({issue(2, {}, false, 1), issue(1, {}, false, 1)});
      return ok(list, {{"ETag", etag}});
    }
    return ok(comments.at(r.target), {{"ETag", etag}});
  }};
  auto cfg = base_cfg();
  cfg.trigger_comment = "/go";
  github_cache cache;

  auto d1 = make_github_discovery(cfg, cache, t0);
  auto first = drv.run(*d1);
  ASSERT_TRUE(first);
  EXPECT_EQ(ids(*first), (std::vector<std::string>{"2", "1"}));
  EXPECT_EQ(cache.size(), 3u);
  for (const auto& s : drv.log)
    EXPECT_EQ(s.header("If-None-Match"), "");

  cycle = 2;
  drv.log.clear();
  auto d2 = make_github_discovery(cfg, cache, t0 + 5min);
  auto second = drv.run(*d2);
  ASSERT_TRUE(second);
  EXPECT_EQ(ids(*second), ids(*first));
  EXPECT_EQ((*second)[0].trigger_time, (*first)[0].trigger_time);
  ASSERT_EQ(drv.log.size(), 3u);
  for (const auto& s : drv.log)
    EXPECT_EQ(s.header("If-None-Match"), "W/\"" + s.req.target + "@1\"");
  EXPECT_EQ(github_discovery_stats(*d2).not_modified, 3);

  // Issue 2 closed: the list changes, issue 1's comments still answer 304, and issue 2's
  // cached comments are dropped.
  cycle = 3;
  drv.log.clear();
  auto d3 = make_github_discovery(cfg, cache, t0 + 10min);
  auto third = drv.run(*d3);
  ASSERT_TRUE(third);
  EXPECT_EQ(ids(*third), std::vector<std::string>{"1"});
  EXPECT_EQ(github_discovery_stats(*d3).not_modified, 1);
  EXPECT_EQ(cache.size(), 2u);
  EXPECT_EQ(cache.find("https://api.github.com/repos/o/r/issues/2/comments?per_page=100"), nullptr);
}

TEST(GithubDiscovery, NotModifiedWithoutCacheIsAnError) {
  driver drv{[](const source_request&) { return source_response{304, {}, ""}; }};
  github_cache cache;
  auto items = discover(base_cfg(), drv, cache);
  ASSERT_FALSE(items);
  EXPECT_EQ(items.error().message,
            "GitHub API answered 304 Not Modified for " + list1 + " to a request without If-None-Match");
}

TEST(GithubDiscovery, PrimaryRateLimitIsWaitedOutAndTheRequestRetried) {
  int calls = 0;
  const auto reset = t0 + 40s;
  driver drv{[&](const source_request&) {
    if (++calls == 1)
      return source_response{403,
                             {{"Date", "Sun, 01 Mar 2026 12:00:00 GMT"},
                              {"X-RateLimit-Limit", "60"},
                              {"X-RateLimit-Remaining", "0"},
                              {"X-RateLimit-Reset", epoch(reset)}},
                             R"({"message":"API rate limit exceeded for 203.0.113.7.","documentation_url":"x"})"};
    return ok(json::array({issue(1)}));
  }};
  github_cache cache;
  auto items = discover(base_cfg(), drv, cache);
  ASSERT_TRUE(items) << items.error().message;
  ASSERT_EQ(drv.log.size(), 2u);
  EXPECT_EQ(drv.log[0].not_before, std::nullopt);
  EXPECT_EQ(drv.log[1].not_before, reset);
  EXPECT_EQ(drv.log[1].req.target, drv.log[0].req.target);
}

TEST(GithubDiscovery, SecondaryRateLimitRetryAfter) {
  int calls = 0;
  driver drv{[&](const source_request&) {
    if (++calls == 1)
      return source_response{429, {{"Date", "Sun, 01 Mar 2026 12:00:10 GMT"}, {"Retry-After", "7"}},
                             R"({"message":"You have exceeded a secondary rate limit."})"};
    return ok(json::array({issue(1)}));
  }};
  github_cache cache;
  auto items = discover(base_cfg(), drv, cache);
  ASSERT_TRUE(items);
  EXPECT_EQ(drv.log[1].not_before, t0 + 17s);
}

TEST(GithubDiscovery, RateLimitLongerThanTheMaxWaitFails) {
  driver drv{[&](const source_request&) {
    return source_response{403,
                           {{"Date", "Sun, 01 Mar 2026 12:00:00 GMT"},
                            {"X-RateLimit-Remaining", "0"},
                            {"X-RateLimit-Reset", epoch(t0 + 3600s)}},
                           R"({"message":"API rate limit exceeded"})"};
  }};
  github_cache cache;
  auto items = discover(base_cfg(), drv, cache);
  ASSERT_FALSE(items);
  EXPECT_EQ(items.error().code, errc::server_unavailable);
  EXPECT_EQ(items.error().message,
            "GitHub API rate limit exceeded for " + list1 +
              ": primary rate limit (x-ratelimit-remaining: 0): API rate limit exceeded; retry allowed at "
              "2026-03-01T13:00:00Z (in 1h0m0s), longer than the longest wait (15m0s)");
  EXPECT_EQ(drv.log.size(), 1u);
}

TEST(GithubDiscovery, RateLimitRetriesAreBounded) {
  driver drv{[&](const source_request&) {
    return source_response{429, {{"Retry-After", "1"}}, ""};
  }};
  github_cache cache;
  auto items = discover(base_cfg(), drv, cache);
  ASSERT_FALSE(items);
  EXPECT_EQ(drv.log.size(), 4u);
  EXPECT_NE(items.error().message.find("still limited after 3 waits, giving up"), std::string::npos);
}

TEST(GithubDiscovery, GivingUpOnARateLimitKeepsItsResetForTheNextDiscovery) {
  // Too long to wait: the reset stays binding after the discovery failed.
  driver too_long{[&](const source_request&) {
    return source_response{403,
                           {{"Date", "Sun, 01 Mar 2026 12:00:00 GMT"},
                            {"X-RateLimit-Remaining", "0"},
                            {"X-RateLimit-Reset", epoch(t0 + 3600s)}},
                           R"({"message":"API rate limit exceeded"})"};
  }};
  github_cache cache;
  auto d = make_github_discovery(base_cfg(), cache, t0);
  ASSERT_FALSE(too_long.run(*d));
  EXPECT_EQ(d->retry_not_before(), t0 + 3600s);
  EXPECT_EQ(d->not_before(), std::nullopt);

  // Still limited after the retries: the last Retry-After counts.
  driver always{[&](const source_request&) {
    return source_response{429, {{"Date", "Sun, 01 Mar 2026 12:00:00 GMT"}, {"Retry-After", "5"}}, ""};
  }};
  d = make_github_discovery(base_cfg(), cache, t0);
  ASSERT_FALSE(always.run(*d));
  EXPECT_EQ(d->retry_not_before(), t0 + 5s);

  // Other failures and successes leave the next discovery free.
  driver server_errors{[&](const source_request&) { return source_response{502, {}, ""}; }};
  d = make_github_discovery(base_cfg(), cache, t0);
  ASSERT_FALSE(server_errors.run(*d));
  EXPECT_EQ(d->retry_not_before(), std::nullopt);
  int calls = 0;
  driver limited_once{[&](const source_request&) {
    if (++calls == 1)
      return source_response{429, {{"Date", "Sun, 01 Mar 2026 12:00:00 GMT"}, {"Retry-After", "5"}}, ""};
    return ok(json::array({issue(1)}));
  }};
  d = make_github_discovery(base_cfg(), cache, t0);
  ASSERT_TRUE(limited_once.run(*d));
  EXPECT_EQ(d->retry_not_before(), std::nullopt);
}

TEST(GithubDiscovery, ServerErrorsAreRetriedWithBackoff) {
  int calls = 0;
  driver drv{[&](const source_request&) {
    if (++calls <= 2)
      return source_response{502, {}, "<html>Bad Gateway</html>"};
    return ok(json::array({issue(1)}));
  }};
  github_cache cache;
  auto items = discover(base_cfg(), drv, cache);
  ASSERT_TRUE(items);
  ASSERT_EQ(drv.log.size(), 3u);
  EXPECT_EQ(drv.log[1].not_before, t0 + 1s);
  EXPECT_EQ(drv.log[2].not_before, t0 + 1s + 2s);
}

TEST(GithubDiscovery, ServerErrorsGiveUpAfterTheRetries) {
  driver drv{[&](const source_request&) {
    return source_response{503, {}, R"({"message":"Service Unavailable"})"};
  }};
  github_cache cache;
  auto items = discover(base_cfg(), drv, cache);
  ASSERT_FALSE(items);
  EXPECT_EQ(drv.log.size(), 4u);
  EXPECT_EQ(items.error().code, errc::server_unavailable);
  EXPECT_EQ(items.error().message,
            "GitHub API returned status 503 for " + list1 + ": Service Unavailable (after 4 attempts)");
}

TEST(GithubDiscovery, TransportErrorsAreRetriedThenReported) {
  driver drv{[&](const source_request&) { return source_response{0, {}, ""}; }};
  github_cache cache;
  auto items = discover(base_cfg(), drv, cache);
  ASSERT_FALSE(items);
  EXPECT_EQ(drv.log.size(), 4u);
  EXPECT_EQ(items.error().code, errc::connection_failed);
  EXPECT_EQ(items.error().message, "GitHub API request GET " + list1 +
                                     " failed: connect 127.0.0.1:1: Connection refused (after 4 attempts)");
}

TEST(GithubDiscovery, ClientErrorsNameStatusTargetAndMessageNeverTheToken) {
  struct c {
    int status;
    std::string body;
    errc code;
    std::string want;
  };
  const std::vector<c> cases = {
    {404, R"({"message":"Not Found","documentation_url":"https://docs.github.com/rest"})", errc::not_found,
     "GitHub API returned status 404 for " + list1 + ": Not Found"},
    {401, R"({"message":"Bad credentials: ghp_TOPSECRET"})", errc::unauthorized,
     "GitHub API returned status 401 for " + list1 + ": Bad credentials: [redacted]"},
    {403, R"({"message":"Resource not accessible by integration"})", errc::forbidden,
     "GitHub API returned status 403 for " + list1 + ": Resource not accessible by integration"},
    {422, R"({"message":"Validation Failed","errors":[{"field":"state"}]})", errc::bad_request,
     "GitHub API returned status 422 for " + list1 + ": Validation Failed"},
    {410, "", errc::gone, "GitHub API returned status 410 for " + list1},
    {418, "<html>teapot</html>", errc::http_error, "GitHub API returned status 418 for " + list1},
    {404, R"({"message":")" + std::string(300, 'x') + "\"}", errc::not_found,
     "GitHub API returned status 404 for " + list1 + ": " + std::string(200, 'x') + "..."},
    // An echoed token across the 200-byte cut: redacted first, so no prefix of it survives.
    {401, R"({"message":")" + std::string(195, 'x') + R"(ghp_TOPSECRET"})", errc::unauthorized,
     "GitHub API returned status 401 for " + list1 + ": " + std::string(195, 'x') + "[reda..."},
  };
  for (const auto& t : cases) {
    driver drv{[&](const source_request&) { return source_response{t.status, {}, t.body}; }};
    auto cfg = base_cfg();
    cfg.token = "ghp_TOPSECRET";
    github_cache cache;
    auto items = discover(cfg, drv, cache);
    ASSERT_FALSE(items);
    EXPECT_EQ(items.error().code, t.code) << t.status;
    EXPECT_EQ(items.error().message, t.want);
    EXPECT_EQ(items.error().message.find("TOPSECRET"), std::string::npos);
    EXPECT_EQ(items.error().message.find("ghp_"), std::string::npos);
    EXPECT_EQ(drv.log.size(), 1u) << "no retry of a client error";
    EXPECT_EQ(drv.log[0].header("Authorization"), "Bearer ghp_TOPSECRET");
  }
}

TEST(GithubDiscovery, MalformedJsonNamesTheRequest) {
  driver drv{[](const source_request& r) {
    if (r.target == list1)
      return ok(json::array({issue(5, {}, false, 1)}));
    return source_response{200, {}, "[{\"body\": \"unterminated"};
  }};
  auto cfg = base_cfg();
  cfg.exclude_comments = {"/stop"};
  github_cache cache;
  auto items = discover(cfg, drv, cache);
  ASSERT_FALSE(items);
  EXPECT_EQ(items.error().code, errc::parse_error);
  EXPECT_EQ(items.error().message.rfind(
              "GitHub API returned malformed JSON for GET /repos/o/r/issues/5/comments?per_page=100: invalid JSON", 0),
            0u)
    << items.error().message;
  EXPECT_EQ(cache.size(), 0u);
}

TEST(GithubDiscovery, ExhaustedBudgetDelaysTheNextRequest) {
  const auto reset = t0 + 120s;
  driver drv{[&](const source_request& r) {
    if (r.target == list1)
      return ok(json::array({issue(5, {}, false, 1)}),
                {{"Date", "Sun, 01 Mar 2026 12:00:00 GMT"}, {"X-RateLimit-Remaining", "0"},
                 {"X-RateLimit-Reset", epoch(reset)}});
    return ok(json::array({comment("hello", "2026-02-01T00:00:00Z")}));
  }};
  auto cfg = base_cfg();
  cfg.template_uses_comments = true;
  github_cache cache;
  auto items = discover(cfg, drv, cache);
  ASSERT_TRUE(items);
  ASSERT_EQ(drv.log.size(), 2u);
  EXPECT_EQ(drv.log[1].not_before, reset);
  EXPECT_EQ((*items)[0].comments, "hello");
}

TEST(GithubDiscovery, ResultBeforeTheEndIsALogicError) {
  github_cache cache;
  auto d = make_github_discovery(base_cfg(), cache, t0);
  auto r = d->result();
  ASSERT_FALSE(r);
  EXPECT_EQ(r.error().code, errc::logic_error);
  EXPECT_EQ(r.error().message, "GitHub discovery of o/r has not finished");
}

} // namespace
