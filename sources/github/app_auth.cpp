#include "sources/github/app_auth.hpp"

#include "k8s/json.hpp"
#include "k8s/kinds.hpp"
#include "k8s/status.hpp"

#include <openssl/bio.h>
#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/pem.h>

#include <algorithm>
#include <cctype>
#include <climits>
#include <memory>

namespace kelos::github {

namespace {

template <class T, void (*Free)(T*)>
struct deleter {
  void operator()(T* p) const noexcept { Free(p); }
};

using pkey_ptr = std::unique_ptr<EVP_PKEY, deleter<EVP_PKEY, EVP_PKEY_free>>;
using bio_ptr = std::unique_ptr<BIO, deleter<BIO, BIO_free_all>>;
using md_ctx_ptr = std::unique_ptr<EVP_MD_CTX, deleter<EVP_MD_CTX, EVP_MD_CTX_free>>;

/// Largest part of a non-201 body quoted in an error (the original's limit).
constexpr std::size_t max_body_quote = 1024;

std::string quoted_key(std::string_view key) {
  return "GitHub App secret key \"" + std::string{key} + "\"";
}

kelos::error invalid(std::string_view key, std::string_view what) {
  return kelos::make_error(errc::invalid_spec, quoted_key(key) + " " + std::string{what});
}

std::string_view trim(std::string_view s) {
  constexpr std::string_view ws = " \t\r\n\v\f";
  auto first = s.find_first_not_of(ws);
  if (first == std::string_view::npos)
    return {};
  return s.substr(first, s.find_last_not_of(ws) - first + 1);
}

bool all_digits(std::string_view s) {
  return !s.empty() && std::all_of(s.begin(), s.end(), [](char c) { return c >= '0' && c <= '9'; });
}

bool iequals(std::string_view a, std::string_view b) {
  return a.size() == b.size() && std::equal(a.begin(), a.end(), b.begin(), [](char x, char y) {
           return std::tolower(static_cast<unsigned char>(x)) == std::tolower(static_cast<unsigned char>(y));
         });
}

/// Makes `text` printable for an error message: at most `max` bytes, invalid UTF-8 replaced
/// by U+FFFD (a Kubernetes status message must be valid UTF-8), control characters by spaces.
std::string printable(std::string_view text, std::size_t max) {
  bool cut = text.size() > max;
  // A round trip through nlohmann's serializer repairs UTF-8 (including a sequence split by the cut).
  auto dumped = k8s::json(std::string{text.substr(0, max)}).dump(-1, ' ', false, k8s::json::error_handler_t::replace);
  auto out = k8s::json::parse(dumped).get<std::string>();
  for (auto& c : out)
    if (static_cast<unsigned char>(c) < 0x20 || c == 0x7f)
      c = ' ';
  out = std::string{trim(out)};
  if (cut)
    out += " ...";
  return out;
}

/// A user-supplied value for a message: short and printable.
std::string quote_value(std::string_view value) {
  // Built with append: g++ 12 -O3 reports a false -Wrestrict on `"lit" + std::string&&`
  // (GCC bug 105651), which -Werror would turn into a failed Release build.
  std::string out = "\"";
  out += printable(value, 64);
  out += '"';
  return out;
}

/// No passphrase prompt: an encrypted key fails instead of reading the terminal.
int no_passphrase(char*, int, int, void*) {
  return -1;
}

/// Parses the PEM RSA key. The error names the Secret key and never quotes the PEM.
kelos::expected<pkey_ptr> load_rsa_key(std::string_view pem) {
  if (pem.size() > static_cast<std::size_t>(INT_MAX))
    return invalid(private_key_key, "is too large");
  bio_ptr bio{BIO_new_mem_buf(pem.data(), static_cast<int>(pem.size()))};
  if (!bio)
    return kelos::make_error(errc::logic_error, "GitHub App key: BIO_new_mem_buf failed");
  pkey_ptr key{PEM_read_bio_PrivateKey(bio.get(), nullptr, no_passphrase, nullptr)};
  // OpenSSL's reasons ("DECODER routines::unsupported") do not help the user; drop them so
  // they do not surface in a later, unrelated error on this thread.
  ERR_clear_error();
  if (!key) {
    if (pem.find("ENCRYPTED") != std::string_view::npos)
      return invalid(private_key_key, "is an encrypted PEM key; store the key unencrypted");
    return invalid(private_key_key, "is not a PEM RSA private key (PKCS#1 or PKCS#8)");
  }
  if (EVP_PKEY_get_base_id(key.get()) != EVP_PKEY_RSA) {
    const char* type = EVP_PKEY_get0_type_name(key.get());
    return invalid(private_key_key, std::string{"holds a "} + (type ? type : "non-RSA") +
                                        " key; GitHub App keys are RSA");
  }
  return key;
}

std::string base64url(std::string_view bytes) {
  auto s = k8s::base64_encode(bytes);
  while (!s.empty() && s.back() == '=')
    s.pop_back();
  std::replace(s.begin(), s.end(), '+', '-');
  std::replace(s.begin(), s.end(), '/', '_');
  return s;
}

kelos::expected<std::string> sign_rs256(EVP_PKEY* key, std::string_view input) {
  auto fail = [](std::string_view step) {
    ERR_clear_error();
    return kelos::make_error(errc::logic_error, "GitHub App JWT: " + std::string{step} + " failed");
  };
  md_ctx_ptr ctx{EVP_MD_CTX_new()};
  if (!ctx)
    return fail("EVP_MD_CTX_new");
  // RSA keys default to PKCS#1 v1.5 padding: RS256 as RFC 7518 §3.3 defines it.
  if (EVP_DigestSignInit(ctx.get(), nullptr, EVP_sha256(), nullptr, key) != 1)
    return fail("EVP_DigestSignInit");
  const auto* data = reinterpret_cast<const unsigned char*>(input.data());
  std::size_t len = 0;
  if (EVP_DigestSign(ctx.get(), nullptr, &len, data, input.size()) != 1)
    return fail("EVP_DigestSign (size)");
  std::string sig(len, '\0');
  if (EVP_DigestSign(ctx.get(), reinterpret_cast<unsigned char*>(sig.data()), &len, data, input.size()) != 1)
    return fail("EVP_DigestSign");
  sig.resize(len);
  return sig;
}

} // namespace

bool is_github_app(const std::map<std::string, std::string>& secret_data) {
  return secret_data.count(std::string{app_id_key}) > 0 && secret_data.count(std::string{installation_id_key}) > 0 &&
         secret_data.count(std::string{private_key_key}) > 0;
}

kelos::expected<app_credentials> parse_app_credentials(const std::map<std::string, std::string>& secret_data) {
  for (auto key : {app_id_key, installation_id_key, private_key_key}) {
    auto it = secret_data.find(std::string{key});
    if (it == secret_data.end())
      return invalid(key, "is missing");
    if (trim(it->second).empty())
      return invalid(key, "is empty");
  }
  app_credentials creds;
  for (auto [key, out] : {std::pair{app_id_key, &creds.app_id}, std::pair{installation_id_key, &creds.installation_id}}) {
    auto value = trim(secret_data.at(std::string{key}));
    if (!all_digits(value))
      return invalid(key, "must be digits, got " + quote_value(value));
    *out = std::string{value};
  }
  creds.private_key_pem = secret_data.at(std::string{private_key_key});
  if (auto key = load_rsa_key(creds.private_key_pem); !key)
    return std::move(key).error();
  return creds;
}

kelos::expected<std::string> make_app_jwt(const app_credentials& creds, k8s::time_point now) {
  auto key = load_rsa_key(creds.private_key_pem);
  if (!key)
    return std::move(key).error();
  const int64_t secs = std::chrono::floor<std::chrono::seconds>(now.time_since_epoch()).count();
  const k8s::json payload{{"iat", secs - 60}, {"exp", secs + 600}, {"iss", creds.app_id}};
  std::string input = base64url(R"({"alg":"RS256","typ":"JWT"})") + "." + base64url(payload.dump());
  auto sig = sign_rs256(key->get(), input);
  if (!sig)
    return std::move(sig).error();
  return input + "." + base64url(*sig);
}

std::string api_base_for_host(std::string_view host) {
  if (host.empty() || iequals(host, "github.com"))
    return "https://api.github.com";
  return "https://" + std::string{host} + "/api/v3";
}

std::string access_tokens_path(std::string_view installation_id) {
  return "/app/installations/" + std::string{installation_id} + "/access_tokens";
}

kelos::expected<installation_token> parse_token_response(int status, std::string_view body,
                                                         std::string_view credential) {
  auto parsed = k8s::json::parse(body, nullptr, false);
  if (status != 201) {
    std::string msg = "GitHub returned HTTP " + std::to_string(status);
    // Redacted before the cut, so that no part of an echoed credential is quoted either.
    std::string redacted{body};
    if (!credential.empty())
      for (auto pos = redacted.find(credential); pos != std::string::npos; pos = redacted.find(credential, pos))
        redacted.replace(pos, credential.size(), "[redacted]");
    if (parsed.is_object() && parsed.contains("token"))
      msg += ": (body withheld: it holds a token)";
    else if (auto quote = printable(redacted, max_body_quote); !quote.empty())
      msg += ": " + quote;
    return kelos::make_error(k8s::errc_for_status(status, {}), std::move(msg));
  }
  auto bad = [](std::string what) {
    return kelos::make_error(errc::parse_error, "GitHub token response: " + std::move(what));
  };
  if (!parsed.is_object())
    return bad("body is not a JSON object");
  auto token = parsed.find("token");
  if (token == parsed.end() || !token->is_string() || token->get_ref<const std::string&>().empty())
    return bad("field \"token\" is missing or not a non-empty string");
  auto expires = parsed.find("expires_at");
  if (expires == parsed.end() || !expires->is_string())
    return bad("field \"expires_at\" is missing or not a string");
  const auto& expires_text = expires->get_ref<const std::string&>();
  auto expires_at = k8s::parse_time(expires_text);
  if (!expires_at)
    return bad("field \"expires_at\" is not an RFC 3339 time: " + quote_value(expires_text));
  return installation_token{token->get<std::string>(), *expires_at};
}

} // namespace kelos::github
