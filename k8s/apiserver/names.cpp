#include "k8s/apiserver/names.hpp"

#include <cctype>
#include <random>

namespace kelos::apiserver {

namespace {

std::mt19937_64& rng() {
  thread_local std::mt19937_64 gen{std::random_device{}()};
  return gen;
}

bool lower_alnum(char c) {
  return std::islower(static_cast<unsigned char>(c)) || std::isdigit(static_cast<unsigned char>(c));
}

bool valid_label(std::string_view s) {
  if (s.empty() || s.size() > 63 || !lower_alnum(s.front()) || !lower_alnum(s.back()))
    return false;
  for (char c : s)
    if (!lower_alnum(c) && c != '-')
      return false;
  return true;
}

} // namespace

std::optional<std::string> check_dns1123_subdomain(std::string_view name) {
  if (name.size() > 253)
    return std::string("must be no more than 253 characters");
  bool ok = !name.empty();
  size_t start = 0;
  while (ok && start <= name.size()) {
    size_t dot = name.find('.', start);
    auto part = name.substr(start, dot == std::string_view::npos ? std::string_view::npos
                                                                 : dot - start);
    // Subdomain parts are labels without the 63-character limit.
    ok = !part.empty() && lower_alnum(part.front()) && lower_alnum(part.back());
    for (char c : part)
      ok = ok && (lower_alnum(c) || c == '-');
    if (dot == std::string_view::npos)
      break;
    start = dot + 1;
  }
  if (ok)
    return std::nullopt;
  return std::string(
    "a lowercase RFC 1123 subdomain must consist of lower case alphanumeric characters, '-' "
    "or '.', and must start and end with an alphanumeric character (e.g. 'example.com', "
    "regex used for validation is "
    "'[a-z0-9]([-a-z0-9]*[a-z0-9])?(\\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*')");
}

std::optional<std::string> check_dns1123_label(std::string_view name) {
  if (name.size() > 63)
    return std::string("must be no more than 63 characters");
  if (valid_label(name))
    return std::nullopt;
  return std::string(
    "a lowercase RFC 1123 label must consist of lower case alphanumeric characters or '-', "
    "and must start and end with an alphanumeric character (e.g. 'my-name',  or '123-abc', "
    "regex used for validation is '[a-z0-9]([-a-z0-9]*[a-z0-9])?')");
}

namespace {

bool name_part_ok(std::string_view s) {
  auto alnum = [](char c) { return std::isalnum(static_cast<unsigned char>(c)) != 0; };
  if (s.empty() || s.size() > 63 || !alnum(s.front()) || !alnum(s.back()))
    return false;
  for (char c : s)
    if (!alnum(c) && c != '-' && c != '_' && c != '.')
      return false;
  return true;
}

} // namespace

std::optional<std::string> check_qualified_name(std::string_view key) {
  std::string_view name = key;
  if (auto slash = key.find('/'); slash != std::string_view::npos) {
    auto prefix = key.substr(0, slash);
    name = key.substr(slash + 1);
    if (prefix.empty())
      return std::string("prefix part must be non-empty");
    if (auto err = check_dns1123_subdomain(prefix))
      return "prefix part " + *err;
  }
  if (name.empty())
    return std::string("name part must be non-empty");
  if (name.size() > 63)
    return std::string("name part must be no more than 63 characters");
  if (name_part_ok(name))
    return std::nullopt;
  return std::string(
    "name part must consist of alphanumeric characters, '-', '_' or '.', and must start and "
    "end with an alphanumeric character (e.g. 'MyName',  or 'my.name',  or '123-abc', regex "
    "used for validation is '([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9]')");
}

std::optional<std::string> check_label_value(std::string_view value) {
  if (value.empty())
    return std::nullopt;
  if (value.size() > 63)
    return std::string("must be no more than 63 characters");
  if (name_part_ok(value))
    return std::nullopt;
  return std::string(
    "a valid label must be an empty string or consist of alphanumeric characters, '-', '_' or "
    "'.', and must start and end with an alphanumeric character (e.g. 'MyValue',  or "
    "'my_value',  or '12345', regex used for validation is "
    "'(([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9])?')");
}

std::string generate_name(std::string_view prefix) {
  constexpr size_t max_prefix = 58; // 63 - 5 random characters (KEP-4420)
  std::string out(prefix.substr(0, std::min(prefix.size(), max_prefix)));
  std::uniform_int_distribution<size_t> pick(0, generate_name_alphabet.size() - 1);
  for (int i = 0; i < 5; ++i)
    out += generate_name_alphabet[pick(rng())];
  return out;
}

std::string new_uid() {
  std::uniform_int_distribution<int> nibble(0, 15);
  static constexpr char hex[] = "0123456789abcdef";
  std::string out;
  out.reserve(36);
  for (int i = 0; i < 32; ++i) {
    if (i == 8 || i == 12 || i == 16 || i == 20)
      out += '-';
    int v = nibble(rng());
    if (i == 12)
      v = 4; // version 4
    else if (i == 16)
      v = 8 | (v & 3); // RFC 4122 variant 10xx
    out += hex[v];
  }
  return out;
}

} // namespace kelos::apiserver
