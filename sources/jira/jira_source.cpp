#include "sources/jira/jira_source.hpp"

#include "k8s/client/http_message.hpp"
#include "k8s/kinds.hpp"
#include "k8s/status.hpp"
#include "sources/jira/adf_text.hpp"

#include <algorithm>
#include <array>
#include <cctype>
#include <optional>
#include <unordered_set>
#include <vector>

namespace kelos::sources {

namespace {

constexpr std::string_view jql_path = "/rest/api/2/search/jql";
constexpr std::string_view legacy_path = "/rest/api/2/search";
constexpr std::string_view fields = "summary,description,status,labels,comment,issuetype";
/// Deepest JSON nesting accepted in an answer (nlohmann's DOM and our ADF walk recurse).
constexpr int max_json_depth = 512;
/// Most bytes of a server's error body quoted in a message.
constexpr std::size_t max_quoted_body = 512;

std::string ascii_upper(std::string_view s) {
  std::string out(s);
  std::transform(out.begin(), out.end(), out.begin(), [](unsigned char c) { return static_cast<char>(std::toupper(c)); });
  return out;
}

std::string trim(std::string_view s) {
  auto b = s.find_first_not_of(" \t\r\n");
  if (b == std::string_view::npos)
    return {};
  auto e = s.find_last_not_of(" \t\r\n");
  return std::string{s.substr(b, e - b + 1)};
}

bool plain_project_key(std::string_view p) {
  static constexpr std::array<std::string_view, 14> keywords = {"AND", "OR",    "NOT", "EMPTY", "NULL", "ORDER", "BY",
                                                                "IN",  "IS",    "WAS", "CHANGED", "ASC", "DESC", "TO"};
  if (p.empty())
    return false;
  for (char c : p)
    if (!std::isalnum(static_cast<unsigned char>(c)) && c != '_')
      return false;
  auto upper = ascii_upper(p);
  return std::find(keywords.begin(), keywords.end(), upper) == keywords.end();
}

std::string quote_jql(std::string_view s) {
  std::string out = "\"";
  for (char c : s) {
    if (c == '"' || c == '\\')
      out += '\\';
    out += c;
  }
  out += '"';
  return out;
}

std::string trimmed_base(std::string_view base) {
  while (!base.empty() && base.back() == '/')
    base.remove_suffix(1);
  return std::string{base};
}

/// Keeps the newest bodies that fit in the cap, oldest first in the output.
std::string join_newest(const std::vector<std::string>& bodies) {
  static constexpr std::string_view sep = "\n---\n";
  std::size_t total = 0;
  std::size_t first = bodies.size();
  while (first > 0) {
    auto add = bodies[first - 1].size() + (first == bodies.size() ? 0 : sep.size());
    if (total + add > max_jira_comment_bytes)
      break;
    total += add;
    --first;
  }
  if (first == bodies.size()) {
    if (bodies.empty())
      return {};
    // The newest alone exceeds the cap: keep its beginning, cut on a UTF-8 boundary.
    const auto& newest = bodies.back();
    auto cut = max_jira_comment_bytes;
    while (cut > 0 && (static_cast<unsigned char>(newest[cut]) & 0xC0u) == 0x80u)
      --cut;
    return newest.substr(0, cut);
  }
  std::string out;
  out.reserve(total);
  for (auto i = first; i < bodies.size(); ++i) {
    if (i != first)
      out += sep;
    out += bodies[i];
  }
  return out;
}

int64_t key_number(std::string_view key) {
  auto dash = key.rfind('-');
  if (dash == std::string_view::npos || dash + 1 == key.size() || key.size() - dash - 1 > 18)
    return 0;
  int64_t n = 0;
  for (char c : key.substr(dash + 1)) {
    if (c < '0' || c > '9')
      return 0;
    n = n * 10 + (c - '0');
  }
  return n;
}

struct too_deep {};

/// Parses an answer, refusing nesting deeper than max_json_depth before building it.
kelos::expected<k8s::json> parse_answer(const std::string& body) {
  try {
    return k8s::json::parse(body, [](int depth, k8s::json::parse_event_t, k8s::json&) {
      if (depth > max_json_depth)
        throw too_deep{};
      return true;
    });
  } catch (const too_deep&) {
    return kelos::make_error(errc::parse_error, "JSON nested deeper than " + std::to_string(max_json_depth) + " levels");
  } catch (const k8s::json::exception& e) {
    return kelos::make_error(errc::parse_error, std::string{"malformed JSON: "} + e.what());
  }
}

/// Jira's own words from an error body (`errorMessages` and `errors`), else its beginning.
std::string error_detail(const std::string& body) {
  std::string out;
  try {
    auto j = k8s::json::parse(body);
    if (j.is_object()) {
      auto msgs = j.find("errorMessages");
      if (msgs != j.end() && msgs->is_array())
        for (const auto& m : *msgs)
          if (m.is_string())
            out += (out.empty() ? "" : "; ") + m.get<std::string>();
      auto errs = j.find("errors");
      if (errs != j.end() && errs->is_object())
        for (const auto& [field, m] : errs->items())
          if (m.is_string())
            out += (out.empty() ? "" : "; ") + field + ": " + m.get<std::string>();
    }
  } catch (const k8s::json::exception&) {
    // not JSON: quote the body
  }
  if (out.empty())
    out = body.substr(0, std::min(body.size(), max_quoted_body));
  if (out.size() > max_quoted_body)
    out.resize(max_quoted_body);
  return out;
}

void replace_all(std::string& s, const std::string& what, std::string_view with) {
  if (what.empty())
    return;
  for (auto pos = s.find(what); pos != std::string::npos; pos = s.find(what, pos + with.size()))
    s.replace(pos, what.size(), with);
}

class jira_discovery final : public discovery {
public:
  explicit jira_discovery(const jira_source_config& cfg)
    : base_(trimmed_base(cfg.base_url)),
      jql_(jira_search_jql(cfg.project, cfg.jql)),
      authorization_(jira_authorization(cfg)),
      secrets_{cfg.token, authorization_.empty() ? std::string{} : authorization_.substr(authorization_.find(' ') + 1)},
      page_size_(cfg.page_size),
      max_pages_(cfg.max_pages) {
    if (auto ok = validate(cfg); !ok)
      error_ = ok.error();
  }

  std::optional<source_request> next_request() override {
    if (error_ || done_)
      return std::nullopt;
    source_request req;
    req.base = base_;
    std::vector<std::pair<std::string, std::string>> query = {
      {"jql", jql_}, {"maxResults", std::to_string(page_size_)}, {"fields", std::string{fields}}};
    if (legacy_)
      query.emplace_back("startAt", std::to_string(start_at_));
    else if (!next_token_.empty())
      query.emplace_back("nextPageToken", next_token_);
    req.target = path();
    char sep = '?';
    for (const auto& [k, v] : query) {
      req.target += sep;
      req.target += k8s::percent_encode(k) + "=" + k8s::percent_encode(v);
      sep = '&';
    }
    req.headers.emplace_back("Accept", "application/json");
    if (!authorization_.empty())
      req.headers.emplace_back("Authorization", authorization_);
    return req;
  }

  void on_response(const source_response& response) override {
    if (!legacy_ && pages_ == 0 && (response.status == 404 || response.status == 410)) {
      legacy_ = true; // Data Center/Server without the new endpoint
      return;
    }
    if (response.status != 200) {
      // Redacted before error_detail's cut, so that no part of an echoed secret is quoted.
      fail(k8s::errc_for_status(response.status, {}),
           "status " + std::to_string(response.status) + ": " + error_detail(redacted(response.body)));
      return;
    }
    auto answer = parse_answer(response.body);
    if (!answer) {
      fail(errc::parse_error, answer.error().message);
      return;
    }
    const auto& j = *answer;
    auto issues = j.is_object() ? j.find("issues") : j.end();
    if (!j.is_object() || issues == j.end() || !issues->is_array()) {
      fail(errc::parse_error, "answer has no \"issues\" array");
      return;
    }
    std::size_t index = 0;
    for (const auto& issue : *issues) {
      auto item = jira_issue_item(issue, base_);
      if (!item) {
        fail(errc::parse_error, "issues[" + std::to_string(index) + "]: " + item.error().message);
        return;
      }
      if (seen_.insert(item->id).second)
        items_.push_back(std::move(*item));
      ++index;
    }
    ++pages_;
    if (pages_ >= max_pages_) {
      done_ = true;
    } else if (legacy_) {
      auto start = k8s::get_int(j, "startAt", start_at_);
      auto total = k8s::get_int(j, "total", 0);
      auto next = start + static_cast<int64_t>(issues->size());
      done_ = issues->empty() || next >= total;
      start_at_ = next;
    } else {
      next_token_ = k8s::get_string(j, "nextPageToken");
      done_ = k8s::get_bool(j, "isLast", false) || next_token_.empty();
    }
  }

  void on_transport_error(const kelos::error& error) override { fail(error.code, error.message); }

  kelos::expected<std::vector<work_item>> result() override {
    if (error_)
      return *error_;
    return items_;
  }

private:
  std::string path() const { return std::string{legacy_ ? legacy_path : jql_path}; }

  void fail(errc code, std::string why) {
    error_ = kelos::error{code, redacted("jira: GET " + path() + ": " + why)};
  }

  /// `text` with the token and the Authorization credential replaced by "[redacted]".
  std::string redacted(std::string text) const {
    for (const auto& s : secrets_)
      if (s.size() >= 4) // a shorter "secret" would mangle the message and hide nothing
        replace_all(text, s, "[redacted]");
    return text;
  }

  std::string base_;
  std::string jql_;
  std::string authorization_;
  /// The token and the Authorization credential, removed from every message.
  std::array<std::string, 2> secrets_;
  std::size_t page_size_;
  std::size_t max_pages_;
  bool legacy_ = false;
  bool done_ = false;
  std::size_t pages_ = 0;
  std::string next_token_;
  int64_t start_at_ = 0;
  std::unordered_set<std::string> seen_;
  std::vector<work_item> items_;
  std::optional<kelos::error> error_;
};

} // namespace

kelos::expected<void> validate(const jira_source_config& cfg) {
  auto lower = cfg.base_url;
  std::transform(lower.begin(), lower.end(), lower.begin(), [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
  auto rest = lower.rfind("https://", 0) == 0 ? lower.substr(8) : lower.rfind("http://", 0) == 0 ? lower.substr(7) : "";
  if (rest.empty() || rest.front() == '/')
    return kelos::make_error(errc::invalid_spec,
                             "when.jira.baseUrl: must be an http:// or https:// URL with a host, got \"" + cfg.base_url + "\"");
  if (trim(cfg.project).empty())
    return kelos::make_error(errc::invalid_spec, "when.jira.project: must not be empty");
  auto has_control = [](const std::string& s, bool newlines_ok) {
    return std::any_of(s.begin(), s.end(), [newlines_ok](char c) {
      return static_cast<unsigned char>(c) < 0x20 && c != '\t' && !(newlines_ok && (c == '\n' || c == '\r'));
    });
  };
  if (has_control(cfg.base_url, false))
    return kelos::make_error(errc::invalid_spec, "when.jira.baseUrl: contains a control character");
  if (has_control(cfg.project, false))
    return kelos::make_error(errc::invalid_spec, "when.jira.project: contains a control character");
  if (has_control(cfg.jql, true))
    return kelos::make_error(errc::invalid_spec, "when.jira.jql: contains a control character");
  if (cfg.page_size == 0 || cfg.max_pages == 0)
    return kelos::make_error(errc::invalid_spec, "jira: page_size and max_pages must be positive");
  return {};
}

std::string jira_search_jql(std::string_view project, std::string_view filter) {
  auto p = trim(project);
  std::string jql = "project = " + (plain_project_key(p) ? p : quote_jql(p));
  auto upper = ascii_upper(filter);
  auto at = upper.rfind("ORDER BY");
  auto where = trim(at == std::string::npos ? filter : filter.substr(0, at));
  auto order = at == std::string::npos ? std::string{} : trim(filter.substr(at));
  if (!where.empty())
    jql += " AND (" + where + ")";
  if (!order.empty())
    jql += " " + order;
  return jql;
}

std::string jira_authorization(const jira_source_config& cfg) {
  if (cfg.token.empty())
    return {};
  if (!cfg.user.empty())
    return "Basic " + k8s::base64_encode(cfg.user + ":" + cfg.token);
  return "Bearer " + cfg.token;
}

kelos::expected<work_item> jira_issue_item(const k8s::json& issue, std::string_view base_url) {
  if (!issue.is_object())
    return kelos::make_error(errc::parse_error, "issue is not an object");
  auto key = issue.find("key");
  if (key == issue.end() || !key->is_string() || key->get<std::string>().empty())
    return kelos::make_error(errc::parse_error, "issue has no \"key\"");
  work_item item;
  item.id = key->get<std::string>();
  item.number = key_number(item.id);
  item.url = trimmed_base(base_url) + "/browse/" + item.id;
  item.kind = "Issue";
  auto f = issue.find("fields");
  if (f == issue.end() || !f->is_object())
    return item;
  item.title = k8s::get_string(*f, "summary");
  if (auto d = f->find("description"); d != f->end())
    item.body = jira::rich_text(*d);
  if (auto labels = f->find("labels"); labels != f->end() && labels->is_array())
    for (const auto& l : *labels)
      if (l.is_string())
        item.labels.push_back(l.get<std::string>());
  if (auto type = f->find("issuetype"); type != f->end() && type->is_object()) {
    auto name = k8s::get_string(*type, "name");
    if (!name.empty())
      item.kind = std::move(name);
  }
  if (auto c = f->find("comment"); c != f->end() && c->is_object()) {
    auto list = c->find("comments");
    if (list != c->end() && list->is_array()) {
      std::vector<std::string> bodies;
      for (const auto& comment : *list) {
        if (!comment.is_object())
          continue;
        auto body = comment.find("body");
        auto text = body == comment.end() ? std::string{} : jira::rich_text(*body);
        if (!text.empty())
          bodies.push_back(std::move(text));
      }
      item.comments = join_newest(bodies);
    }
  }
  return item;
}

std::unique_ptr<discovery> make_jira_discovery(const jira_source_config& cfg, k8s::time_point /*now*/) {
  return std::make_unique<jira_discovery>(cfg);
}

} // namespace kelos::sources
