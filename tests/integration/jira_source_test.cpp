// The Jira source (sources/jira/jira_source.hpp) over real HTTP against the fake Jira API
// (tests/support/fake_jira.hpp), with k8s::http_client::send_sync performing each request
// the discovery asks for, as the POLLER does.
#include "sources/jira/jira_source.hpp"

#include "k8s/client/http_client.hpp"
#include "k8s/client/rest_config.hpp"
#include "tests/support/fake_jira.hpp"

#include <gtest/gtest.h>

#include <map>
#include <memory>
#include <string>
#include <vector>

namespace {

using namespace std::chrono_literals;
using kelos::errc;
using kelos::k8s::json;
using kelos::sources::jira_source_config;
using kelos::sources::make_jira_discovery;
using kelos::sources::source_response;
using kelos::sources::work_item;
using kelos::test::fake_jira;
using kelos::test::fake_jira_issue;
using kelos::test::fake_jira_options;
using kelos::test::fake_jira_request;

const std::string api_token = "ATATT3xFfGF0T4-integration-token";

/// Runs one discovery to the end over HTTP: one client per API base, as the POLLER keeps.
kelos::expected<std::vector<work_item>> discover(const jira_source_config& cfg) {
  auto d = make_jira_discovery(cfg, kelos::k8s::now());
  std::map<std::string, std::unique_ptr<kelos::k8s::http_client>> clients;
  while (auto req = d->next_request()) {
    auto& client = clients[req->base];
    if (!client) {
      auto url = kelos::k8s::client::parse_server_url(req->base);
      if (!url)
        return url.error();
      kelos::k8s::transport_config tc;
      tc.scheme = url->scheme;
      tc.host = url->host;
      tc.port = url->port;
      tc.base_path = url->base_path;
      tc.connect_timeout = 2s;
      auto made = kelos::k8s::http_client::make(std::move(tc));
      if (!made)
        return made.error();
      client = std::move(*made);
    }
    kelos::k8s::http_request hr;
    hr.method = req->method;
    hr.path = req->target; // already origin-form with its encoded query
    hr.headers = req->headers;
    auto resp = client->send_sync(std::move(hr), 5s);
    if (!resp)
      d->on_transport_error(resp.error());
    else
      d->on_response(source_response{resp->status, resp->headers, resp->body});
  }
  return d->result();
}

std::vector<fake_jira_request> searches(const fake_jira& jira) { return jira.requests(); }

void seed_cloud_issues(fake_jira& jira) {
  for (int n = 1; n <= 5; ++n) {
    fake_jira_issue i;
    i.key = "PROJ-" + std::to_string(n);
    i.summary = "Issue " + std::to_string(n);
    i.description = fake_jira::adf({"Description of " + std::to_string(n), "second paragraph"});
    i.labels = {"kelos"};
    i.issue_type = n == 3 ? "Bug" : "Task";
    i.comments = {fake_jira::adf({"first comment"}), json("plain comment")};
    jira.put_issue(i);
  }
  fake_jira_issue other;
  other.key = "OTHER-1";
  other.summary = "not ours";
  jira.put_issue(other);
}

jira_source_config cloud_config(const fake_jira& jira) {
  jira_source_config c;
  c.base_url = jira.base_url() + "/";
  c.project = "PROJ";
  c.jql = "labels = kelos ORDER BY created ASC";
  c.user = "bot@acme.example";
  c.token = api_token;
  return c;
}

/// A fake Jira without credentials holding the Cloud issues, and the config for it.
struct anonymous_jira {
  fake_jira jira;
  jira_source_config config;
  anonymous_jira() {
    seed_cloud_issues(jira);
    config = cloud_config(jira);
    config.token.clear();
  }
};

TEST(JiraSourceHttp, CloudDiscoveryFollowsNextPageTokens) {
  fake_jira_options o;
  o.user = "bot@acme.example";
  o.token = api_token;
  o.max_page_size = 2;
  fake_jira jira{o};
  seed_cloud_issues(jira);

  auto items = discover(cloud_config(jira));
  ASSERT_TRUE(items) << items.error().message;
  ASSERT_EQ(items->size(), 5u);
  const auto& third = (*items)[2];
  EXPECT_EQ(third.id, "PROJ-3");
  EXPECT_EQ(third.number, 3);
  EXPECT_EQ(third.title, "Issue 3");
  EXPECT_EQ(third.body, "Description of 3\nsecond paragraph");
  EXPECT_EQ(third.url, jira.base_url() + "/browse/PROJ-3");
  EXPECT_EQ(third.kind, "Bug");
  EXPECT_EQ(third.labels, std::vector<std::string>{"kelos"});
  EXPECT_EQ(third.comments, "first comment\n---\nplain comment");

  auto log = searches(jira);
  ASSERT_EQ(log.size(), 3u);
  for (const auto& r : log) {
    EXPECT_EQ(r.path, "/rest/api/2/search/jql");
    EXPECT_EQ(r.param("jql"), "project = PROJ AND (labels = kelos) ORDER BY created ASC");
    EXPECT_EQ(r.param("maxResults"), "100");
    EXPECT_EQ(r.param("fields"), "summary,description,status,labels,comment,issuetype");
    EXPECT_EQ(r.header("Accept"), "application/json");
    EXPECT_EQ(r.header("Authorization").rfind("Basic ", 0), 0u);
  }
  EXPECT_EQ(log[0].param("nextPageToken"), "");
  EXPECT_NE(log[1].param("nextPageToken"), "");
  EXPECT_NE(log[2].param("nextPageToken"), log[1].param("nextPageToken"));
}

TEST(JiraSourceHttp, DataCenterFallsBackToTheLegacySearch) {
  fake_jira_options o;
  o.token = api_token; // no user: Bearer PAT
  o.legacy_only = true;
  o.context_path = "/jira";
  o.max_page_size = 2;
  fake_jira jira{o};
  for (int n = 1; n <= 3; ++n) {
    fake_jira_issue i;
    i.key = "DC-" + std::to_string(n);
    i.summary = "Server issue";
    i.description = "h2. Steps\n* one";
    i.comments = {json("a"), json("b")};
    i.issue_type.clear();
    jira.put_issue(i);
  }
  jira_source_config c;
  c.base_url = jira.base_url();
  c.project = "DC";
  c.token = api_token;
  auto items = discover(c);
  ASSERT_TRUE(items) << items.error().message;
  ASSERT_EQ(items->size(), 3u);
  EXPECT_EQ((*items)[0].body, "h2. Steps\n* one");
  EXPECT_EQ((*items)[0].kind, "Issue");
  EXPECT_EQ((*items)[0].comments, "a\n---\nb");
  EXPECT_EQ((*items)[0].url, jira.base_url() + "/browse/DC-1");

  auto log = searches(jira);
  ASSERT_EQ(log.size(), 3u);
  EXPECT_EQ(log[0].path, "/jira/rest/api/2/search/jql");
  EXPECT_EQ(log[1].path, "/jira/rest/api/2/search");
  EXPECT_EQ(log[1].param("startAt"), "0");
  EXPECT_EQ(log[2].param("startAt"), "2");
  for (const auto& r : log)
    EXPECT_EQ(r.header("Authorization"), "Bearer " + api_token);
}

TEST(JiraSourceHttp, InjectedNotFoundAlsoFallsBack) {
  anonymous_jira a;
  auto& jira = a.jira;
  jira.fail("/search/jql", 404);
  auto items = discover(a.config);
  ASSERT_TRUE(items) << items.error().message;
  EXPECT_EQ(items->size(), 5u);
  auto log = searches(jira);
  ASSERT_EQ(log.size(), 2u);
  EXPECT_EQ(log[1].path, "/rest/api/2/search");
  EXPECT_EQ(log[0].header("Authorization"), "");
}

TEST(JiraSourceHttp, WrongCredentialsAreAClearErrorWithoutTheToken) {
  fake_jira_options o;
  o.user = "bot@acme.example";
  o.token = "the-right-token";
  fake_jira jira{o};
  seed_cloud_issues(jira);
  auto items = discover(cloud_config(jira));
  ASSERT_FALSE(items);
  EXPECT_EQ(items.error().code, errc::unauthorized);
  EXPECT_EQ(items.error().message,
            "jira: GET /rest/api/2/search/jql: status 401: You are not authenticated. Authentication required to "
            "perform this operation.");
  EXPECT_EQ(items.error().message.find(api_token), std::string::npos);
  EXPECT_EQ(jira.requests().size(), 1u);
}

TEST(JiraSourceHttp, ServerErrorFailsTheDiscoveryAndTheNextOneSucceeds) {
  anonymous_jira a;
  a.jira.fail("/search/jql", 503);
  const auto& c = a.config;
  auto first = discover(c);
  ASSERT_FALSE(first);
  EXPECT_EQ(first.error().code, errc::server_unavailable);
  EXPECT_NE(first.error().message.find("status 503"), std::string::npos) << first.error().message;
  auto second = discover(c);
  ASSERT_TRUE(second) << second.error().message;
  EXPECT_EQ(second->size(), 5u);
}

TEST(JiraSourceHttp, MalformedAnswerIsAParseError) {
  anonymous_jira a;
  a.jira.fail("/search/jql", 200, 1, "{\"issues\": [{\"key\": \"PROJ-1\"");
  auto items = discover(a.config);
  ASSERT_FALSE(items);
  EXPECT_EQ(items.error().code, errc::parse_error);
  EXPECT_EQ(items.error().message.rfind("jira: GET /rest/api/2/search/jql: malformed JSON", 0), 0u)
    << items.error().message;
}

TEST(JiraSourceHttp, ChangesBetweenDiscoveriesAreSeen) {
  anonymous_jira a;
  auto& jira = a.jira;
  const auto& c = a.config;
  ASSERT_EQ(discover(c)->size(), 5u);
  jira.remove_issue("PROJ-2");
  fake_jira_issue added;
  added.key = "PROJ-6";
  added.summary = "new";
  jira.put_issue(added);
  auto items = discover(c);
  ASSERT_TRUE(items);
  ASSERT_EQ(items->size(), 5u);
  EXPECT_EQ(items->back().id, "PROJ-6");
  EXPECT_EQ(items->back().body, "");
}

TEST(JiraSourceHttp, ConnectionRefusedIsATransportError) {
  std::string base;
  {
    fake_jira gone;
    base = gone.base_url();
  }
  jira_source_config c;
  c.base_url = base;
  c.project = "PROJ";
  c.token = api_token;
  auto items = discover(c);
  ASSERT_FALSE(items);
  EXPECT_EQ(items.error().code, errc::connection_failed) << items.error().message;
  EXPECT_EQ(items.error().message.rfind("jira: GET /rest/api/2/search/jql: ", 0), 0u) << items.error().message;
  EXPECT_EQ(items.error().message.find(api_token), std::string::npos);
}

} // namespace
