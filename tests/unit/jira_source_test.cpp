// The Jira source (sources/jira/jira_source.hpp) driven with recorded answers: requests,
// JQL, auth, both paginations, the legacy fallback, item fields and every error path.
#include "sources/jira/jira_source.hpp"

#include <gtest/gtest.h>

#include <functional>
#include <string>
#include <vector>

namespace {

using kelos::errc;
using kelos::k8s::json;
using kelos::sources::jira_authorization;
using kelos::sources::jira_issue_item;
using kelos::sources::jira_search_jql;
using kelos::sources::jira_source_config;
using kelos::sources::make_jira_discovery;
using kelos::sources::max_jira_comment_bytes;
using kelos::sources::source_request;
using kelos::sources::source_response;
using kelos::sources::work_item;

const std::string token = "ATATT3xFfGF0-secret-api-token";

jira_source_config cloud() {
  jira_source_config c;
  c.base_url = "https://acme.atlassian.net/";
  c.project = "PROJ";
  c.user = "bot@acme.example";
  c.token = token;
  return c;
}

json adf(const std::string& text) {
  return {{"type", "doc"},
          {"version", 1},
          {"content", json::array({{{"type", "paragraph"}, {"content", json::array({{{"type", "text"}, {"text", text}}})}}})}};
}

json issue(const std::string& key, const std::string& summary = "Summary") {
  return {{"id", "10001"},
          {"key", key},
          {"self", "https://acme.atlassian.net/rest/api/2/issue/10001"},
          {"fields",
           {{"summary", summary},
            {"description", nullptr},
            {"status", {{"name", "To Do"}}},
            {"labels", json::array()},
            {"issuetype", {{"name", "Task"}}},
            {"comment", {{"comments", json::array()}, {"maxResults", 0}, {"total", 0}, {"startAt", 0}}}}}};
}

source_response ok(json body) { return {200, {{"Content-Type", "application/json;charset=UTF-8"}}, body.dump()}; }

json jql_page(std::vector<json> issues, const std::string& next, bool is_last) {
  json j = {{"issues", std::move(issues)}, {"isLast", is_last}};
  if (!next.empty())
    j["nextPageToken"] = next;
  return j;
}

json legacy_page(std::vector<json> issues, int start, int total) {
  return {{"expand", "names,schema"}, {"startAt", start}, {"maxResults", 100}, {"total", total}, {"issues", std::move(issues)}};
}

struct run_result {
  std::vector<source_request> requests;
  kelos::expected<std::vector<work_item>> items = std::vector<work_item>{};
};

/// Drives a discovery to the end, answering each request with `answer` (at most 50 requests).
run_result drive(const jira_source_config& cfg, const std::function<source_response(const source_request&)>& answer) {
  auto d = make_jira_discovery(cfg, {});
  run_result r;
  while (auto req = d->next_request()) {
    r.requests.push_back(*req);
    if (r.requests.size() > 50)
      break;
    d->on_response(answer(*req));
  }
  r.items = d->result();
  return r;
}

std::string header(const source_request& r, const std::string& name) {
  for (const auto& [k, v] : r.headers)
    if (k == name)
      return v;
  return {};
}

bool has(const std::string& s, const std::string& part) { return s.find(part) != std::string::npos; }

TEST(JiraSource, JqlTable) {
  struct jql_case {
    const char* project;
    const char* filter;
    const char* jql;
  };
  const jql_case cases[] = {
    {"PROJ", "", "project = PROJ"},
    {"PROJ", "  ", "project = PROJ"},
    {"PROJ", "status = \"To Do\"", "project = PROJ AND (status = \"To Do\")"},
    {"PROJ", "labels = kelos ORDER BY priority DESC", "project = PROJ AND (labels = kelos) ORDER BY priority DESC"},
    {"PROJ", "a = 1 order by created", "project = PROJ AND (a = 1) order by created"},
    // Split at the LAST ORDER BY.
    {"PROJ", "summary ~ \"order by\" ORDER BY rank", "project = PROJ AND (summary ~ \"order by\") ORDER BY rank"},
    {"PROJ", "ORDER BY created DESC", "project = PROJ ORDER BY created DESC"},
    {"PROJ", "a = 1 OR b = 2", "project = PROJ AND (a = 1 OR b = 2)"},
    {"10000", "", "project = 10000"},
    {" PROJ ", "", "project = PROJ"},
    {"My Project", "", "project = \"My Project\""},
    {"a\"b\\c", "", "project = \"a\\\"b\\\\c\""},
    {"IN", "", "project = \"IN\""},
    {"order", "", "project = \"order\""},
  };
  for (const auto& c : cases)
    EXPECT_EQ(jira_search_jql(c.project, c.filter), c.jql) << c.project << " / " << c.filter;
}

TEST(JiraSource, Authorization) {
  auto c = cloud();
  c.user = "user";
  c.token = "pass";
  EXPECT_EQ(jira_authorization(c), "Basic dXNlcjpwYXNz");
  c.user.clear();
  EXPECT_EQ(jira_authorization(c), "Bearer pass");
  c.token.clear();
  EXPECT_EQ(jira_authorization(c), "");
  c.user = "user";
  EXPECT_EQ(jira_authorization(c), "") << "a user without a token sends nothing";
}

TEST(JiraSource, ValidateTable) {
  struct bad_case {
    std::function<void(jira_source_config&)> edit;
    const char* field;
  };
  const bad_case cases[] = {
    {[](auto& c) { c.base_url = "acme.atlassian.net"; }, "when.jira.baseUrl"},
    {[](auto& c) { c.base_url = "https://"; }, "when.jira.baseUrl"},
    {[](auto& c) { c.base_url = "ftp://x"; }, "when.jira.baseUrl"},
    {[](auto& c) { c.base_url = "https://x\r\nHost: y"; }, "when.jira.baseUrl"},
    {[](auto& c) { c.project = ""; }, "when.jira.project"},
    {[](auto& c) { c.project = " "; }, "when.jira.project"},
    {[](auto& c) { c.project = "P\x01"; }, "when.jira.project"},
    {[](auto& c) { c.jql = std::string("a = 1\x1b"); }, "when.jira.jql"},
    {[](auto& c) { c.page_size = 0; }, "jira"},
  };
  for (const auto& bc : cases) {
    auto c = cloud();
    bc.edit(c);
    auto v = validate(c);
    ASSERT_FALSE(v) << bc.field;
    EXPECT_EQ(v.error().code, errc::invalid_spec);
    EXPECT_EQ(v.error().message.rfind(bc.field, 0), 0u) << v.error().message;
    // An invalid config makes no request and fails with that error.
    auto r = drive(c, [](const source_request&) { return source_response{}; });
    EXPECT_TRUE(r.requests.empty());
    ASSERT_FALSE(r.items);
    EXPECT_EQ(r.items.error().message, v.error().message);
  }
  auto c = cloud();
  EXPECT_TRUE(validate(c));
  c.base_url = "HTTP://jira.internal:8080/jira";
  c.jql = "a = 1\nORDER BY rank";
  EXPECT_TRUE(validate(c));
}

TEST(JiraSource, FirstRequest) {
  auto r = drive(cloud(), [](const source_request&) { return ok(jql_page({}, "", true)); });
  ASSERT_EQ(r.requests.size(), 1u);
  const auto& req = r.requests[0];
  EXPECT_EQ(req.method, "GET");
  EXPECT_EQ(req.base, "https://acme.atlassian.net");
  EXPECT_EQ(req.target,
            "/rest/api/2/search/jql?jql=project%20%3D%20PROJ&maxResults=100"
            "&fields=summary%2Cdescription%2Cstatus%2Clabels%2Ccomment%2Cissuetype");
  EXPECT_EQ(header(req, "Accept"), "application/json");
  EXPECT_EQ(header(req, "Authorization"), jira_authorization(cloud()));
  EXPECT_EQ(header(req, "Authorization").rfind("Basic ", 0), 0u);
  ASSERT_TRUE(r.items);
  EXPECT_TRUE(r.items->empty());
}

TEST(JiraSource, DataCenterBearerAndContextPath) {
  auto c = cloud();
  c.user.clear();
  c.base_url = "https://jira.corp.example/jira";
  auto r = drive(c, [](const source_request&) { return ok(jql_page({issue("PROJ-1")}, "", true)); });
  ASSERT_EQ(r.requests.size(), 1u);
  EXPECT_EQ(r.requests[0].base, "https://jira.corp.example/jira");
  EXPECT_EQ(header(r.requests[0], "Authorization"), "Bearer " + token);
  ASSERT_TRUE(r.items);
  EXPECT_EQ((*r.items)[0].url, "https://jira.corp.example/jira/browse/PROJ-1");
}

TEST(JiraSource, NoTokenNoAuthorization) {
  auto c = cloud();
  c.token.clear();
  auto r = drive(c, [](const source_request&) { return ok(jql_page({}, "", true)); });
  ASSERT_EQ(r.requests.size(), 1u);
  EXPECT_EQ(header(r.requests[0], "Authorization"), "");
}

TEST(JiraSource, TokenPagination) {
  auto r = drive(cloud(), [](const source_request& req) {
    if (!has(req.target, "nextPageToken"))
      return ok(jql_page({issue("PROJ-3"), issue("PROJ-2")}, "CAEaAggB", false));
    if (has(req.target, "nextPageToken=CAEaAggB"))
      return ok(jql_page({issue("PROJ-1")}, "Eg0KC3BhZ2U9Mg%3D%3D", false));
    return ok(jql_page({issue("PROJ-0")}, "", false)); // no token: the end, isLast or not
  });
  ASSERT_EQ(r.requests.size(), 3u);
  EXPECT_TRUE(has(r.requests[2].target, "&nextPageToken=Eg0KC3BhZ2U9Mg%253D%253D")) << r.requests[2].target;
  ASSERT_TRUE(r.items) << r.items.error().message;
  ASSERT_EQ(r.items->size(), 4u);
  EXPECT_EQ((*r.items)[0].id, "PROJ-3");
  EXPECT_EQ((*r.items)[3].id, "PROJ-0");
}

TEST(JiraSource, IsLastStopsEvenWithAToken) {
  auto r = drive(cloud(), [](const source_request&) { return ok(jql_page({issue("PROJ-1")}, "more", true)); });
  EXPECT_EQ(r.requests.size(), 1u);
}

TEST(JiraSource, DuplicatesAcrossPagesAreDropped) {
  auto r = drive(cloud(), [](const source_request& req) {
    if (!has(req.target, "nextPageToken"))
      return ok(jql_page({issue("PROJ-2"), issue("PROJ-1")}, "t", false));
    return ok(jql_page({issue("PROJ-1", "changed")}, "", true));
  });
  ASSERT_TRUE(r.items);
  ASSERT_EQ(r.items->size(), 2u);
  EXPECT_EQ((*r.items)[1].title, "Summary");
}

TEST(JiraSource, TenPagesAtMost) {
  int n = 0;
  auto r = drive(cloud(), [&n](const source_request&) {
    ++n;
    return ok(jql_page({issue("PROJ-" + std::to_string(n))}, "t" + std::to_string(n), false));
  });
  EXPECT_EQ(r.requests.size(), 10u);
  ASSERT_TRUE(r.items);
  EXPECT_EQ(r.items->size(), 10u);
}

TEST(JiraSource, FallbackToLegacyOn404And410) {
  for (int status : {404, 410}) {
    auto r = drive(cloud(), [status](const source_request& req) {
      if (req.target.rfind("/rest/api/2/search/jql?", 0) == 0)
        return source_response{status, {}, R"({"errorMessages":["Not found"]})"};
      if (has(req.target, "startAt=0"))
        return ok(legacy_page({issue("PROJ-5"), issue("PROJ-4")}, 0, 5));
      if (has(req.target, "startAt=2"))
        return ok(legacy_page({issue("PROJ-3"), issue("PROJ-2")}, 2, 5));
      return ok(legacy_page({issue("PROJ-1")}, 4, 5));
    });
    ASSERT_EQ(r.requests.size(), 4u) << status;
    EXPECT_EQ(r.requests[1].target,
              "/rest/api/2/search?jql=project%20%3D%20PROJ&maxResults=100"
              "&fields=summary%2Cdescription%2Cstatus%2Clabels%2Ccomment%2Cissuetype&startAt=0");
    EXPECT_TRUE(has(r.requests[3].target, "&startAt=4"));
    EXPECT_EQ(header(r.requests[1], "Authorization"), jira_authorization(cloud()));
    ASSERT_TRUE(r.items) << r.items.error().message;
    EXPECT_EQ(r.items->size(), 5u);
  }
}

TEST(JiraSource, LegacyStopsOnAnEmptyPageAndAtTenPages) {
  auto empty = drive(cloud(), [](const source_request& req) {
    if (has(req.target, "/search/jql"))
      return source_response{404, {}, ""};
    return ok(legacy_page({}, 0, 50)); // total says more, but nothing came
  });
  EXPECT_EQ(empty.requests.size(), 2u);
  auto capped = drive(cloud(), [](const source_request& req) {
    if (has(req.target, "/search/jql"))
      return source_response{404, {}, ""};
    auto at = req.target.find("startAt=");
    auto start = std::stoi(req.target.substr(at + 8));
    return ok(legacy_page({issue("PROJ-" + std::to_string(start + 1))}, start, 5000));
  });
  EXPECT_EQ(capped.requests.size(), 11u); // the 404 plus ten legacy pages
  ASSERT_TRUE(capped.items);
  EXPECT_EQ(capped.items->size(), 10u);
}

TEST(JiraSource, NotFoundAfterTheFirstPageIsAnError) {
  auto r = drive(cloud(), [](const source_request& req) {
    if (!has(req.target, "nextPageToken"))
      return ok(jql_page({issue("PROJ-1")}, "t", false));
    return source_response{404, {}, ""};
  });
  EXPECT_EQ(r.requests.size(), 2u);
  ASSERT_FALSE(r.items);
  EXPECT_EQ(r.items.error().code, errc::not_found);
}

TEST(JiraSource, ItemFields) {
  json i = issue("PROJ-42", "Crash on save");
  i["fields"]["description"] = adf("Steps to reproduce");
  i["fields"]["labels"] = {"backend", "kelos"};
  i["fields"]["issuetype"] = {{"name", "Bug"}, {"subtask", false}};
  i["fields"]["comment"]["comments"] = json::array({{{"id", "1"}, {"body", "plain first"}},
                                                    {{"id", "2"}, {"body", adf("adf second")}},
                                                    {{"id", "3"}, {"body", ""}},
                                                    {{"id", "4"}}});
  auto item = jira_issue_item(i, "https://acme.atlassian.net/");
  ASSERT_TRUE(item) << item.error().message;
  EXPECT_EQ(item->id, "PROJ-42");
  EXPECT_EQ(item->number, 42);
  EXPECT_EQ(item->title, "Crash on save");
  EXPECT_EQ(item->body, "Steps to reproduce");
  EXPECT_EQ(item->url, "https://acme.atlassian.net/browse/PROJ-42");
  EXPECT_EQ(item->labels, (std::vector<std::string>{"backend", "kelos"}));
  EXPECT_EQ(item->kind, "Bug");
  EXPECT_EQ(item->comments, "plain first\n---\nadf second");
  EXPECT_TRUE(item->time.empty());
  EXPECT_FALSE(item->trigger_time);
}

TEST(JiraSource, ItemDefaults) {
  struct number_case {
    const char* key;
    int64_t number;
  };
  for (const auto& c : {number_case{"PROJ-7", 7}, number_case{"AB_C-0012", 12}, number_case{"PROJ", 0},
                        number_case{"PROJ-", 0}, number_case{"PROJ-12a", 0}, number_case{"P-99999999999999999999", 0}}) {
    auto item = jira_issue_item(json{{"key", c.key}}, "https://x");
    ASSERT_TRUE(item) << c.key;
    EXPECT_EQ(item->number, c.number) << c.key;
    EXPECT_EQ(item->kind, "Issue");
    EXPECT_EQ(item->title, "");
    EXPECT_EQ(item->body, "");
  }
  json plain = issue("PROJ-1");
  plain["fields"]["description"] = "h2. Wiki *markup*";
  plain["fields"].erase("issuetype");
  auto item = jira_issue_item(plain, "https://x");
  ASSERT_TRUE(item);
  EXPECT_EQ(item->body, "h2. Wiki *markup*");
  EXPECT_EQ(item->kind, "Issue");
  EXPECT_FALSE(jira_issue_item(json{{"id", "1"}}, "https://x"));
  EXPECT_FALSE(jira_issue_item(json::array(), "https://x"));
  EXPECT_FALSE(jira_issue_item(json{{"key", 5}}, "https://x"));
}

TEST(JiraSource, CommentsCapKeepsTheNewest) {
  json i = issue("PROJ-1");
  auto& comments = i["fields"]["comment"]["comments"];
  for (int n = 0; n < 10; ++n)
    comments.push_back({{"body", std::to_string(n) + std::string(10000, 'c')}});
  auto item = jira_issue_item(i, "https://x");
  ASSERT_TRUE(item);
  EXPECT_LE(item->comments.size(), max_jira_comment_bytes);
  // Six comments of 10,001 bytes plus five separators fit in 64 KiB; the newest six are kept.
  EXPECT_EQ(item->comments.rfind("4ccc", 0), 0u);
  EXPECT_TRUE(has(item->comments, "\n---\n9ccc"));
  EXPECT_FALSE(has(item->comments, "3ccc"));
}

TEST(JiraSource, OneHugeCommentIsCutOnACharacter) {
  json i = issue("PROJ-1");
  std::string body = "x";
  while (body.size() < max_jira_comment_bytes + 10)
    body += "\xc3\xa9"; // é: two bytes each, the cap falls inside one
  i["fields"]["comment"]["comments"] = json::array({{{"body", "older"}}, {{"body", body}}});
  auto item = jira_issue_item(i, "https://x");
  ASSERT_TRUE(item);
  EXPECT_EQ(item->comments.size(), max_jira_comment_bytes - 1);
  EXPECT_EQ(item->comments, body.substr(0, max_jira_comment_bytes - 1));
}

TEST(JiraSource, StatusErrorsUseJiraMessagesAndHideTheToken) {
  struct status_case {
    int status;
    std::string body;
    errc code;
    std::string part;
  };
  const status_case cases[] = {
    {401, R"({"errorMessages":["You are not authenticated. Authentication required to perform this operation."],"errors":{}})",
     errc::unauthorized, "status 401: You are not authenticated."},
    {400, R"({"errorMessages":["The value 'NOPE' does not exist for the field 'project'."],"errors":{"jql":"bad"}})",
     errc::bad_request, "for the field 'project'.; jql: bad"},
    {403, "<html>Forbidden</html>", errc::forbidden, "status 403: <html>Forbidden</html>"},
    {503, "", errc::server_unavailable, "status 503: "},
    {429, R"({"message":"Rate limited"})", errc::server_unavailable, "status 429: {\"message\":\"Rate limited\"}"},
    {302, "", errc::http_error, "status 302"},
    {500, "echo: Bearer " + token + " and " + token, errc::server_unavailable, "echo: Bearer [redacted] and [redacted]"},
  };
  for (const auto& c : cases) {
    auto r = drive(cloud(), [&c](const source_request&) { return source_response{c.status, {}, c.body}; });
    ASSERT_EQ(r.requests.size(), 1u) << c.status;
    ASSERT_FALSE(r.items);
    EXPECT_EQ(r.items.error().code, c.code) << c.status;
    EXPECT_EQ(r.items.error().message.rfind("jira: GET /rest/api/2/search/jql: ", 0), 0u) << r.items.error().message;
    EXPECT_TRUE(has(r.items.error().message, c.part)) << r.items.error().message;
    EXPECT_FALSE(has(r.items.error().message, token)) << r.items.error().message;
  }
  auto basic = drive(cloud(), [](const source_request& req) {
    return source_response{500, {}, "got " + header(req, "Authorization")};
  });
  ASSERT_FALSE(basic.items);
  EXPECT_EQ(basic.items.error().message, "jira: GET /rest/api/2/search/jql: status 500: got Basic [redacted]");
  // An echoed token across the 512-byte cut: redacted first, so no prefix of it survives.
  auto cut = drive(cloud(), [&](const source_request&) {
    return source_response{500, {}, std::string(505, 'e') + token};
  });
  ASSERT_FALSE(cut.items);
  EXPECT_FALSE(has(cut.items.error().message, token.substr(0, 7))) << cut.items.error().message;
  EXPECT_TRUE(has(cut.items.error().message, std::string(505, 'e') + "[redact")) << cut.items.error().message;
}

TEST(JiraSource, LongErrorBodiesAreCut) {
  auto r = drive(cloud(), [](const source_request&) { return source_response{500, {}, std::string(100000, 'e')}; });
  ASSERT_FALSE(r.items);
  EXPECT_LT(r.items.error().message.size(), 700u);
}

TEST(JiraSource, MalformedAnswers) {
  struct bad_case {
    std::string body;
    std::string part;
  };
  std::string deep = R"({"issues":[)" + std::string(2000, '[') + std::string(2000, ']') + "]}";
  const bad_case cases[] = {
    {"{\"issues\": [", "malformed JSON"},
    {"<html>login</html>", "malformed JSON"},
    {"", "malformed JSON"},
    {"[]", "no \"issues\" array"},
    {R"({"issues":{}})", "no \"issues\" array"},
    {R"({"total":0})", "no \"issues\" array"},
    {R"({"issues":[{"key":"PROJ-1"},{"fields":{}}]})", "issues[1]: issue has no \"key\""},
    {deep, "nested deeper than 512"},
  };
  for (const auto& c : cases) {
    auto r = drive(cloud(), [&c](const source_request&) { return source_response{200, {}, c.body}; });
    ASSERT_FALSE(r.items) << c.body.substr(0, 40);
    EXPECT_EQ(r.items.error().code, errc::parse_error);
    EXPECT_TRUE(has(r.items.error().message, c.part)) << r.items.error().message;
    EXPECT_EQ(r.items.error().message.rfind("jira: GET /rest/api/2/search/jql: ", 0), 0u);
  }
}

TEST(JiraSource, TransportErrorEndsTheDiscovery) {
  auto d = make_jira_discovery(cloud(), {});
  ASSERT_TRUE(d->next_request());
  d->on_transport_error(kelos::make_error(errc::timeout, "GET /rest/api/2/search/jql: timed out after 30s"));
  EXPECT_FALSE(d->next_request());
  auto items = d->result();
  ASSERT_FALSE(items);
  EXPECT_EQ(items.error().code, errc::timeout);
  EXPECT_TRUE(has(items.error().message, "timed out")) << items.error().message;
  EXPECT_EQ(items.error().message.rfind("jira: ", 0), 0u);
}

} // namespace
