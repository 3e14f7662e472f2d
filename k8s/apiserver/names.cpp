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
