#include "k8s/client/field_filter.hpp"

#include <charconv>
#include <cmath>
#include <cstdlib>
#include <cstdint>

namespace kelos::k8s {

filter_node& filter_node::keep(std::string_view dotted_path) {
  filter_node* n = this;
  while (!dotted_path.empty() && !n->all) {
    auto dot = dotted_path.find('.');
    auto seg = dotted_path.substr(0, dot);
    n = &n->children[std::string{seg}];
    dotted_path = dot == std::string_view::npos ? std::string_view{} : dotted_path.substr(dot + 1);
  }
  if (!n->all) {
    n->all = true;
    n->children.clear();
  }
  return *this;
}

filter_node object_filter(const std::vector<std::string>& extra_paths) {
  filter_node f;
  for (const char* p : {"apiVersion", "kind", "code", "reason", "message", "details"}) f.keep(p);
  // metadata: every field except managedFields. Listed explicitly because the tree has
  // no "all but" form; unknown future metadata fields are dropped.
  for (const char* p : {"name", "namespace", "uid", "resourceVersion", "generation", "generateName",
                        "creationTimestamp", "deletionTimestamp", "deletionGracePeriodSeconds", "labels",
                        "annotations", "finalizers", "ownerReferences", "selfLink"})
    f.keep(std::string{"metadata."} + p);
  for (const auto& p : extra_paths) f.keep(p);
  return f;
}

namespace {

/// A recursive-descent JSON parser straight into nlohmann values, restricted by a
/// filter. Written because nlohmann's lexer (one virtual-free but per-character step
/// with a copy of every token) is the bottleneck of watch decoding: this one scans
/// plain string runs and skipped subtrees without copying. It accepts exactly RFC 8259
/// JSON (strict: no comments, no trailing commas, valid UTF-8, no control characters in
/// strings), nesting up to `max_depth`.
class fast_parser {
public:
  static constexpr int max_depth = 512;

  explicit fast_parser(std::string_view text) : p_(text.data()), begin_(text.data()), end_(text.data() + text.size()) {}

  bool parse(json& root, const filter_node& filter) {
    ws();
    if (!value(&root, filter.all ? nullptr : &filter, 0)) return false;
    ws();
    if (p_ != end_) return fail("trailing characters");
    return true;
  }

  const std::string& error() const { return error_; }

private:
  bool fail(const char* what) {
    if (error_.empty()) error_ = std::string{what} + " at byte " + std::to_string(p_ - begin_);
    return false;
  }

  void ws() {
    while (p_ != end_ && (*p_ == ' ' || *p_ == '\n' || *p_ == '\t' || *p_ == '\r')) ++p_;
  }

  // `out` nullptr: validate and skip. `f` nullptr: keep everything below.
  bool value(json* out, const filter_node* f, int depth) {
    if (p_ == end_) return fail("unexpected end");
    switch (*p_) {
      case '{': return object(out, f, depth);
      case '[': return array(out, f, depth);
      case '"': {
        if (out == nullptr) return string(nullptr);
        std::string s;
        if (!string(&s)) return false;
        *out = std::move(s);
        return true;
      }
      case 't': return literal("true", out, json(true));
      case 'f': return literal("false", out, json(false));
      case 'n': return literal("null", out, json(nullptr));
      default: return number(out);
    }
  }

  bool literal(std::string_view word, json* out, json v) {
    if (static_cast<std::size_t>(end_ - p_) < word.size() || std::string_view{p_, word.size()} != word)
      return fail("invalid literal");
    p_ += word.size();
    if (out != nullptr) *out = std::move(v);
    return true;
  }

  bool object(json* out, const filter_node* f, int depth) {
    if (depth >= max_depth) return fail("nesting too deep");
    ++p_;  // '{'
    if (out != nullptr) *out = json::object();
    ws();
    if (p_ != end_ && *p_ == '}') {
      ++p_;
      return true;
    }
    std::string key;
    for (;;) {
      if (p_ == end_ || *p_ != '"') return fail("expected object key");
      key.clear();
      if (!string(out != nullptr ? &key : nullptr)) return false;
      ws();
      if (p_ == end_ || *p_ != ':') return fail("expected ':'");
      ++p_;
      ws();
      json* slot = nullptr;
      const filter_node* child = nullptr;
      if (out != nullptr) {
        if (f == nullptr) {
          slot = &(*out)[key];
        } else if (auto it = f->children.find(key); it != f->children.end()) {
          slot = &(*out)[key];
          child = it->second.all ? nullptr : &it->second;
        }
      }
      if (!value(slot, child, depth + 1)) return false;
      ws();
      if (p_ == end_) return fail("unterminated object");
      if (*p_ == ',') {
        ++p_;
        ws();
        continue;
      }
      if (*p_ == '}') {
        ++p_;
        return true;
      }
      return fail("expected ',' or '}'");
    }
  }

  bool array(json* out, const filter_node* f, int depth) {
    if (depth >= max_depth) return fail("nesting too deep");
    ++p_;  // '['
    if (out != nullptr) *out = json::array();
    ws();
    if (p_ != end_ && *p_ == ']') {
      ++p_;
      return true;
    }
    for (;;) {
      json* slot = nullptr;
      if (out != nullptr) {
        out->push_back(nullptr);
        slot = &out->back();
      }
      if (!value(slot, f, depth + 1)) return false;
      ws();
      if (p_ == end_) return fail("unterminated array");
      if (*p_ == ',') {
        ++p_;
        ws();
        continue;
      }
      if (*p_ == ']') {
        ++p_;
        return true;
      }
      return fail("expected ',' or ']'");
    }
  }

  static int hex(char c) {
    if (c >= '0' && c <= '9') return c - '0';
    if (c >= 'a' && c <= 'f') return c - 'a' + 10;
    if (c >= 'A' && c <= 'F') return c - 'A' + 10;
    return -1;
  }

  bool hex4(unsigned& v) {
    if (end_ - p_ < 4) return fail("truncated \\u escape");
    v = 0;
    for (int i = 0; i < 4; ++i) {
      int h = hex(p_[i]);
      if (h < 0) return fail("invalid \\u escape");
      v = (v << 4) | static_cast<unsigned>(h);
    }
    p_ += 4;
    return true;
  }

  static void put_utf8(std::string& s, unsigned cp) {
    if (cp < 0x80) {
      s.push_back(static_cast<char>(cp));
    } else if (cp < 0x800) {
      s.push_back(static_cast<char>(0xC0 | (cp >> 6)));
      s.push_back(static_cast<char>(0x80 | (cp & 0x3F)));
    } else if (cp < 0x10000) {
      s.push_back(static_cast<char>(0xE0 | (cp >> 12)));
      s.push_back(static_cast<char>(0x80 | ((cp >> 6) & 0x3F)));
      s.push_back(static_cast<char>(0x80 | (cp & 0x3F)));
    } else {
      s.push_back(static_cast<char>(0xF0 | (cp >> 18)));
      s.push_back(static_cast<char>(0x80 | ((cp >> 12) & 0x3F)));
      s.push_back(static_cast<char>(0x80 | ((cp >> 6) & 0x3F)));
      s.push_back(static_cast<char>(0x80 | (cp & 0x3F)));
    }
  }

  // Validates one UTF-8 sequence starting at p_ (a byte >= 0x80) and advances past it.
  bool utf8() {
    auto b = [this](std::ptrdiff_t i) { return static_cast<unsigned char>(p_[i]); };
    unsigned char c = b(0);
    std::ptrdiff_t n = 0;
    unsigned char lo = 0x80, hi = 0xBF;
    if (c >= 0xC2 && c <= 0xDF) n = 1;
    else if (c == 0xE0) n = 2, lo = 0xA0;
    else if (c >= 0xE1 && c <= 0xEC) n = 2;
    else if (c == 0xED) n = 2, hi = 0x9F;
    else if (c >= 0xEE && c <= 0xEF) n = 2;
    else if (c == 0xF0) n = 3, lo = 0x90;
    else if (c >= 0xF1 && c <= 0xF3) n = 3;
    else if (c == 0xF4) n = 3, hi = 0x8F;
    else return fail("invalid UTF-8");
    if (end_ - p_ <= n) return fail("truncated UTF-8");
    if (b(1) < lo || b(1) > hi) return fail("invalid UTF-8");
    for (std::ptrdiff_t i = 2; i <= n; ++i)
      if (b(i) < 0x80 || b(i) > 0xBF) return fail("invalid UTF-8");
    p_ += n + 1;
    return true;
  }

  // At '"'. Appends the decoded string to `out` (nullptr: validate only).
  bool string(std::string* out) {
    ++p_;
    for (;;) {
      const char* run = p_;
      while (p_ != end_) {
        auto c = static_cast<unsigned char>(*p_);
        if (c == '"' || c == '\\' || c < 0x20 || c >= 0x80) break;
        ++p_;
      }
      if (out != nullptr) out->append(run, static_cast<std::size_t>(p_ - run));
      if (p_ == end_) return fail("unterminated string");
      auto c = static_cast<unsigned char>(*p_);
      if (c == '"') {
        ++p_;
        return true;
      }
      if (c < 0x20) return fail("control character in string");
      if (c >= 0x80) {
        const char* seq = p_;
        if (!utf8()) return false;
        if (out != nullptr) out->append(seq, static_cast<std::size_t>(p_ - seq));
        continue;
      }
      // Backslash escape.
      ++p_;
      if (p_ == end_) return fail("unterminated escape");
      char e = *p_++;
      char plain = 0;
      switch (e) {
        case '"': plain = '"'; break;
        case '\\': plain = '\\'; break;
        case '/': plain = '/'; break;
        case 'b': plain = '\b'; break;
        case 'f': plain = '\f'; break;
        case 'n': plain = '\n'; break;
        case 'r': plain = '\r'; break;
        case 't': plain = '\t'; break;
        case 'u': {
          unsigned cp = 0;
          if (!hex4(cp)) return false;
          if (cp >= 0xD800 && cp <= 0xDBFF) {
            unsigned lo = 0;
            if (end_ - p_ < 2 || p_[0] != '\\' || p_[1] != 'u') return fail("unpaired surrogate");
            p_ += 2;
            if (!hex4(lo)) return false;
            if (lo < 0xDC00 || lo > 0xDFFF) return fail("invalid surrogate pair");
            cp = 0x10000 + ((cp - 0xD800) << 10) + (lo - 0xDC00);
          } else if (cp >= 0xDC00 && cp <= 0xDFFF) {
            return fail("unpaired surrogate");
          }
          if (out != nullptr) put_utf8(*out, cp);
          continue;
        }
        default: return fail("invalid escape");
      }
      if (out != nullptr) out->push_back(plain);
    }
  }

  static bool digit(char c) { return c >= '0' && c <= '9'; }

  bool number(json* out) {
    const char* start = p_;
    bool negative = false;
    if (*p_ == '-') {
      negative = true;
      ++p_;
    }
    if (p_ == end_ || !digit(*p_)) return fail("invalid value");
    if (*p_ == '0') {
      ++p_;
    } else {
      while (p_ != end_ && digit(*p_)) ++p_;
    }
    bool integral = true;
    if (p_ != end_ && *p_ == '.') {
      integral = false;
      ++p_;
      if (p_ == end_ || !digit(*p_)) return fail("invalid number");
      while (p_ != end_ && digit(*p_)) ++p_;
    }
    if (p_ != end_ && (*p_ == 'e' || *p_ == 'E')) {
      integral = false;
      ++p_;
      if (p_ != end_ && (*p_ == '+' || *p_ == '-')) ++p_;
      if (p_ == end_ || !digit(*p_)) return fail("invalid number");
      while (p_ != end_ && digit(*p_)) ++p_;
    }
    // Skipped integers need no conversion; skipped floats are still converted so that
    // an overflowing one rejects the document exactly as nlohmann would (floats are rare).
    if (out == nullptr && integral) return true;
    // Same representation as nlohmann: unsigned for non-negative integers, signed for
    // negative ones, double for fractions and for integers out of 64-bit range.
    if (integral) {
      if (negative) {
        int64_t v = 0;
        auto r = std::from_chars(start, p_, v);
        if (r.ec == std::errc{} && r.ptr == p_) {
          *out = v;
          return true;
        }
      } else {
        uint64_t v = 0;
        auto r = std::from_chars(start, p_, v);
        if (r.ec == std::errc{} && r.ptr == p_) {
          *out = v;
          return true;
        }
      }
    }
    double d = 0;
    auto r = std::from_chars(start, p_, d);
    if (r.ptr != p_) return fail("invalid number");
    if (r.ec == std::errc::result_out_of_range) {
      // Like nlohmann (strtod): underflow rounds towards zero, overflow is an error.
      d = std::strtod(std::string{start, p_}.c_str(), nullptr);
      if (!std::isfinite(d)) return fail("number overflow");
    }
    if (out != nullptr) *out = d;
    return true;
  }

  const char* p_;
  const char* begin_;
  const char* end_;
  std::string error_;
};

} // namespace

kelos::expected<json> parse_filtered(std::string_view text, const filter_node& filter) {
  json root;
  fast_parser parser(text);
  if (!parser.parse(root, filter)) return make_error(errc::parse_error, "invalid JSON: " + parser.error());
  return root;
}

kelos::expected<json> parse_whole(std::string_view text) {
  static const filter_node all = [] {
    filter_node f;
    f.all = true;
    return f;
  }();
  return parse_filtered(text, all);
}

} // namespace kelos::k8s
