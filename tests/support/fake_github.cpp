#include "tests/support/fake_github.hpp"

#include "k8s/time.hpp"

#include <nlohmann/json.hpp>

#include <algorithm>
#include <functional>
#include <map>
#include <stdexcept>

namespace kelos::test {

namespace {

using json = nlohmann::json;
constexpr int64_t repo_id = 1296269;

std::string decode(std::string_view s) {
  std::string out;
  for (size_t i = 0; i < s.size(); ++i) {
    if (s[i] == '+') {
      out += ' ';
    } else if (s[i] == '%' && i + 2 < s.size()) {
      out += static_cast<char>(std::stoi(std::string{s.substr(i + 1, 2)}, nullptr, 16));
      i += 2;
    } else {
      out += s[i];
    }
  }
  return out;
}

std::map<std::string, std::string> parse_query(std::string_view q) {
  std::map<std::string, std::string> out;
  size_t start = 0;
  while (start < q.size()) {
    size_t end = q.find('&', start);
    if (end == std::string_view::npos)
      end = q.size();
    std::string_view kv = q.substr(start, end - start);
    const size_t eq = kv.find('=');
    if (eq == std::string_view::npos)
      out[decode(kv)] = "";
    else
      out[decode(kv.substr(0, eq))] = decode(kv.substr(eq + 1));
    start = end + 1;
  }
  return out;
}

std::vector<std::string> split(std::string_view s, char sep) {
  std::vector<std::string> out;
  size_t start = 0;
  while (start <= s.size()) {
    size_t end = s.find(sep, start);
    if (end == std::string_view::npos)
      end = s.size();
    if (end > start)
      out.emplace_back(s.substr(start, end - start));
    start = end + 1;
  }
  return out;
}

std::string http_date(std::chrono::system_clock::time_point t) {
  const auto secs = std::chrono::floor<std::chrono::seconds>(t);
  const auto day = std::chrono::floor<std::chrono::days>(secs);
  const std::chrono::year_month_day ymd{day};
  const std::chrono::hh_mm_ss hms{secs - day};
  static const char* wd[] = {"Sun", "Mon", "Tue", "Wed", "Thu", "Fri", "Sat"};
  static const char* mon[] = {"Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"};
  char buf[40];
  std::snprintf(buf, sizeof buf, "%s, %02u %s %04d %02d:%02d:%02d GMT",
                wd[std::chrono::weekday{day}.c_encoding()], static_cast<unsigned>(ymd.day()),
                mon[static_cast<unsigned>(ymd.month()) - 1], static_cast<int>(ymd.year()),
                static_cast<int>(hms.hours().count()), static_cast<int>(hms.minutes().count()),
                static_cast<int>(hms.seconds().count()));
  return buf;
}

json user_json(const std::string& login) {
  const auto id = static_cast<int64_t>(std::hash<std::string>{}(login) % 100000000);
  return {{"login", login},
          {"id", id},
          {"node_id", "MDQ6VXNlcjE="},
          {"avatar_url", "https://github.com/images/error/" + login + "_happy.gif"},
          {"url", "https://api.github.com/users/" + login},
          {"html_url", "https://github.com/" + login},
          {"type", "User"},
          {"site_admin", false}};
}

json reactions_json(const std::string& url) {
  return {{"url", url + "/reactions"}, {"total_count", 0}, {"+1", 0},  {"-1", 0},     {"laugh", 0},
          {"hooray", 0},               {"confused", 0},    {"heart", 0}, {"rocket", 0}, {"eyes", 0}};
}

} // namespace

struct fake_github::state {
  std::mutex mu;
  std::string owner, repo;
  struct issue_rec {
    fake_issue issue;
    std::string updated_at;
    std::vector<fake_comment> comments;
  };
  std::map<int64_t, issue_rec> issues;
  int64_t clock_minutes = 0;
  int max_per_page = 100;
  int limit = 5000;
  std::chrono::seconds window{3600};
  int used = 0;
  std::optional<std::chrono::system_clock::time_point> window_start;
  std::string token;
  std::vector<fake_failure> failures;
  std::vector<loopback_request> log;
  std::map<int, std::size_t> statuses;
  uint16_t port = 0;

  std::string tick() {
    auto t = k8s::time_point{} + std::chrono::hours{24 * 20454} + std::chrono::minutes{++clock_minutes};
    return k8s::format_time(t); // 2026-01-01 onwards
  }
  std::string api() const { return "http://127.0.0.1:" + std::to_string(port); }
  std::string repo_api() const { return "https://api.github.com/repos/" + owner + "/" + repo; }

  json issue_json(const issue_rec& r) const {
    const auto& i = r.issue;
    const std::string n = std::to_string(i.number);
    const std::string url = repo_api() + "/issues/" + n;
    json labels = json::array();
    for (const auto& l : i.labels)
      labels.push_back({{"id", static_cast<int64_t>(std::hash<std::string>{}(l) % 1000000000)},
                        {"node_id", "MDU6TGFiZWwyMDgwNDU5NDY="},
                        {"url", repo_api() + "/labels/" + l},
                        {"name", l},
                        {"description", "Label " + l},
                        {"color", "f29513"},
                        {"default", l == "bug"}});
    json assignees = json::array();
    for (const auto& a : i.assignees)
      assignees.push_back(user_json(a));
    json j = {{"id", 1000000 + i.number},
              {"node_id", "MDU6SXNzdWUx"},
              {"url", url},
              {"repository_url", repo_api()},
              {"labels_url", url + "/labels{/name}"},
              {"comments_url", url + "/comments"},
              {"events_url", url + "/events"},
              {"html_url", "https://github.com/" + owner + "/" + repo + (i.pull_request ? "/pull/" : "/issues/") + n},
              {"number", i.number},
              {"state", i.state},
              {"state_reason", i.state == "closed" ? json("completed") : json(nullptr)},
              {"title", i.title},
              {"body", i.body ? json(*i.body) : json(nullptr)},
              {"user", user_json(i.author)},
              {"labels", labels},
              {"assignee", i.assignees.empty() ? json(nullptr) : user_json(i.assignees.front())},
              {"assignees", assignees},
              {"milestone", nullptr},
              {"locked", false},
              {"active_lock_reason", nullptr},
              {"comments", r.comments.size()},
              {"closed_at", i.state == "closed" ? json(r.updated_at) : json(nullptr)},
              {"created_at", i.created_at},
              {"updated_at", r.updated_at},
              {"author_association", "COLLABORATOR"},
              {"reactions", reactions_json(url)},
              {"timeline_url", url + "/timeline"},
              {"performed_via_github_app", nullptr}};
    if (i.pull_request)
      j["pull_request"] = {{"url", repo_api() + "/pulls/" + n},
                           {"html_url", "https://github.com/" + owner + "/" + repo + "/pull/" + n},
                           {"diff_url", "https://github.com/" + owner + "/" + repo + "/pull/" + n + ".diff"},
                           {"patch_url", "https://github.com/" + owner + "/" + repo + "/pull/" + n + ".patch"},
                           {"merged_at", nullptr}};
    return j;
  }

  json comment_json(int64_t number, size_t index, const fake_comment& c) const {
    const int64_t id = number * 100000 + static_cast<int64_t>(index);
    return {{"id", id},
            {"node_id", "MDEyOklzc3VlQ29tbWVudDE="},
            {"url", repo_api() + "/issues/comments/" + std::to_string(id)},
            {"html_url", "https://github.com/" + owner + "/" + repo + "/issues/" + std::to_string(number) +
                           "#issuecomment-" + std::to_string(id)},
            {"body", c.body},
            {"user", user_json(c.author)},
            {"created_at", c.created_at},
            {"updated_at", c.created_at},
            {"issue_url", repo_api() + "/issues/" + std::to_string(number)},
            {"author_association", "COLLABORATOR"},
            {"reactions", reactions_json(repo_api() + "/issues/comments/" + std::to_string(id))}};
  }

  bool matches(const issue_rec& r, const std::map<std::string, std::string>& q) const {
    const auto& i = r.issue;
    const std::string st = q.count("state") ? q.at("state") : "open";
    if (st != "all" && i.state != st)
      return false;
    if (q.count("labels"))
      for (const auto& l : split(q.at("labels"), ','))
        if (std::find(i.labels.begin(), i.labels.end(), l) == i.labels.end())
          return false;
    if (q.count("assignee")) {
      const auto& a = q.at("assignee");
      if (a == "*" ? i.assignees.empty()
                   : a == "none" ? !i.assignees.empty()
                                 : std::find(i.assignees.begin(), i.assignees.end(), a) == i.assignees.end())
        return false;
    }
    if (q.count("creator") && q.at("creator") != i.author)
      return false;
    return true;
  }
};

fake_github::fake_github(std::string owner, std::string repo) : state_(std::make_shared<state>()) {
  state_->owner = std::move(owner);
  state_->repo = std::move(repo);
  server_ = std::make_unique<loopback_server>([this](const loopback_request& r) { return handle(r); });
  state_->port = server_->port();
}

fake_github::~fake_github() { server_->stop(); }

std::string fake_github::base_url() const { return state_->api(); }
uint16_t fake_github::port() const { return state_->port; }

void fake_github::upsert_issue(fake_issue issue) {
  std::lock_guard lock{state_->mu};
  auto& rec = state_->issues[issue.number];
  const std::string now = state_->tick();
  if (issue.created_at.empty())
    issue.created_at = rec.issue.created_at.empty() ? now : rec.issue.created_at;
  rec.issue = std::move(issue);
  rec.updated_at = now;
}

void fake_github::close_issue(int64_t number) {
  std::lock_guard lock{state_->mu};
  auto& rec = state_->issues.at(number);
  rec.issue.state = "closed";
  rec.updated_at = state_->tick();
}

void fake_github::add_comment(int64_t number, fake_comment comment) {
  std::lock_guard lock{state_->mu};
  auto& rec = state_->issues.at(number);
  const std::string now = state_->tick();
  if (comment.created_at.empty())
    comment.created_at = now;
  rec.comments.push_back(std::move(comment));
  rec.updated_at = now;
}

void fake_github::add_issues(int64_t first, int count, int comments_each) {
  for (int i = 0; i < count; ++i) {
    fake_issue is;
    is.number = first + i;
    is.title = "Issue " + std::to_string(is.number);
    is.body = "Body of issue " + std::to_string(is.number);
    upsert_issue(is);
    for (int c = 0; c < comments_each; ++c)
      add_comment(is.number, {"comment " + std::to_string(c) + " on " + std::to_string(is.number), "octocat", ""});
  }
}

void fake_github::set_max_per_page(int n) {
  std::lock_guard lock{state_->mu};
  state_->max_per_page = n;
}

void fake_github::set_rate_limit(int limit, std::chrono::seconds window) {
  std::lock_guard lock{state_->mu};
  state_->limit = limit;
  state_->window = window;
  state_->used = 0;
  state_->window_start.reset();
}

void fake_github::require_token(std::string token) {
  std::lock_guard lock{state_->mu};
  state_->token = std::move(token);
}

void fake_github::inject(fake_failure failure) {
  std::lock_guard lock{state_->mu};
  state_->failures.push_back(std::move(failure));
}

void fake_github::secondary_limit_next(std::string path_prefix, int retry_after_seconds, int times) {
  loopback_response r;
  r.status = 403;
  r.headers = {{"Content-Type", "application/json; charset=utf-8"},
               {"Retry-After", std::to_string(retry_after_seconds)}};
  r.body = R"({"message":"You have exceeded a secondary rate limit. Please wait a few minutes before you try again.)"
           R"( If you reach out to GitHub Support for help, please include the request ID 0000:0000.",)"
           R"("documentation_url":"https://docs.github.com/rest/overview/rate-limits-for-the-rest-api#about-secondary-rate-limits"})";
  inject({std::move(path_prefix), std::move(r), times});
}

void fake_github::server_error_next(std::string path_prefix, int status, int times) {
  loopback_response r;
  r.status = status;
  r.headers = {{"Content-Type", "application/json; charset=utf-8"}};
  r.body = status == 502 ? "<html><body><h1>502 Bad Gateway</h1></body></html>"
                         : R"({"message":"Server Error","documentation_url":"https://docs.github.com/rest"})";
  inject({std::move(path_prefix), std::move(r), times});
}

std::vector<loopback_request> fake_github::requests() const {
  std::lock_guard lock{state_->mu};
  return state_->log;
}

void fake_github::clear_requests() {
  std::lock_guard lock{state_->mu};
  state_->log.clear();
  state_->statuses.clear();
}

std::size_t fake_github::count_requests(std::string_view needle) const {
  std::lock_guard lock{state_->mu};
  return static_cast<std::size_t>(std::count_if(state_->log.begin(), state_->log.end(), [&](const loopback_request& r) {
    return r.target.find(needle) != std::string::npos;
  }));
}

std::size_t fake_github::count_status(int status) const {
  std::lock_guard lock{state_->mu};
  auto it = state_->statuses.find(status);
  return it == state_->statuses.end() ? 0 : it->second;
}

loopback_response fake_github::handle(const loopback_request& req) {
  std::lock_guard lock{state_->mu};
  auto& s = *state_;
  s.log.push_back(req);
  const auto now = std::chrono::system_clock::now();
  if (!s.window_start || now >= *s.window_start + s.window) {
    s.window_start = now;
    s.used = 0;
  }
  const auto reset = std::chrono::duration_cast<std::chrono::seconds>((*s.window_start + s.window).time_since_epoch()).count();
  auto finish = [&](loopback_response r, bool counts) {
    if (counts && s.used < s.limit)
      ++s.used;
    r.headers.emplace_back("Date", http_date(now));
    r.headers.emplace_back("Server", "GitHub.com");
    r.headers.emplace_back("X-GitHub-Api-Version-Selected", "2022-11-28");
    r.headers.emplace_back("X-RateLimit-Limit", std::to_string(s.limit));
    r.headers.emplace_back("X-RateLimit-Remaining", std::to_string(s.limit - s.used));
    r.headers.emplace_back("X-RateLimit-Reset", std::to_string(reset));
    r.headers.emplace_back("X-RateLimit-Used", std::to_string(s.used));
    r.headers.emplace_back("X-RateLimit-Resource", "core");
    ++s.statuses[r.status];
    return r;
  };
  auto json_response = [](int status, const json& body) {
    loopback_response r;
    r.status = status;
    r.headers = {{"Content-Type", "application/json; charset=utf-8"}};
    r.body = body.dump();
    return r;
  };
  auto error = [&](int status, const std::string& message) {
    return json_response(status, {{"message", message}, {"documentation_url", "https://docs.github.com/rest"}});
  };

  const size_t qpos = req.target.find('?');
  const std::string path = req.target.substr(0, qpos);
  const auto query = parse_query(qpos == std::string::npos ? std::string_view{} : std::string_view{req.target}.substr(qpos + 1));

  for (auto it = s.failures.begin(); it != s.failures.end(); ++it) {
    if (path.rfind(it->path_prefix, 0) != 0 || it->times == 0)
      continue;
    auto r = it->response;
    if (it->times > 0 && --it->times == 0)
      s.failures.erase(it);
    return finish(std::move(r), false);
  }
  if (!s.token.empty() && req.header("Authorization") != "Bearer " + s.token)
    return finish(error(401, "Bad credentials"), false);
  if (s.used >= s.limit)
    return finish(error(403, "API rate limit exceeded for user ID 1. If you reach out to GitHub Support for help, "
                             "please include the request ID 0000:0000."),
                  false);
  if (req.method != "GET")
    return finish(error(404, "Not Found"), false);

  // Normalise /repositories/<id>/... to /repos/<o>/<r>/...
  std::string rest;
  const std::string by_name = "/repos/" + s.owner + "/" + s.repo;
  const std::string by_id = "/repositories/" + std::to_string(repo_id);
  if (path.rfind(by_name, 0) == 0)
    rest = path.substr(by_name.size());
  else if (path.rfind(by_id, 0) == 0)
    rest = path.substr(by_id.size());
  else
    return finish(error(404, "Not Found"), false);

  int per_page = 30;
  if (query.count("per_page"))
    per_page = std::atoi(query.at("per_page").c_str());
  per_page = std::clamp(per_page, 1, std::min(100, s.max_per_page));
  int page = query.count("page") ? std::max(1, std::atoi(query.at("page").c_str())) : 1;

  json all = json::array();
  std::string link_path;
  if (rest == "/issues") {
    for (auto it = s.issues.rbegin(); it != s.issues.rend(); ++it) // newest (highest number) first
      if (s.matches(it->second, query))
        all.push_back(s.issue_json(it->second));
    link_path = by_id + "/issues";
  } else if (auto parts = split(rest, '/'); parts.size() == 3 && parts[0] == "issues" && parts[2] == "comments") {
    const int64_t number = std::atoll(parts[1].c_str());
    auto it = s.issues.find(number);
    if (it == s.issues.end())
      return finish(error(404, "Not Found"), false);
    for (size_t i = 0; i < it->second.comments.size(); ++i)
      all.push_back(s.comment_json(number, i, it->second.comments[i]));
    link_path = by_id + "/issues/" + parts[1] + "/comments";
  } else {
    return finish(error(404, "Not Found"), false);
  }

  const int total = static_cast<int>(all.size());
  const int last = std::max(1, (total + per_page - 1) / per_page);
  json body = json::array();
  for (int i = (page - 1) * per_page; i < std::min(total, page * per_page); ++i)
    body.push_back(std::move(all[static_cast<size_t>(i)]));
  auto r = json_response(200, body);
  // Link: the other query parameters kept, page last (as GitHub does).
  auto page_url = [&](int p) {
    std::string u = s.api() + link_path + "?";
    for (const auto& [k, v] : query)
      if (k != "page")
        u += k + "=" + v + "&";
    return u + "page=" + std::to_string(p);
  };
  std::vector<std::string> links;
  if (page > 1)
    links.push_back("<" + page_url(page - 1) + ">; rel=\"prev\"");
  if (page < last)
    links.push_back("<" + page_url(page + 1) + ">; rel=\"next\"");
  if (page < last)
    links.push_back("<" + page_url(last) + ">; rel=\"last\"");
  if (page > 1)
    links.push_back("<" + page_url(1) + ">; rel=\"first\"");
  if (!links.empty()) {
    std::string h;
    for (const auto& l : links)
      h += (h.empty() ? "" : ", ") + l;
    r.headers.emplace_back("Link", h);
  }
  const std::string etag = "W/\"" + std::to_string(std::hash<std::string>{}(r.body)) + "\"";
  r.headers.emplace_back("ETag", etag);
  r.headers.emplace_back("Cache-Control", "private, max-age=60, s-maxage=60");
  r.headers.emplace_back("Vary", "Accept, Authorization, Cookie, X-GitHub-OTP");
  if (req.header("If-None-Match") == etag) {
    loopback_response nm;
    nm.status = 304;
    nm.headers = {{"ETag", etag}, {"Cache-Control", "private, max-age=60, s-maxage=60"}};
    return finish(std::move(nm), false);
  }
  return finish(std::move(r), true);
}

} // namespace kelos::test
