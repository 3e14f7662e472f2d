#include "runtime/metrics.hpp"

#include <algorithm>
#include <charconv>
#include <cmath>
#include <limits>
#include <numeric>
#include <stdexcept>

namespace kelos::metrics {

const char* to_string(metric_type t) noexcept {
  switch (t) {
    case metric_type::counter:
      return "counter";
    case metric_type::gauge:
      return "gauge";
    case metric_type::histogram:
      return "histogram";
  }
  return "untyped";
}

void counter::inc(double v) noexcept {
  if (!(v >= 0)) // also false for NaN
    return;
  value_.fetch_add(v, std::memory_order_relaxed);
}

histogram::histogram(std::vector<double> upper_bounds)
  : bounds_(std::move(upper_bounds)), counts_(bounds_.size() + 1, 0) {
}

void histogram::observe(double v) {
  // First bucket with v <= bound; NaN lands in +Inf, as in client_golang.
  auto i = static_cast<std::size_t>(std::lower_bound(bounds_.begin(), bounds_.end(), v) - bounds_.begin());
  std::lock_guard lock{mutex_};
  ++counts_[i];
  sum_ += v;
}

histogram::snapshot histogram::read() const {
  snapshot s;
  s.upper_bounds = bounds_;
  std::lock_guard lock{mutex_};
  s.cumulative.resize(counts_.size());
  std::partial_sum(counts_.begin(), counts_.end(), s.cumulative.begin());
  s.count = s.cumulative.back();
  s.sum = sum_;
  return s;
}

namespace detail {

/// One registered family: its definition and its series, keyed by label values in
/// the order of `sorted_names` so that map order is exposition order.
struct family_state {
  std::string name;
  std::string help;
  metric_type type = metric_type::counter;
  std::vector<std::string> label_names;
  std::vector<double> buckets;
  /// `order[i]` is the registration index of the i-th label name in sorted order.
  std::vector<std::size_t> order;

  struct slot {
    std::unique_ptr<metrics::counter> c;
    std::unique_ptr<metrics::gauge> g;
    std::unique_ptr<metrics::histogram> h;
  };
  mutable std::mutex mutex;
  std::map<std::vector<std::string>, slot> series;
  /// Series removed from export; kept allocated for references still held.
  std::vector<slot> retired;

  bool same_definition(const family_state& o) const {
    return type == o.type && help == o.help && label_names == o.label_names && buckets == o.buckets;
  }

  /// `values` (registration order) in sorted label-name order: the key of `series`.
  std::vector<std::string> key_of(const std::vector<std::string>& values) const {
    std::vector<std::string> key;
    key.reserve(order.size());
    for (auto i : order)
      key.push_back(values[i]);
    return key;
  }

  slot& find_or_create(const std::vector<std::string>& values) {
    auto key = key_of(values);
    std::lock_guard lock{mutex};
    auto [it, inserted] = series.try_emplace(std::move(key));
    if (inserted) {
      switch (type) {
        case metric_type::counter:
          it->second.c = std::make_unique<metrics::counter>();
          break;
        case metric_type::gauge:
          it->second.g = std::make_unique<metrics::gauge>();
          break;
        case metric_type::histogram:
          it->second.h = std::make_unique<metrics::histogram>(buckets);
          break;
      }
    }
    return it->second;
  }

  /// Unlists the series of `values`; its objects move to `retired`, so references handed
  /// out by `with` stay valid (a late update is simply not exported).
  bool retire(const std::vector<std::string>& values) {
    auto key = key_of(values);
    std::lock_guard lock{mutex};
    auto it = series.find(key);
    if (it == series.end())
      return false;
    retired.push_back(std::move(it->second));
    series.erase(it);
    return true;
  }
};

} // namespace detail

namespace {

template <class Series>
Series& pick(detail::family_state::slot& s);
template <>
counter& pick<counter>(detail::family_state::slot& s) {
  return *s.c;
}
template <>
gauge& pick<gauge>(detail::family_state::slot& s) {
  return *s.g;
}
template <>
histogram& pick<histogram>(detail::family_state::slot& s) {
  return *s.h;
}

std::string arity_message(const detail::family_state& f, std::size_t got) {
  return "metric " + f.name + ": expected " + std::to_string(f.label_names.size()) +
         " label values, got " + std::to_string(got);
}

bool valid_name(std::string_view s, bool allow_colon) {
  if (s.empty())
    return false;
  auto ok = [&](char c, bool first) {
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || c == '_' || (allow_colon && c == ':') ||
           (!first && c >= '0' && c <= '9');
  };
  for (std::size_t i = 0; i < s.size(); ++i)
    if (!ok(s[i], i == 0))
      return false;
  return true;
}

} // namespace

template <class Series>
Series& family<Series>::with(const std::vector<std::string>& label_values) const {
  if (label_values.size() != state_->label_names.size())
    throw std::invalid_argument(arity_message(*state_, label_values.size()));
  return pick<Series>(state_->find_or_create(label_values));
}

template <class Series>
expected<Series*> family<Series>::try_with(const std::vector<std::string>& label_values) const {
  if (label_values.size() != state_->label_names.size())
    return make_error(errc::invalid_spec, arity_message(*state_, label_values.size()));
  return &pick<Series>(state_->find_or_create(label_values));
}

template <class Series>
bool family<Series>::remove(const std::vector<std::string>& label_values) const {
  if (label_values.size() != state_->label_names.size())
    throw std::invalid_argument(arity_message(*state_, label_values.size()));
  return state_->retire(label_values);
}

template <class Series>
const std::string& family<Series>::name() const {
  return state_->name;
}

template <class Series>
const std::vector<std::string>& family<Series>::label_names() const {
  return state_->label_names;
}

template class family<counter>;
template class family<gauge>;
template class family<histogram>;

std::vector<double> default_buckets() {
  return {.005, .01, .025, .05, .1, .25, .5, 1, 2.5, 5, 10};
}

struct registry::impl {
  mutable std::mutex mutex;
  std::map<std::string, std::shared_ptr<detail::family_state>, std::less<>> families;

  expected<std::shared_ptr<detail::family_state>> add(std::string_view name, std::string_view help,
                                                      metric_type type,
                                                      std::vector<std::string> label_names,
                                                      std::vector<double> buckets) {
    std::string n{name};
    if (!valid_name(name, true) || name.substr(0, 2) == "__")
      return make_error(errc::invalid_spec, "metric name " + n + " is not valid");
    for (std::size_t i = 0; i < label_names.size(); ++i) {
      const auto& l = label_names[i];
      if (!valid_name(l, false) || l.substr(0, 2) == "__")
        return make_error(errc::invalid_spec, "metric " + n + ": label name \"" + l + "\" is not valid");
      if (type == metric_type::histogram && l == "le")
        return make_error(errc::invalid_spec, "metric " + n + ": label name \"le\" is reserved for histograms");
      if (std::find(label_names.begin(), label_names.begin() + static_cast<std::ptrdiff_t>(i), l) !=
          label_names.begin() + static_cast<std::ptrdiff_t>(i))
        return make_error(errc::invalid_spec, "metric " + n + ": label name " + l + " is duplicated");
    }
    if (type == metric_type::histogram) {
      if (!buckets.empty() && std::isinf(buckets.back()) && buckets.back() > 0)
        buckets.pop_back();
      if (buckets.empty())
        buckets = default_buckets();
      for (std::size_t i = 0; i < buckets.size(); ++i)
        if (std::isnan(buckets[i]) || (i > 0 && !(buckets[i - 1] < buckets[i])))
          return make_error(errc::invalid_spec,
                            "metric " + n + ": histogram buckets must be strictly increasing");
    }

    auto f = std::make_shared<detail::family_state>();
    f->name = n;
    f->help = std::string{help};
    f->type = type;
    f->label_names = std::move(label_names);
    f->buckets = std::move(buckets);
    f->order.resize(f->label_names.size());
    std::iota(f->order.begin(), f->order.end(), std::size_t{0});
    std::sort(f->order.begin(), f->order.end(),
              [&](std::size_t a, std::size_t b) { return f->label_names[a] < f->label_names[b]; });

    std::lock_guard lock{mutex};
    auto it = families.find(name);
    if (it != families.end()) {
      if (it->second->same_definition(*f))
        return it->second;
      return make_error(errc::already_exists,
                        "metric " + n + " is already registered as a " + to_string(it->second->type) +
                          " with a different definition");
    }
    if (f->label_names.empty())
      f->find_or_create({}); // an unlabelled metric is exposed from the start, as 0
    families.emplace(n, f);
    return f;
  }
};

registry::registry() : impl_(std::make_unique<impl>()) {
}

registry::~registry() = default;

namespace {

template <class Family>
expected<Family> as_family(expected<std::shared_ptr<detail::family_state>> f) {
  if (!f)
    return std::move(f).error();
  return Family{std::move(*f)};
}

} // namespace

expected<counter_family> registry::counter(std::string_view name, std::string_view help,
                                           std::vector<std::string> label_names) {
  return as_family<counter_family>(impl_->add(name, help, metric_type::counter, std::move(label_names), {}));
}

expected<gauge_family> registry::gauge(std::string_view name, std::string_view help,
                                       std::vector<std::string> label_names) {
  return as_family<gauge_family>(impl_->add(name, help, metric_type::gauge, std::move(label_names), {}));
}

expected<histogram_family> registry::histogram(std::string_view name, std::string_view help,
                                               std::vector<std::string> label_names,
                                               std::vector<double> buckets) {
  return as_family<histogram_family>(
    impl_->add(name, help, metric_type::histogram, std::move(label_names), std::move(buckets)));
}

std::string format_value(double v) {
  if (std::isnan(v))
    return "NaN";
  if (std::isinf(v))
    return v > 0 ? "+Inf" : "-Inf";
  if (v == 0)
    return "0";
  // Go's 'g' with shortest precision: scientific when the decimal exponent is < -4 or
  // >= 6, else fixed; both with the fewest digits that round-trip.
  char buf[64];
  auto sci = std::to_chars(buf, buf + sizeof buf, v, std::chars_format::scientific);
  std::string_view s{buf, static_cast<std::size_t>(sci.ptr - buf)};
  int exp = std::stoi(std::string{s.substr(s.find('e') + 1)});
  if (exp < -4 || exp >= 6)
    return std::string{s};
  auto fix = std::to_chars(buf, buf + sizeof buf, v, std::chars_format::fixed);
  return std::string{buf, fix.ptr};
}

namespace {

std::string escape(std::string_view v, bool quotes) {
  std::string out;
  out.reserve(v.size());
  for (char c : v) {
    if (c == '\\')
      out += "\\\\";
    else if (c == '\n')
      out += "\\n";
    else if (quotes && c == '"')
      out += "\\\"";
    else
      out += c;
  }
  return out;
}

/// `name{a="x",b="y"}` or `name` when there are no labels; `extra` (e.g. le) goes last.
void write_series_name(std::string& out, std::string_view name, std::string_view suffix,
                       const detail::family_state& f, const std::vector<std::string>& values,
                       std::string_view extra_name = {}, std::string_view extra_value = {}) {
  out += name;
  out += suffix;
  if (values.empty() && extra_name.empty())
    return;
  out += '{';
  bool first = true;
  auto label = [&](std::string_view n, std::string_view v) {
    if (!first)
      out += ',';
    first = false;
    out += n;
    out += "=\"";
    out += escape_label_value(v);
    out += '"';
  };
  for (std::size_t i = 0; i < values.size(); ++i)
    label(f.label_names[f.order[i]], values[i]);
  if (!extra_name.empty())
    label(extra_name, extra_value);
  out += '}';
}

void write_sample(std::string& out, std::string_view value) {
  out += ' ';
  out += value;
  out += '\n';
}

void render_family(std::string& out, const detail::family_state& f) {
  std::lock_guard lock{f.mutex};
  if (f.series.empty())
    return;
  out += "# HELP " + f.name + " " + escape_help(f.help) + "\n";
  out += "# TYPE " + f.name + " " + to_string(f.type) + "\n";
  for (const auto& [values, slot] : f.series) {
    switch (f.type) {
      case metric_type::counter:
        write_series_name(out, f.name, "", f, values);
        write_sample(out, format_value(slot.c->value()));
        break;
      case metric_type::gauge:
        write_series_name(out, f.name, "", f, values);
        write_sample(out, format_value(slot.g->value()));
        break;
      case metric_type::histogram: {
        auto snap = slot.h->read();
        for (std::size_t i = 0; i <= snap.upper_bounds.size(); ++i) {
          auto le = i < snap.upper_bounds.size() ? format_value(snap.upper_bounds[i]) : std::string{"+Inf"};
          write_series_name(out, f.name, "_bucket", f, values, "le", le);
          write_sample(out, format_value(static_cast<double>(snap.cumulative[i])));
        }
        write_series_name(out, f.name, "_sum", f, values);
        write_sample(out, format_value(snap.sum));
        write_series_name(out, f.name, "_count", f, values);
        write_sample(out, format_value(static_cast<double>(snap.count)));
        break;
      }
    }
  }
}

} // namespace

std::string escape_label_value(std::string_view v) {
  return escape(v, true);
}

std::string escape_help(std::string_view v) {
  return escape(v, false);
}

std::string registry::render() const {
  std::vector<std::shared_ptr<detail::family_state>> families;
  {
    std::lock_guard lock{impl_->mutex};
    for (const auto& [name, f] : impl_->families)
      families.push_back(f);
  }
  std::string out;
  for (const auto& f : families)
    render_family(out, *f);
  return out;
}

std::optional<double> parse_usage_value(std::string_view text) {
  // Go's ParseFloat takes one leading '+'; from_chars takes none.
  bool plus = !text.empty() && text.front() == '+';
  if (plus)
    text.remove_prefix(1);
  if (text.empty() || (plus && text.front() == '-'))
    return std::nullopt;
  double v = 0;
  auto [ptr, ec] = std::from_chars(text.data(), text.data() + text.size(), v, std::chars_format::general);
  if (ec != std::errc{} || ptr != text.data() + text.size() || !std::isfinite(v))
    return std::nullopt;
  return v;
}

std::vector<double> task_metrics::duration_buckets() {
  return {30, 60, 120, 300, 600, 1200, 1800, 3600};
}

expected<task_metrics> task_metrics::register_in(registry& r) {
  const std::vector<std::string> usage_labels{"namespace", "type", "spawner", "model"};
  auto created = r.counter("kelos_task_created_total", "Total number of Tasks for which a Job was created",
                           {"namespace", "type"});
  if (!created)
    return std::move(created).error();
  auto completed = r.counter("kelos_task_completed_total",
                             "Total number of Tasks that reached a terminal phase",
                             {"namespace", "type", "phase"});
  if (!completed)
    return std::move(completed).error();
  auto duration = r.histogram("kelos_task_duration_seconds",
                              "Duration of Task execution from start to completion",
                              {"namespace", "type", "phase"}, duration_buckets());
  if (!duration)
    return std::move(duration).error();
  auto errors = r.counter("kelos_reconcile_errors_total", "Total number of reconciliation errors",
                          {"controller"});
  if (!errors)
    return std::move(errors).error();
  auto cost = r.counter("kelos_task_cost_usd_total", "Total cost in USD of completed Tasks", usage_labels);
  if (!cost)
    return std::move(cost).error();
  auto input = r.counter("kelos_task_input_tokens_total",
                         "Total input tokens consumed by completed Tasks", usage_labels);
  if (!input)
    return std::move(input).error();
  auto output = r.counter("kelos_task_output_tokens_total",
                          "Total output tokens consumed by completed Tasks", usage_labels);
  if (!output)
    return std::move(output).error();
  return task_metrics{*created, *completed, *duration, *errors, *cost, *input, *output};
}

void task_metrics::record_usage(std::string_view ns, std::string_view type, std::string_view spawner,
                                std::string_view model,
                                const std::map<std::string, std::string>& results) const {
  const std::vector<std::string> labels{std::string{ns}, std::string{type}, std::string{spawner},
                                        std::string{model}};
  auto add = [&](const char* key, const counter_family& family) {
    auto it = results.find(key);
    if (it == results.end())
      return;
    auto v = parse_usage_value(it->second);
    if (v && *v > 0)
      family.with(labels).inc(*v);
  };
  add("cost-usd", cost_usd);
  add("input-tokens", input_tokens);
  add("output-tokens", output_tokens);
}

} // namespace kelos::metrics
