#include "sources/template/lexer.hpp"
#include "sources/template/utf8.hpp"

#include <cstdint>
#include <optional>

namespace kelos::sources::tmpl {

namespace {

constexpr std::string_view left_delim = "{{";
constexpr std::string_view right_delim = "}}";

bool is_space(char c) { return c == ' ' || c == '\t' || c == '\r' || c == '\n'; }
bool is_alpha(char c) {
  // Go accepts any Unicode letter; bytes >= 0x80 are accepted so UTF-8 names lex.
  return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || c == '_'
         || static_cast<unsigned char>(c) >= 0x80;
}
bool is_digit(char c) { return c >= '0' && c <= '9'; }
bool is_alnum(char c) { return is_alpha(c) || is_digit(c); }

int hex_value(char c) {
  if (c >= '0' && c <= '9')
    return c - '0';
  if (c >= 'a' && c <= 'f')
    return c - 'a' + 10;
  if (c >= 'A' && c <= 'F')
    return c - 'A' + 10;
  return -1;
}

class lexer {
public:
  lexer(std::string_view name, std::string_view src, std::size_t max_paren)
    : name_(name), src_(src), max_paren_(max_paren) {
    // nop
  }

  expected<std::vector<token>> run() {
    while (pos_ < src_.size()) {
      if (!lex_text())
        return err_;
      if (pos_ >= src_.size())
        break;
      if (!lex_action())
        return err_;
    }
    tokens_.push_back(token{token_kind::eof, {}, src_.size(), src_.size()});
    return std::move(tokens_);
  }

private:
  bool fail(std::size_t at, std::string_view msg) {
    err_ = parse_error_at(name_, src_, at, msg);
    return false;
  }

  void emit(token_kind kind, std::string text, std::size_t start) {
    tokens_.push_back(token{kind, std::move(text), start, pos_});
  }

  // Text up to the next left delimiter; applies a left trim marker to it.
  bool lex_text() {
    auto next = src_.find(left_delim, pos_);
    auto stop = next == std::string_view::npos ? src_.size() : next;
    auto text = src_.substr(pos_, stop - pos_);
    if (next != std::string_view::npos && has_left_trim(next)) {
      while (!text.empty() && is_space(text.back()))
        text.remove_suffix(1);
    }
    if (trim_next_text_) {
      while (!text.empty() && is_space(text.front()))
        text.remove_prefix(1);
      trim_next_text_ = false;
    }
    if (!text.empty())
      emit_at(token_kind::text, std::string{text}, pos_, stop);
    pos_ = stop;
    return true;
  }

  void emit_at(token_kind kind, std::string text, std::size_t start, std::size_t end) {
    tokens_.push_back(token{kind, std::move(text), start, end});
  }

  // `{{- ` : a dash followed by an ASCII space character.
  bool has_left_trim(std::size_t delim_pos) const {
    auto p = delim_pos + left_delim.size();
    return p + 1 < src_.size() && src_[p] == '-' && is_space(src_[p + 1]);
  }

  // ` -}}` at pos_.
  bool at_right_trim() const {
    return pos_ + 3 < src_.size() + 0 && is_space(src_[pos_]) && src_[pos_ + 1] == '-'
           && src_.substr(pos_ + 2, 2) == right_delim;
  }

  bool at_right_delim() const { return src_.substr(pos_, 2) == right_delim; }

  bool lex_action() {
    auto start = pos_;
    bool trim = has_left_trim(pos_);
    pos_ += left_delim.size() + (trim ? 2 : 0);
    // Comments: `{{/* ... */}}`, optionally with trim markers.
    if (src_.substr(pos_, 2) == "/*") {
      auto close = src_.find("*/", pos_ + 2);
      if (close == std::string_view::npos)
        return fail(start, "unclosed comment");
      pos_ = close + 2;
      if (at_right_trim()) {
        pos_ += 4;
        trim_next_text_ = true;
      } else if (at_right_delim()) {
        pos_ += 2;
      } else {
        return fail(start, "comment ends before closing delimiter");
      }
      return true;
    }
    emit_at(token_kind::left_delim, "{{", start, pos_);
    std::size_t paren = 0;
    for (;;) {
      if (pos_ >= src_.size())
        return fail(start, "unclosed action");
      if (at_right_trim() || at_right_delim()) {
        if (paren > 0)
          return fail(pos_, "unclosed left paren");
        auto s = pos_;
        if (at_right_trim()) {
          pos_ += 4;
          trim_next_text_ = true;
        } else {
          pos_ += 2;
        }
        emit(token_kind::right_delim, "}}", s);
        return true;
      }
      auto s = pos_;
      char c = src_[pos_];
      if (is_space(c)) {
        while (pos_ < src_.size() && is_space(src_[pos_]) && !at_right_trim())
          ++pos_;
        emit(token_kind::space, " ", s);
      } else if (c == '=') {
        ++pos_;
        emit(token_kind::assign, "=", s);
      } else if (c == ':') {
        if (pos_ + 1 >= src_.size() || src_[pos_ + 1] != '=')
          return fail(s, "expected :=");
        pos_ += 2;
        emit(token_kind::declare, ":=", s);
      } else if (c == '|') {
        ++pos_;
        emit(token_kind::pipe, "|", s);
      } else if (c == ',') {
        ++pos_;
        emit(token_kind::comma, ",", s);
      } else if (c == '(') {
        if (++paren > max_paren_)
          return fail(s, "parentheses nested too deeply");
        ++pos_;
        emit(token_kind::left_paren, "(", s);
      } else if (c == ')') {
        if (paren == 0)
          return fail(s, "unexpected right paren");
        --paren;
        ++pos_;
        emit(token_kind::right_paren, ")", s);
      } else if (c == '"') {
        if (!lex_quote())
          return false;
      } else if (c == '`') {
        auto close = src_.find('`', pos_ + 1);
        if (close == std::string_view::npos)
          return fail(s, "unterminated raw quoted string");
        std::string value{src_.substr(pos_ + 1, close - pos_ - 1)};
        // Go drops carriage returns from raw strings.
        std::erase(value, '\r');
        pos_ = close + 1;
        emit(token_kind::string, std::move(value), s);
      } else if (c == '\'') {
        if (!lex_char())
          return false;
      } else if (c == '$') {
        ++pos_;
        while (pos_ < src_.size() && is_alnum(src_[pos_]))
          ++pos_;
        if (!check_terminator())
          return false;
        emit(token_kind::variable, std::string{src_.substr(s, pos_ - s)}, s);
      } else if (c == '.' && (pos_ + 1 >= src_.size() || !is_digit(src_[pos_ + 1]))) {
        ++pos_;
        if (pos_ < src_.size() && is_alnum(src_[pos_])) {
          while (pos_ < src_.size() && is_alnum(src_[pos_]))
            ++pos_;
          if (!check_terminator())
            return false;
          emit(token_kind::field, std::string{src_.substr(s + 1, pos_ - s - 1)}, s);
        } else {
          emit(token_kind::dot, ".", s);
        }
      } else if (c == '.' || c == '+' || c == '-' || is_digit(c)) {
        if (!lex_number())
          return false;
      } else if (is_alpha(c)) {
        while (pos_ < src_.size() && is_alnum(src_[pos_]))
          ++pos_;
        if (!check_terminator())
          return false;
        std::string word{src_.substr(s, pos_ - s)};
        if (word == "true" || word == "false")
          emit(token_kind::boolean, std::move(word), s);
        else if (word == "nil")
          emit(token_kind::nil, std::move(word), s);
        else if (word == "if" || word == "else" || word == "end" || word == "range"
                 || word == "with" || word == "break" || word == "continue"
                 || word == "define" || word == "template" || word == "block")
          emit(token_kind::keyword, std::move(word), s);
        else
          emit(token_kind::identifier, std::move(word), s);
      } else {
        return fail(s, "unrecognized character in action");
      }
    }
  }

  // After an identifier, field or variable Go requires a terminator character.
  bool check_terminator() {
    if (pos_ >= src_.size())
      return true;
    char c = src_[pos_];
    if (is_space(c) || c == '.' || c == ',' || c == '|' || c == ':' || c == ')' || c == '('
        || c == '=' || at_right_delim())
      return true;
    return fail(pos_, "bad character in identifier");
  }

  bool lex_quote() {
    auto s = pos_;
    ++pos_;
    std::string value;
    for (;;) {
      if (pos_ >= src_.size() || src_[pos_] == '\n')
        return fail(s, "unterminated quoted string");
      char c = src_[pos_++];
      if (c == '"')
        break;
      if (c != '\\') {
        value += c;
        continue;
      }
      if (!unescape(value, '"'))
        return false;
    }
    emit(token_kind::string, std::move(value), s);
    return true;
  }

  // Character constants become numbers (their code point), as in Go.
  bool lex_char() {
    auto s = pos_;
    ++pos_;
    std::string value;
    if (pos_ >= src_.size() || src_[pos_] == '\n' || src_[pos_] == '\'')
      return fail(s, "malformed character constant");
    if (src_[pos_] == '\\') {
      ++pos_;
      if (!unescape(value, '\''))
        return false;
    } else {
      // Decode one UTF-8 sequence (invalid bytes count as themselves).
      auto b = static_cast<unsigned char>(src_[pos_]);
      std::size_t n = b < 0x80 ? 1 : b >= 0xF0 ? 4 : b >= 0xE0 ? 3 : b >= 0xC0 ? 2 : 1;
      value = std::string{src_.substr(pos_, n)};
      pos_ += value.size();
    }
    if (pos_ >= src_.size() || src_[pos_] != '\'')
      return fail(s, "malformed character constant");
    ++pos_;
    std::uint32_t cp = 0;
    auto b0 = static_cast<unsigned char>(value[0]);
    if (value.size() == 1 || b0 < 0x80) {
      cp = b0;
    } else {
      cp = b0 & (value.size() == 2 ? 0x1F : value.size() == 3 ? 0x0F : 0x07);
      for (std::size_t i = 1; i < value.size(); ++i)
        cp = (cp << 6) | (static_cast<unsigned char>(value[i]) & 0x3F);
    }
    emit(token_kind::number, std::to_string(cp), s);
    return true;
  }

  // Called with pos_ just after a backslash.
  bool unescape(std::string& out, char quote) {
    auto s = pos_ - 1;
    if (pos_ >= src_.size())
      return fail(s, "unterminated quoted string");
    char e = src_[pos_++];
    switch (e) {
      case 'a': out += '\a'; return true;
      case 'b': out += '\b'; return true;
      case 'f': out += '\f'; return true;
      case 'n': out += '\n'; return true;
      case 'r': out += '\r'; return true;
      case 't': out += '\t'; return true;
      case 'v': out += '\v'; return true;
      case '\\': out += '\\'; return true;
      case 'x':
      case 'u':
      case 'U': {
        std::size_t n = e == 'x' ? 2 : e == 'u' ? 4 : 8;
        std::uint32_t v = 0;
        for (std::size_t i = 0; i < n; ++i) {
          int h = pos_ < src_.size() ? hex_value(src_[pos_]) : -1;
          if (h < 0)
            return fail(s, "invalid escape in quoted string");
          v = v * 16 + static_cast<std::uint32_t>(h);
          ++pos_;
        }
        if (e == 'x')
          out += static_cast<char>(v);
        else
          append_utf8(out, v);
        return true;
      }
      default:
        if (e == quote) {
          out += e;
          return true;
        }
        if (e >= '0' && e <= '7') {
          std::uint32_t v = static_cast<std::uint32_t>(e - '0');
          for (int i = 0; i < 2; ++i) {
            if (pos_ >= src_.size() || src_[pos_] < '0' || src_[pos_] > '7')
              return fail(s, "invalid escape in quoted string");
            v = v * 8 + static_cast<std::uint32_t>(src_[pos_++] - '0');
          }
          if (v > 255)
            return fail(s, "invalid escape in quoted string");
          out += static_cast<char>(v);
          return true;
        }
        return fail(s, "invalid escape in quoted string");
    }
  }

  // Accepts Go number syntax loosely; the parser validates the value.
  bool lex_number() {
    auto s = pos_;
    if (src_[pos_] == '+' || src_[pos_] == '-')
      ++pos_;
    while (pos_ < src_.size()) {
      char c = src_[pos_];
      bool exp_sign = (c == '+' || c == '-') && pos_ > s
                      && (src_[pos_ - 1] == 'e' || src_[pos_ - 1] == 'E'
                          || src_[pos_ - 1] == 'p' || src_[pos_ - 1] == 'P')
                      && !(src_.substr(s, 2) == "0x" || src_.substr(s, 2) == "0X"
                           || src_.substr(s + 1, 2) == "0x" || src_.substr(s + 1, 2) == "0X")
                      ;
      if (is_alnum(c) || c == '.' || c == '_' || exp_sign)
        ++pos_;
      else
        break;
    }
    if (pos_ < src_.size() && !is_space(src_[pos_]) && src_[pos_] != ')' && src_[pos_] != '|'
        && src_[pos_] != ',' && !at_right_delim())
      return fail(s, "bad number syntax");
    emit(token_kind::number, std::string{src_.substr(s, pos_ - s)}, s);
    return true;
  }

  std::string_view name_;
  std::string_view src_;
  std::size_t max_paren_;
  std::size_t pos_ = 0;
  bool trim_next_text_ = false;
  std::vector<token> tokens_;
  kelos::error err_;
};

} // namespace

line_col locate(std::string_view src, std::size_t pos) {
  line_col lc;
  pos = std::min(pos, src.size());
  for (std::size_t i = 0; i < pos; ++i) {
    if (src[i] == '\n') {
      ++lc.line;
      lc.col = 1;
    } else {
      ++lc.col;
    }
  }
  return lc;
}

kelos::error parse_error_at(std::string_view name, std::string_view src, std::size_t pos,
                            std::string_view message) {
  auto lc = locate(src, pos);
  std::string msg = "template: ";
  msg += name;
  msg += ':' + std::to_string(lc.line) + ':' + std::to_string(lc.col) + ": ";
  msg += message;
  return make_error(errc::parse_error, std::move(msg));
}

expected<std::vector<token>> lex(std::string_view name, std::string_view src,
                                 std::size_t max_paren_depth) {
  return lexer{name, src, max_paren_depth}.run();
}

} // namespace kelos::sources::tmpl
