#include "sources/template/exec.hpp"

#include "sources/template/funcs.hpp"
#include "sources/template/lexer.hpp"
#include "sources/template/value.hpp"

#include <memory>
#include <utility>
#include <vector>

namespace kelos::sources::tmpl {

namespace {

const k8s::json null_json;

// A value during execution: a pointer into the data, the tree or an owned result.
// `owner` keeps owned results (and anything pointed into them) alive.
struct value {
  std::shared_ptr<const k8s::json> owner;
  const k8s::json* ptr = &null_json;

  static value borrowed(const k8s::json* p) { return value{nullptr, p}; }
  static value owned(k8s::json j) {
    auto o = std::make_shared<const k8s::json>(std::move(j));
    auto p = o.get();
    return value{std::move(o), p};
  }
  const k8s::json& get() const { return *ptr; }
  value sub(const k8s::json* p) const { return value{owner, p}; }
};

// Unwinds execution to `execute`; never crosses the interface.
struct exec_failure {
  kelos::error err;
};

class executor {
public:
  executor(const parsed_template& t, const template_options& o) : t_(t), o_(o) {
    // nop
  }

  std::string run(const k8s::json& data) {
    auto root = value::borrowed(&data);
    vars_.emplace_back("$", root);
    walk_list(t_.root, root);
    return std::move(out_);
  }

private:
  enum class signal { none, break_loop, continue_loop };

  [[noreturn]] void fail(std::size_t begin, std::size_t end, const std::string& why) {
    auto lc = locate(t_.source, begin);
    std::string at{std::string_view{t_.source}.substr(begin, end > begin ? end - begin : 0)};
    if (at.size() > 80)
      at = at.substr(0, 77) + "...";
    std::string msg = "template: " + t_.name + ':' + std::to_string(lc.line) + ':'
                      + std::to_string(lc.col) + ": executing \"" + t_.name + "\" at <" + at
                      + ">: " + why;
    throw exec_failure{make_error(errc::invalid_spec, std::move(msg))};
  }

  void step(std::size_t begin, std::size_t end) {
    if (++steps_ > o_.max_steps)
      fail(begin, end, "execution exceeded " + std::to_string(o_.max_steps) + " steps");
  }

  void emit(std::string_view s, std::size_t begin, std::size_t end) {
    if (out_.size() + s.size() > o_.max_output_bytes)
      fail(begin, end, "output exceeds " + std::to_string(o_.max_output_bytes) + " bytes");
    out_ += s;
  }

  void walk_list(const std::vector<node>& list, const value& dot) {
    for (const auto& n : list) {
      walk(n, dot);
      if (sig_ != signal::none)
        return;
    }
  }

  void walk(const node& n, const value& dot) {
    step(n.begin, n.end);
    switch (n.kind) {
      case node_kind::text:
        emit(n.text, n.begin, n.end);
        return;
      case node_kind::action: {
        auto v = eval_pipeline(*n.pipe, dot);
        if (n.pipe->decl.empty()) {
          std::string s;
          append_action_value(s, v.get());
          emit(s, n.pipe->begin, n.pipe->end);
        }
        return;
      }
      case node_kind::if_:
      case node_kind::with: {
        auto mark = vars_.size();
        auto v = eval_pipeline(*n.pipe, dot);
        if (truth(v.get()))
          walk_list(n.list, n.kind == node_kind::with ? v : dot);
        else
          walk_list(n.else_list, dot);
        vars_.resize(mark);
        return;
      }
      case node_kind::range:
        walk_range(n, dot);
        return;
      case node_kind::break_:
        sig_ = signal::break_loop;
        return;
      case node_kind::continue_:
        sig_ = signal::continue_loop;
        return;
    }
  }

  // One iteration; returns false when the loop must stop (break).
  bool iterate(const node& n, const value& key, const value& elem, std::size_t vars_top) {
    step(n.begin, n.end);
    const auto& decl = n.pipe->decl;
    if (!decl.empty()) {
      if (n.pipe->is_assign) {
        set_var(decl.size() == 1 ? decl[0] : decl[1], elem, n);
        if (decl.size() > 1)
          set_var(decl[0], key, n);
      } else {
        vars_[vars_top - 1].second = elem;
        if (decl.size() > 1)
          vars_[vars_top - 2].second = key;
      }
    }
    walk_list(n.list, elem);
    vars_.resize(vars_top);
    auto sig = sig_;
    sig_ = signal::none;
    return sig != signal::break_loop;
  }

  void walk_range(const node& n, const value& dot) {
    auto mark = vars_.size();
    auto v = eval_pipeline(*n.pipe, dot);
    auto top = vars_.size();
    const auto& j = v.get();
    bool any = false;
    if (j.is_array()) {
      for (std::size_t i = 0; i < j.size(); ++i) {
        any = true;
        auto key = value::owned(k8s::json(static_cast<std::int64_t>(i)));
        if (!iterate(n, key, v.sub(&j[i]), top))
          break;
      }
    } else if (j.is_object()) {
      // nlohmann objects are ordered by key: Go also visits map keys in sorted order.
      for (auto it = j.begin(); it != j.end(); ++it) {
        any = true;
        auto key = value::owned(k8s::json(it.key()));
        if (!iterate(n, key, v.sub(&*it), top))
          break;
      }
    } else if (j.is_number_integer()) {
      // Go 1.22: range over an integer n visits 0..n-1.
      if (n.pipe->decl.size() > 1)
        fail(n.pipe->begin, n.pipe->end, "can't use two variables when ranging over an integer");
      auto count = j.is_number_unsigned() ? static_cast<std::int64_t>(std::min<std::uint64_t>(
                                              j.get<std::uint64_t>(), INT64_MAX))
                                          : j.get<std::int64_t>();
      for (std::int64_t i = 0; i < count; ++i) {
        any = true;
        auto e = value::owned(k8s::json(i));
        if (!iterate(n, e, e, top))
          break;
      }
    } else if (!j.is_null()) {
      fail(n.pipe->begin, n.pipe->end, "range can't iterate over " + [&] {
        std::string s;
        append_value(s, j);
        return s.size() > 40 ? s.substr(0, 40) + "..." : s;
      }());
    }
    if (!any)
      walk_list(n.else_list, dot);
    vars_.resize(mark);
  }

  void set_var(const std::string& name, const value& v, const node& n) {
    for (auto it = vars_.rbegin(); it != vars_.rend(); ++it) {
      if (it->first == name) {
        it->second = v;
        return;
      }
    }
    fail(n.begin, n.end, "undefined variable: " + name);
  }

  value eval_pipeline(const pipe_node& p, const value& dot) {
    value v;
    bool have = false;
    for (const auto& c : p.cmds) {
      v = eval_command(c, dot, have ? &v : nullptr);
      have = true;
    }
    for (const auto& d : p.decl) {
      if (p.is_assign) {
        bool found = false;
        for (auto it = vars_.rbegin(); it != vars_.rend() && !found; ++it) {
          if (it->first == d) {
            it->second = v;
            found = true;
          }
        }
        if (!found)
          fail(p.begin, p.end, "undefined variable: " + d);
      } else {
        vars_.emplace_back(d, v);
      }
    }
    return v;
  }

  value eval_command(const command_node& c, const value& dot, const value* final) {
    const auto& first = c.args[0];
    bool has_args = c.args.size() > 1 || final != nullptr;
    switch (first.kind) {
      case arg_kind::identifier:
        return call(first, c, dot, final);
      case arg_kind::nil:
        fail(c.begin, c.end, "nil is not a command");
      case arg_kind::field:
        if (has_args)
          fail(c.begin, c.end, first.fields.back() + " is not a method but has arguments");
        return eval_arg(first, dot);
      default:
        if (has_args)
          fail(c.begin, c.end, "can't give argument to non-function " + source_of(first));
        return eval_arg(first, dot);
    }
  }

  std::string source_of(const arg_node& a) const {
    return std::string{std::string_view{t_.source}.substr(a.begin, a.end - a.begin)};
  }

  value eval_fields(value v, const std::vector<std::string>& fields, const arg_node& a) {
    for (const auto& f : fields) {
      const auto& j = v.get();
      if (j.is_object()) {
        auto it = j.find(f);
        if (it != j.end()) {
          v = v.sub(&*it);
          continue;
        }
        if (o_.missing == missing_key::error)
          fail(a.begin, a.end, "map has no entry for key \"" + f + "\"");
        v = value::borrowed(&null_json);
      } else if (j.is_null()) {
        if (o_.missing == missing_key::error)
          fail(a.begin, a.end, "nil pointer evaluating interface {}." + f);
      } else {
        fail(a.begin, a.end, "can't evaluate field " + f + " in type " + go_type_name(j));
      }
    }
    return v;
  }

  value eval_arg(const arg_node& a, const value& dot) {
    step(a.begin, a.end);
    switch (a.kind) {
      case arg_kind::field:
        return eval_fields(dot, a.fields, a);
      case arg_kind::variable: {
        for (auto it = vars_.rbegin(); it != vars_.rend(); ++it)
          if (it->first == a.name)
            return eval_fields(it->second, a.fields, a);
        fail(a.begin, a.end, "undefined variable: " + a.name);
      }
      case arg_kind::dot:
        return dot;
      case arg_kind::nil:
        return value::borrowed(&null_json);
      case arg_kind::literal:
        return value::borrowed(&a.literal);
      case arg_kind::pipe:
        return eval_fields(eval_pipeline(*a.pipe, dot), a.fields, a);
      case arg_kind::identifier: {
        command_node c;
        c.args.push_back(a);
        c.begin = a.begin;
        c.end = a.end;
        auto v = call(a, c, dot, nullptr);
        return eval_fields(std::move(v), a.fields, a);
      }
    }
    return value::borrowed(&null_json);
  }

  value call(const arg_node& fn, const command_node& c, const value& dot, const value* final) {
    const auto& name = fn.name;
    auto argc = c.args.size() - 1 + (final ? 1 : 0);
    if (name == "and" || name == "or") {
      // Short-circuit like Go 1.18+: the result is the first decisive operand.
      if (argc == 0)
        fail(c.begin, c.end, "wrong number of args for " + name + ": want at least 1 got 0");
      value v;
      for (std::size_t i = 1; i < c.args.size(); ++i) {
        v = eval_arg(c.args[i], dot);
        if (truth(v.get()) == (name == "or"))
          return v;
      }
      return final ? *final : v;
    }
    std::vector<value> args;
    args.reserve(argc);
    for (std::size_t i = 1; i < c.args.size(); ++i)
      args.push_back(eval_arg(c.args[i], dot));
    if (final)
      args.push_back(*final);
    std::vector<const k8s::json*> ptrs;
    ptrs.reserve(args.size());
    for (const auto& a : args)
      ptrs.push_back(a.ptr);
    if (name == "index") {
      k8s::json scratch;
      auto r = index_value(ptrs, scratch);
      if (!r)
        fail(c.begin, c.end, r.error().message);
      if (*r == &scratch)
        return value::owned(std::move(scratch));
      return args.empty() ? value::borrowed(*r) : args[0].sub(*r);
    }
    auto r = call_builtin(name, ptrs, o_.max_output_bytes);
    if (!r)
      fail(c.begin, c.end, r.error().message);
    return value::owned(std::move(*r));
  }

  const parsed_template& t_;
  const template_options& o_;
  std::string out_;
  std::vector<std::pair<std::string, value>> vars_;
  std::uint64_t steps_ = 0;
  signal sig_ = signal::none;
};

} // namespace

expected<std::string> execute(const parsed_template& t, const k8s::json& data,
                              const template_options& opts) {
  try {
    executor e{t, opts};
    return e.run(data);
  } catch (const exec_failure& f) {
    return f.err;
  } catch (const std::exception& ex) {
    // nlohmann accessors are guarded above; this is a last line of defence.
    return make_error(errc::logic_error, std::string{"template: "} + t.name + ": " + ex.what());
  }
}

} // namespace kelos::sources::tmpl
