// The GitHub discovery over real HTTP against the fake GitHub API, driven by a tiny
// test-only poller loop (the POLLER actor's job in production) on k8s::http_client.
#include "k8s/client/http_client.hpp"
#include "k8s/client/rest_config.hpp"
#include "sources/github/issues_source.hpp"
#include "tests/support/fake_github.hpp"

#include <gtest/gtest.h>

#include <algorithm>
#include <thread>

namespace {

using namespace kelos::github;
using kelos::sources::work_item;
using kelos::test::fake_comment;
using kelos::test::fake_github;
using kelos::test::fake_issue;
using namespace std::chrono_literals;

/// What the poller does: wait for not_before, send, feed the answer back.
class mini_poller {
public:
  explicit mini_poller(const std::string& base) : base_(base) {
    auto url = kelos::k8s::client::parse_server_url(base);
    EXPECT_TRUE(url);
    kelos::k8s::transport_config cfg;
    cfg.scheme = url->scheme;
    cfg.host = url->host;
    cfg.port = url->port;
    cfg.base_path = url->base_path;
    cfg.user_agent = "kelos"; // the transport writes User-Agent itself
    cfg.total_timeout = 10s;
    auto c = kelos::k8s::http_client::make(std::move(cfg));
    EXPECT_TRUE(c);
    client_ = std::move(*c);
  }

  kelos::expected<std::vector<work_item>> run(kelos::sources::discovery& d) {
    while (auto req = d.next_request()) {
      EXPECT_EQ(req->base, base_);
      if (auto nb = d.not_before()) {
        const auto wait = *nb - kelos::k8s::now();
        waited += std::max(wait, decltype(wait){});
        if (wait > decltype(wait){})
          std::this_thread::sleep_for(std::min<std::chrono::microseconds>(wait, 10s));
      }
      kelos::k8s::http_request hr;
      hr.method = req->method;
      hr.path = req->target; // already encoded, query included
      for (const auto& h : req->headers)
        if (!kelos::k8s::header_name_equal(h.first, "User-Agent"))
          hr.headers.push_back(h);
      auto resp = client_->send_sync(std::move(hr), 10s);
      if (!resp)
        d.on_transport_error(resp.error());
      else
        d.on_response({resp->status, resp->headers, resp->body});
    }
    return d.result();
  }

  std::chrono::microseconds waited{0};

private:
  std::string base_;
  std::unique_ptr<kelos::k8s::http_client> client_;
};

github_source_config config_for(const fake_github& gh) {
  auto target = resolve_github_target("https://github.com/kelos-dev/kelos.git", "", gh.base_url());
  EXPECT_TRUE(target);
  github_source_config cfg;
  cfg.api_base = target->api_base;
  cfg.owner = target->owner;
  cfg.repo = target->repo;
  return cfg;
}

std::vector<std::string> ids(const std::vector<work_item>& items) {
  std::vector<std::string> out;
  for (const auto& i : items)
    out.push_back(i.id);
  return out;
}

/// Issues 1-6: PRs 2 and 5, "wontfix" on 4, comments over pages on 3, a trigger on 1 and 3.
void seed_repo(fake_github& gh) {
  gh.set_max_per_page(2); // the source asks for 100; the fake pages by 2 to exercise Link
  for (int n = 1; n <= 6; ++n) {
    fake_issue i;
    i.number = n;
    i.title = "Issue " + std::to_string(n);
    i.body = "Body " + std::to_string(n);
    i.pull_request = n == 2 || n == 5;
    if (n == 4)
      i.labels = {"wontfix"};
    if (n == 6)
      i.body = std::nullopt;
    i.labels.push_back("agent");
    gh.upsert_issue(i);
  }
  gh.add_comment(1, {"/kelos go", "alice", "2026-02-01T10:00:00Z"});
  for (int c = 0; c < 4; ++c)
    gh.add_comment(3, {"chatter " + std::to_string(c), "bob", "2026-02-0" + std::to_string(c + 1) + "T09:00:00Z"});
  gh.add_comment(3, {"please\n/kelos go\n", "alice", "2026-02-07T10:00:00Z"});
}

TEST(GithubSourceHttp, FullDiscoveryThenUnchangedCycleCostsOnly304s) {
  fake_github gh;
  seed_repo(gh);
  auto cfg = config_for(gh);
  cfg.types = {"issues", "pulls"};
  cfg.labels = {"agent"};
  cfg.exclude_labels = {"wontfix"};
  cfg.trigger_comment = "/kelos go";
  github_cache cache;
  mini_poller poller{gh.base_url()};

  auto d1 = make_github_discovery(cfg, cache, kelos::k8s::now());
  auto first = poller.run(*d1);
  ASSERT_TRUE(first) << first.error().message;
  ASSERT_EQ(ids(*first), (std::vector<std::string>{"3", "1"}));
  const auto& i3 = (*first)[0];
  EXPECT_EQ(i3.title, "Issue 3");
  EXPECT_EQ(i3.url, "https://github.com/kelos-dev/kelos/issues/3");
  EXPECT_EQ(i3.labels, std::vector<std::string>{"agent"});
  EXPECT_EQ(i3.kind, "Issue");
  EXPECT_EQ(i3.comments, "chatter 0\n---\nchatter 1\n---\nchatter 2\n---\nchatter 3\n---\nplease\n/kelos go\n");
  ASSERT_TRUE(i3.trigger_time);
  EXPECT_EQ(kelos::k8s::format_time(*i3.trigger_time), "2026-02-07T10:00:00Z");

  // 3 list pages (6 issues by 2), comments only for items left after the filters that have
  // comments: issue 1 (1 page) and issue 3 (3 pages); never for the PRs, 4 (excluded), 6 (none).
  const auto log = gh.requests();
  ASSERT_EQ(log.size(), 7u);
  EXPECT_EQ(log[0].target, "/repos/kelos-dev/kelos/issues?labels=agent&per_page=100&state=open");
  EXPECT_EQ(log[1].target, "/repositories/1296269/issues?labels=agent&per_page=100&state=open&page=2");
  EXPECT_EQ(gh.count_requests("/comments"), 4u);
  EXPECT_EQ(gh.count_requests("/issues/3/comments"), 3u);
  EXPECT_EQ(gh.count_requests("/issues/1/comments"), 1u);
  for (const auto& r : log) {
    EXPECT_EQ(r.method, "GET");
    EXPECT_EQ(r.header("Accept"), "application/vnd.github+json");
    EXPECT_EQ(r.header("User-Agent"), "kelos");
    EXPECT_EQ(r.header("X-GitHub-Api-Version"), "2022-11-28");
    EXPECT_EQ(r.header("Authorization"), "");
    EXPECT_EQ(r.header("If-None-Match"), "");
  }

  // Unchanged repository: the same requests, each conditional, each answered 304.
  gh.clear_requests();
  auto d2 = make_github_discovery(cfg, cache, kelos::k8s::now());
  auto second = poller.run(*d2);
  ASSERT_TRUE(second) << second.error().message;
  EXPECT_EQ(ids(*second), ids(*first));
  EXPECT_EQ((*second)[0].comments, i3.comments);
  const auto again = gh.requests();
  ASSERT_EQ(again.size(), 7u);
  for (const auto& r : again)
    EXPECT_NE(r.header("If-None-Match"), "") << r.target;
  EXPECT_EQ(gh.count_status(304), 7u);
  EXPECT_EQ(github_discovery_stats(*d2).not_modified, 7);

  // A changed issue is picked up; untouched pages still answer 304.
  fake_issue retitled;
  retitled.number = 1;
  retitled.title = "Issue 1, retitled";
  retitled.labels = {"agent"};
  gh.upsert_issue(retitled);
  gh.add_comment(5, {"/kelos go", "alice", "2026-02-09T10:00:00Z"}); // PR 5 now triggers
  gh.clear_requests();
  auto d3 = make_github_discovery(cfg, cache, kelos::k8s::now());
  auto third = poller.run(*d3);
  ASSERT_TRUE(third) << third.error().message;
  EXPECT_EQ(ids(*third), (std::vector<std::string>{"5", "3", "1"}));
  EXPECT_EQ((*third)[0].kind, "PR");
  EXPECT_EQ((*third)[2].title, "Issue 1, retitled");
  // List pages 1 (issue 5's comment count) and 3 (issue 1) changed, page 2 did not; issue 5's
  // comments are new; issues 1 and 3 kept their comments.
  EXPECT_EQ(gh.count_status(200), 3u);
  EXPECT_EQ(gh.count_status(304), 5u);
}

TEST(GithubSourceHttp, NoCommentRequestsWhenUnusedAndTokenSent) {
  fake_github gh;
  seed_repo(gh);
  gh.require_token("ghs_fake_installation_token");
  auto cfg = config_for(gh);
  cfg.token = "ghs_fake_installation_token";
  github_cache cache;
  mini_poller poller{gh.base_url()};
  auto d = make_github_discovery(cfg, cache, kelos::k8s::now());
  auto items = poller.run(*d);
  ASSERT_TRUE(items) << items.error().message;
  EXPECT_EQ(ids(*items), (std::vector<std::string>{"6", "4", "3", "1"}));
  EXPECT_EQ((*items)[0].body, "");
  EXPECT_EQ(gh.count_requests("/comments"), 0u);
  for (const auto& r : gh.requests())
    EXPECT_EQ(r.header("Authorization"), "Bearer ghs_fake_installation_token");

  // A wrong token: a clear error without the token.
  cfg.token = "ghs_wrong";
  github_cache fresh;
  auto bad = make_github_discovery(cfg, fresh, kelos::k8s::now());
  auto err = poller.run(*bad);
  ASSERT_FALSE(err);
  EXPECT_EQ(err.error().message,
            "GitHub API returned status 401 for /repos/kelos-dev/kelos/issues?per_page=100&state=open: Bad credentials");
}

TEST(GithubSourceHttp, RateLimitsAreWaitedOut) {
  fake_github gh;
  seed_repo(gh);
  gh.set_rate_limit(3, 2s); // 3 requests per 2 s: the first cycle needs 7
  auto cfg = config_for(gh);
  cfg.trigger_comment = "/kelos go";
  github_cache cache;
  mini_poller poller{gh.base_url()};
  auto d = make_github_discovery(cfg, cache, kelos::k8s::now());
  auto items = poller.run(*d);
  ASSERT_TRUE(items) << items.error().message;
  EXPECT_EQ(ids(*items), (std::vector<std::string>{"3", "1"}));
  EXPECT_GT(poller.waited, 500ms);
  EXPECT_GT(github_discovery_stats(*d).waits, 0);

  // A secondary limit with Retry-After on a comments page.
  gh.set_rate_limit(5000, 3600s);
  gh.secondary_limit_next("/repos/kelos-dev/kelos/issues/3/comments", 1);
  gh.clear_requests();
  mini_poller p2{gh.base_url()};
  github_cache fresh;
  auto d2 = make_github_discovery(cfg, fresh, kelos::k8s::now());
  auto again = p2.run(*d2);
  ASSERT_TRUE(again) << again.error().message;
  EXPECT_EQ(ids(*again), (std::vector<std::string>{"3", "1"}));
  EXPECT_EQ(gh.count_status(403), 1u);
  EXPECT_GT(p2.waited, 0us);
}

TEST(GithubSourceHttp, ServerErrorsRetriedThenMalformedJsonReported) {
  fake_github gh;
  seed_repo(gh);
  gh.server_error_next("/repos/kelos-dev/kelos/issues", 502, 2);
  auto cfg = config_for(gh);
  cfg.server_retry_backoff = 20ms;
  github_cache cache;
  mini_poller poller{gh.base_url()};
  auto d = make_github_discovery(cfg, cache, kelos::k8s::now());
  auto items = poller.run(*d);
  ASSERT_TRUE(items) << items.error().message;
  EXPECT_EQ(gh.count_status(502), 2u);

  kelos::test::loopback_response broken;
  broken.status = 200;
  broken.body = "[{\"number\": 1, \"title\": ";
  gh.inject({"/repos/kelos-dev/kelos/issues", broken, 1});
  github_cache fresh;
  auto bad = make_github_discovery(cfg, fresh, kelos::k8s::now());
  auto err = poller.run(*bad);
  ASSERT_FALSE(err);
  EXPECT_EQ(err.error().code, kelos::errc::parse_error);
  EXPECT_EQ(err.error().message.rfind("GitHub API returned malformed JSON for GET "
                                      "/repos/kelos-dev/kelos/issues?per_page=100&state=open: invalid JSON",
                                      0),
            0u)
    << err.error().message;
}

} // namespace
