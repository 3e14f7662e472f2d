#include "tests/support/fake_jira.hpp"

#include "k8s/client/http_message.hpp"
#include "k8s/kinds.hpp"

#include <algorithm>
#include <cctype>

namespace kelos::test {

namespace {

using k8s::json;

struct injected_failure {
  std::string suffix;
  int status = 0;
  int remaining = 0;
  std::string body;
};

int hex_value(char c) {
  if (c >= '0' && c <= '9')
    return c - '0';
  c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return c >= 'a' && c <= 'f' ? c - 'a' + 10 : -1;
}

/// Query-component decoding as Jira's servlet container does it ('+' is a space).
std::string decode(std::string_view s) {
  std::string out;
  for (std::size_t i = 0; i < s.size(); ++i) {
    if (s[i] == '+') {
      out += ' ';
    } else if (s[i] == '%' && i + 2 < s.size() && hex_value(s[i + 1]) >= 0 && hex_value(s[i + 2]) >= 0) {
      out += static_cast<char>(hex_value(s[i + 1]) * 16 + hex_value(s[i + 2]));
      i += 2;
    } else {
      out += s[i];
    }
  }
  return out;
}

fake_jira_request parse_request(const loopback_request& req) {
  fake_jira_request r;
  r.method = req.method;
  r.headers = req.headers;
  auto q = req.target.find('?');
  r.path = req.target.substr(0, q);
  if (q == std::string::npos)
    return r;
  std::string_view rest = std::string_view{req.target}.substr(q + 1);
  while (!rest.empty()) {
    auto amp = rest.find('&');
    auto part = rest.substr(0, amp);
    auto eq = part.find('=');
    r.query.emplace_back(decode(part.substr(0, eq)), eq == std::string_view::npos ? "" : decode(part.substr(eq + 1)));
    rest = amp == std::string_view::npos ? std::string_view{} : rest.substr(amp + 1);
  }
  return r;
}

/// The project of a JQL that starts with `project = KEY` or `project = "KEY"`.
std::string jql_project(const std::string& jql) {
  auto lower = jql;
  std::transform(lower.begin(), lower.end(), lower.begin(), [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
  auto at = lower.find("project");
  if (at == std::string::npos)
    return {};
  auto eq = jql.find('=', at);
  if (eq == std::string::npos)
    return {};
  auto b = jql.find_first_not_of(' ', eq + 1);
  if (b == std::string::npos)
    return {};
  if (jql[b] == '"') {
    std::string out;
    for (auto i = b + 1; i < jql.size() && jql[i] != '"'; ++i)
      out += jql[i] == '\\' && i + 1 < jql.size() ? jql[++i] : jql[i];
    return out;
  }
  auto e = jql.find_first_of(" )", b);
  return jql.substr(b, e == std::string::npos ? std::string::npos : e - b);
}

std::string project_of(const std::string& key) {
  auto dash = key.rfind('-');
  return dash == std::string::npos ? key : key.substr(0, dash);
}

loopback_response json_response(int status, const json& body) {
  loopback_response r;
  r.status = status;
  r.headers = {{"Content-Type", "application/json;charset=UTF-8"}, {"X-AREQUESTID", "fake-jira"}};
  r.body = body.dump();
  return r;
}

loopback_response error_response(int status, const std::string& message) {
  return json_response(status, json{{"errorMessages", json::array({message})}, {"errors", json::object()}});
}

} // namespace

struct fake_jira::state {
  mutable std::mutex mu;
  fake_jira_options options;
  std::vector<fake_jira_issue> issues;
  std::vector<injected_failure> failures;
  std::vector<fake_jira_request> log;
  std::string base;

  json issue_json(const fake_jira_issue& issue, std::size_t index, const std::vector<std::string>& fields) const {
    auto want = [&fields](const char* f) {
      return fields.empty() || std::find(fields.begin(), fields.end(), f) != fields.end() ||
             std::find(fields.begin(), fields.end(), "*all") != fields.end();
    };
    auto id = std::to_string(10000 + index);
    json f = json::object();
    if (want("summary"))
      f["summary"] = issue.summary;
    if (want("description"))
      f["description"] = issue.description;
    if (want("status"))
      f["status"] = {{"self", base + "/rest/api/2/status/1"}, {"name", issue.status}, {"id", "1"}};
    if (want("labels"))
      f["labels"] = issue.labels;
    if (want("issuetype") && !issue.issue_type.empty())
      f["issuetype"] = {{"self", base + "/rest/api/2/issuetype/10001"}, {"id", "10001"}, {"name", issue.issue_type},
                        {"subtask", false}};
    if (want("comment")) {
      json list = json::array();
      for (std::size_t i = 0; i < issue.comments.size(); ++i)
        list.push_back({{"self", base + "/rest/api/2/issue/" + id + "/comment/" + std::to_string(20000 + i)},
                        {"id", std::to_string(20000 + i)},
                        {"author", {{"displayName", "Ada Lovelace"}, {"active", true}}},
                        {"body", issue.comments[i]},
                        {"created", "2026-11-2" + std::to_string(i % 10) + "T09:00:00.000+0000"}});
      f["comment"] = {{"comments", list}, {"maxResults", list.size()}, {"total", list.size()}, {"startAt", 0}};
    }
    return {{"expand", "operations,editmeta,changelog,renderedFields"},
            {"id", id},
            {"self", base + "/rest/api/2/issue/" + id},
            {"key", issue.key},
            {"fields", f}};
  }

  loopback_response handle(const fake_jira_request& req) {
    for (auto& f : failures) {
      if (f.remaining > 0 && req.path.size() >= f.suffix.size() &&
          req.path.compare(req.path.size() - f.suffix.size(), f.suffix.size(), f.suffix) == 0) {
        --f.remaining;
        if (!f.body.empty()) {
          loopback_response r;
          r.status = f.status;
          r.body = f.body;
          return r;
        }
        return error_response(f.status, "Injected failure " + std::to_string(f.status));
      }
    }
    if (!options.token.empty()) {
      auto expected = options.user.empty() ? "Bearer " + options.token
                                           : "Basic " + k8s::base64_encode(options.user + ":" + options.token);
      std::string got;
      for (const auto& [k, v] : req.headers)
        if (k8s::header_name_equal(k, "Authorization"))
          got = v;
      if (got != expected)
        return error_response(401, "You are not authenticated. Authentication required to perform this operation.");
    }
    const auto& ctx = options.context_path;
    bool jql_endpoint = req.path == ctx + "/rest/api/2/search/jql";
    bool legacy_endpoint = req.path == ctx + "/rest/api/2/search";
    if (req.method != "GET" || (!jql_endpoint && !legacy_endpoint) || (jql_endpoint && options.legacy_only))
      return error_response(404, "null for uri: " + req.path);

    auto project = jql_project(req.param("jql"));
    std::vector<std::size_t> matching;
    for (std::size_t i = 0; i < issues.size(); ++i)
      if (project_of(issues[i].key) == project)
        matching.push_back(i);
    std::size_t page = options.max_page_size;
    if (auto mr = req.param("maxResults"); !mr.empty())
      page = std::min(page, static_cast<std::size_t>(std::max(1, std::stoi(mr))));
    std::vector<std::string> fields;
    const auto fields_param = req.param("fields");
    for (std::string_view rest = fields_param; !rest.empty();) {
      auto comma = rest.find(',');
      fields.emplace_back(rest.substr(0, comma));
      rest = comma == std::string_view::npos ? std::string_view{} : rest.substr(comma + 1);
    }

    std::size_t start = 0;
    if (jql_endpoint) {
      if (auto token = req.param("nextPageToken"); !token.empty()) {
        auto decoded = k8s::base64_decode(token);
        if (!decoded || decoded->rfind("offset=", 0) != 0)
          return error_response(400, "The provided next page token is invalid or expired.");
        start = std::stoul(decoded->substr(7));
      }
    } else if (auto s = req.param("startAt"); !s.empty()) {
      start = std::stoul(s);
    }
    json list = json::array();
    std::size_t end = std::min(matching.size(), start + page);
    for (auto i = start; i < end; ++i)
      list.push_back(issue_json(issues[matching[i]], matching[i], fields));
    if (jql_endpoint) {
      json body = {{"issues", list}, {"isLast", end >= matching.size()}};
      if (end < matching.size())
        body["nextPageToken"] = k8s::base64_encode("offset=" + std::to_string(end));
      return json_response(200, body);
    }
    return json_response(200, {{"expand", "schema,names"},
                               {"startAt", start},
                               {"maxResults", page},
                               {"total", matching.size()},
                               {"issues", list}});
  }

};

std::string fake_jira_request::param(const std::string& name) const {
  for (const auto& [k, v] : query)
    if (k == name)
      return v;
  return {};
}

std::string fake_jira_request::header(const std::string& name) const {
  for (const auto& [k, v] : headers)
    if (k8s::header_name_equal(k, name))
      return v;
  return {};
}

fake_jira::fake_jira(fake_jira_options options) : state_(std::make_shared<state>()) {
  state_->options = std::move(options);
  server_ = std::make_unique<loopback_server>([st = state_](const loopback_request& raw) {
    auto req = parse_request(raw);
    std::lock_guard<std::mutex> lock{st->mu};
    st->log.push_back(req);
    return st->handle(req);
  });
  std::lock_guard<std::mutex> lock{state_->mu};
  state_->base = "http://127.0.0.1:" + std::to_string(server_->port()) + state_->options.context_path;
}

fake_jira::~fake_jira() { server_->stop(); }

std::string fake_jira::base_url() const {
  std::lock_guard<std::mutex> lock{state_->mu};
  return state_->base;
}

void fake_jira::put_issue(fake_jira_issue issue) {
  std::lock_guard<std::mutex> lock{state_->mu};
  for (auto& existing : state_->issues)
    if (existing.key == issue.key) {
      existing = std::move(issue);
      return;
    }
  state_->issues.push_back(std::move(issue));
}

void fake_jira::remove_issue(const std::string& key) {
  std::lock_guard<std::mutex> lock{state_->mu};
  auto& v = state_->issues;
  v.erase(std::remove_if(v.begin(), v.end(), [&key](const fake_jira_issue& i) { return i.key == key; }), v.end());
}

void fake_jira::fail(const std::string& path_suffix, int status, int times, std::string body) {
  std::lock_guard<std::mutex> lock{state_->mu};
  state_->failures.push_back({path_suffix, status, times, std::move(body)});
}

void fake_jira::set_legacy_only(bool legacy_only) {
  std::lock_guard<std::mutex> lock{state_->mu};
  state_->options.legacy_only = legacy_only;
}

std::vector<fake_jira_request> fake_jira::requests() const {
  std::lock_guard<std::mutex> lock{state_->mu};
  return state_->log;
}

void fake_jira::clear_requests() {
  std::lock_guard<std::mutex> lock{state_->mu};
  state_->log.clear();
}

json fake_jira::adf(const std::vector<std::string>& paragraphs) {
  json content = json::array();
  for (const auto& p : paragraphs)
    content.push_back({{"type", "paragraph"}, {"content", json::array({{{"type", "text"}, {"text", p}}})}});
  return {{"type", "doc"}, {"version", 1}, {"content", content}};
}

} // namespace kelos::test
