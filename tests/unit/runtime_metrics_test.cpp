#include "runtime/metrics.hpp"

#include <gtest/gtest.h>

#include <cmath>
#include <limits>
#include <thread>

using namespace kelos::metrics;

namespace {

// Reads one sample line's value ("name{...} value") from an exposition, or "" if absent.
std::string sample(const std::string& text, const std::string& series) {
  auto at = text.find(series + " ");
  if (at == std::string::npos || (at > 0 && text[at - 1] != '\n'))
    return {};
  auto start = at + series.size() + 1;
  return text.substr(start, text.find('\n', start) - start);
}

} // namespace

TEST(Metrics, RendersASmallRegistryExactly) {
  registry r;
  auto requests = r.counter("http_requests_total", "Requests served", {"method", "code"});
  auto temp = r.gauge("room_temperature", "Degrees");
  auto latency = r.histogram("latency_seconds", "Latency", {}, {0.1, 1, 10});
  ASSERT_TRUE(requests && temp && latency);
  requests->with({"GET", "200"}).inc();
  requests->with({"GET", "200"}).inc(2);
  requests->with({"POST", "500"}).inc(0.5);
  requests->with({"GET", "404"}).inc();
  temp->with({}).set(-3.25);
  latency->with({}).observe(0.05);
  latency->with({}).observe(0.1);
  latency->with({}).observe(5);
  latency->with({}).observe(50);

  EXPECT_EQ(r.render(),
            "# HELP http_requests_total Requests served\n"
            "# TYPE http_requests_total counter\n"
            "http_requests_total{code=\"200\",method=\"GET\"} 3\n"
            "http_requests_total{code=\"404\",method=\"GET\"} 1\n"
            "http_requests_total{code=\"500\",method=\"POST\"} 0.5\n"
            "# HELP latency_seconds Latency\n"
            "# TYPE latency_seconds histogram\n"
            "latency_seconds_bucket{le=\"0.1\"} 2\n"
            "latency_seconds_bucket{le=\"1\"} 2\n"
            "latency_seconds_bucket{le=\"10\"} 3\n"
            "latency_seconds_bucket{le=\"+Inf\"} 4\n"
            "latency_seconds_sum 55.15\n"
            "latency_seconds_count 4\n"
            "# HELP room_temperature Degrees\n"
            "# TYPE room_temperature gauge\n"
            "room_temperature -3.25\n");
}

TEST(Metrics, LabelledFamilyWithoutSeriesIsNotExposedButUnlabelledIsZero) {
  registry r;
  ASSERT_TRUE(r.counter("a_total", "A", {"x"}));
  ASSERT_TRUE(r.counter("b_total", "B"));
  EXPECT_EQ(r.render(), "# HELP b_total B\n# TYPE b_total counter\nb_total 0\n");
}

TEST(Metrics, RemovedSeriesIsNoLongerExportedAndHeldReferencesStayUsable) {
  registry r;
  auto g = r.gauge("left", "L", {"spawner", "kind"});
  ASSERT_TRUE(g);
  auto& gone = g->with({"ns/gone", "x"});
  gone.set(7);
  g->with({"ns/kept", "x"}).set(3);
  EXPECT_TRUE(g->remove({"ns/gone", "x"}));
  EXPECT_FALSE(g->remove({"ns/gone", "x"})) << "already removed";
  EXPECT_FALSE(g->remove({"ns/never", "x"}));
  gone.set(9); // a late update through a held reference: harmless, not exported
  EXPECT_EQ(r.render(), "# HELP left L\n# TYPE left gauge\nleft{kind=\"x\",spawner=\"ns/kept\"} 3\n");
  EXPECT_EQ(g->with({"ns/gone", "x"}).value(), 0) << "a new series starts at zero";
  EXPECT_THROW(g->remove({"ns/gone"}), std::invalid_argument);
}

TEST(Metrics, EscapesLabelValuesAndHelp) {
  registry r;
  auto c = r.counter("esc_total", "Line one\nback\\slash \"quoted\"", {"v"});
  ASSERT_TRUE(c);
  c->with({"a\\b\"c\nd"}).inc();
  EXPECT_EQ(r.render(),
            "# HELP esc_total Line one\\nback\\\\slash \"quoted\"\n"
            "# TYPE esc_total counter\n"
            "esc_total{v=\"a\\\\b\\\"c\\nd\"} 1\n");
  EXPECT_EQ(escape_label_value("plain"), "plain");
  EXPECT_EQ(escape_help("say \"hi\""), "say \"hi\"");
}

TEST(Metrics, HistogramBucketsAreCumulativeWithLabels) {
  registry r;
  auto h = r.histogram("d_seconds", "D", {"phase"}, {1, 2, 3});
  ASSERT_TRUE(h);
  for (double v : {0.5, 1.0, 1.5, 2.5, 2.5, 3.0, 7.0})
    h->with({"x"}).observe(v);
  auto snap = h->with({"x"}).read();
  EXPECT_EQ(snap.cumulative, (std::vector<uint64_t>{2, 3, 6, 7}));
  EXPECT_EQ(snap.count, 7u);
  EXPECT_DOUBLE_EQ(snap.sum, 18.0);
  auto text = r.render();
  EXPECT_EQ(sample(text, "d_seconds_bucket{phase=\"x\",le=\"1\"}"), "2");
  EXPECT_EQ(sample(text, "d_seconds_bucket{phase=\"x\",le=\"2\"}"), "3");
  EXPECT_EQ(sample(text, "d_seconds_bucket{phase=\"x\",le=\"3\"}"), "6");
  EXPECT_EQ(sample(text, "d_seconds_bucket{phase=\"x\",le=\"+Inf\"}"), "7");
  EXPECT_EQ(sample(text, "d_seconds_sum{phase=\"x\"}"), "18");
  EXPECT_EQ(sample(text, "d_seconds_count{phase=\"x\"}"), "7");
}

TEST(Metrics, ConcurrentIncrementsSumExactly) {
  registry r;
  auto c = r.counter("hits_total", "Hits", {"worker"});
  auto h = r.histogram("obs", "Obs", {}, {1});
  ASSERT_TRUE(c && h);
  constexpr int threads = 8;
  constexpr int per_thread = 20000;
  std::vector<std::thread> pool;
  for (int t = 0; t < threads; ++t)
    pool.emplace_back([&, t] {
      for (int i = 0; i < per_thread; ++i) {
        c->with({"shared"}).inc();
        c->with({std::to_string(t % 2)}).inc(0.5);
        h->with({}).observe(i % 2 == 0 ? 0.5 : 2.0);
      }
    });
  for (auto& t : pool)
    t.join();
  EXPECT_EQ(c->with({"shared"}).value(), threads * per_thread);
  EXPECT_EQ(c->with({"0"}).value() + c->with({"1"}).value(), threads * per_thread * 0.5);
  auto snap = h->with({}).read();
  EXPECT_EQ(snap.count, uint64_t{threads * per_thread});
  EXPECT_EQ(snap.cumulative[0], uint64_t{threads * per_thread / 2});
}

TEST(Metrics, SameDefinitionReturnsTheSameFamily) {
  registry r;
  auto a = r.counter("x_total", "X", {"l"});
  auto b = r.counter("x_total", "X", {"l"});
  ASSERT_TRUE(a && b);
  a->with({"v"}).inc(4);
  EXPECT_EQ(b->with({"v"}).value(), 4);
  EXPECT_EQ(&a->with({"v"}), &b->with({"v"}));
}

TEST(Metrics, ConflictingRegistrationIsAnError) {
  registry r;
  ASSERT_TRUE(r.counter("x_total", "X", {"l"}));
  ASSERT_TRUE(r.histogram("h", "H", {}, {1, 2}));
  struct row {
    const char* what;
    const char* name;
    kelos::expected<bool> got;
  };
  auto ok = [](auto e) -> kelos::expected<bool> {
    if (!e)
      return std::move(e).error();
    return true;
  };
  std::vector<row> rows{
    {"other type", "x_total", ok(r.gauge("x_total", "X", {"l"}))},
    {"other labels", "x_total", ok(r.counter("x_total", "X", {"m"}))},
    {"more labels", "x_total", ok(r.counter("x_total", "X", {"l", "m"}))},
    {"other help", "x_total", ok(r.counter("x_total", "Y", {"l"}))},
    {"other buckets", "metric h ", ok(r.histogram("h", "H", {}, {1, 3}))},
  };
  for (const auto& [what, name, got] : rows) {
    ASSERT_FALSE(got) << what;
    EXPECT_EQ(got.error().code, kelos::errc::already_exists) << what;
    EXPECT_NE(got.error().message.find(name), std::string::npos) << what << ": " << got.error().message;
  }
}

TEST(Metrics, RejectsInvalidNamesAndBuckets) {
  registry r;
  EXPECT_EQ(r.counter("", "").error().code, kelos::errc::invalid_spec);
  EXPECT_EQ(r.counter("1abc", "").error().code, kelos::errc::invalid_spec);
  EXPECT_EQ(r.counter("a-b", "").error().code, kelos::errc::invalid_spec);
  EXPECT_EQ(r.counter("__reserved", "").error().code, kelos::errc::invalid_spec);
  EXPECT_TRUE(r.counter("ns:sub_total", ""));
  EXPECT_EQ(r.counter("c", "", {"a:b"}).error().code, kelos::errc::invalid_spec);
  EXPECT_EQ(r.counter("c", "", {"__x"}).error().code, kelos::errc::invalid_spec);
  EXPECT_EQ(r.counter("c", "", {"a", "a"}).error().code, kelos::errc::invalid_spec);
  EXPECT_EQ(r.histogram("h", "", {"le"}, {1}).error().code, kelos::errc::invalid_spec);
  EXPECT_EQ(r.histogram("h", "", {}, {2, 1}).error().code, kelos::errc::invalid_spec);
  EXPECT_EQ(r.histogram("h", "", {}, {1, 1}).error().code, kelos::errc::invalid_spec);
  EXPECT_EQ(r.histogram("h", "", {}, {std::nan("")}).error().code, kelos::errc::invalid_spec);
  // Nothing above was registered under "c" or "h".
  EXPECT_TRUE(r.gauge("c", ""));
}

TEST(Metrics, ExplicitInfBucketIsDroppedAndEmptyMeansDefaults) {
  registry r;
  auto a = r.histogram("a", "", {}, {1, std::numeric_limits<double>::infinity()});
  auto b = r.histogram("b", "", {}, {});
  ASSERT_TRUE(a && b);
  EXPECT_EQ(a->with({}).read().upper_bounds, std::vector<double>{1});
  EXPECT_EQ(b->with({}).read().upper_bounds, default_buckets());
}

TEST(Metrics, WrongLabelCountIsAProgrammingError) {
  registry r;
  auto c = r.counter("x_total", "X", {"a", "b"});
  ASSERT_TRUE(c);
  EXPECT_THROW(c->with({"only-one"}), std::invalid_argument);
  auto e = c->try_with({"1", "2", "3"});
  ASSERT_FALSE(e);
  EXPECT_EQ(e.error().code, kelos::errc::invalid_spec);
  EXPECT_NE(e.error().message.find("x_total"), std::string::npos);
  EXPECT_TRUE(c->try_with({"1", "2"}));
}

TEST(Metrics, CountersIgnoreNegativeAndNaNIncrements) {
  counter c;
  c.inc(2);
  c.inc(-1);
  c.inc(std::nan(""));
  EXPECT_EQ(c.value(), 2);
  gauge g;
  g.inc(2);
  g.dec(5);
  EXPECT_EQ(g.value(), -3);
}

TEST(Metrics, FormatsValuesLikeGo) {
  struct row {
    double v;
    const char* want;
  };
  for (auto [v, want] : std::vector<row>{{0, "0"},
                                         {-0.0, "0"},
                                         {1, "1"},
                                         {-1, "-1"},
                                         {0.5, "0.5"},
                                         {2.5, "2.5"},
                                         {0.1 + 0.2, "0.30000000000000004"},
                                         {3600, "3600"},
                                         {123456, "123456"},
                                         {1e6, "1e+06"},
                                         {1234567, "1.234567e+06"},
                                         {0.0001, "0.0001"},
                                         {0.00001, "1e-05"},
                                         {1.5e-7, "1.5e-07"},
                                         {1e21, "1e+21"},
                                         {std::numeric_limits<double>::infinity(), "+Inf"},
                                         {-std::numeric_limits<double>::infinity(), "-Inf"},
                                         {std::nan(""), "NaN"}})
    EXPECT_EQ(format_value(v), want) << v;
}

TEST(TaskMetrics, RegistersTheSeedFamilies) {
  registry r;
  auto m = task_metrics::register_in(r);
  ASSERT_TRUE(m);
  m->task_created.with({"ns", "claude-code"}).inc();
  m->task_completed.with({"ns", "claude-code", "Succeeded"}).inc();
  m->task_duration.with({"ns", "claude-code", "Succeeded"}).observe(90);
  m->reconcile_errors.with({"task"}).inc();
  m->record_usage("ns", "claude-code", "s", "opus",
                  {{"cost-usd", "1.25"}, {"input-tokens", "100"}, {"output-tokens", "7"}});
  auto text = r.render();
  for (const char* line : {
         "# TYPE kelos_task_created_total counter",
         "# HELP kelos_task_created_total Total number of Tasks for which a Job was created",
         "kelos_task_created_total{namespace=\"ns\",type=\"claude-code\"} 1",
         "# TYPE kelos_task_completed_total counter",
         "kelos_task_completed_total{namespace=\"ns\",phase=\"Succeeded\",type=\"claude-code\"} 1",
         "# TYPE kelos_task_duration_seconds histogram",
         "kelos_task_duration_seconds_bucket{namespace=\"ns\",phase=\"Succeeded\",type=\"claude-code\",le=\"60\"} 0",
         "kelos_task_duration_seconds_bucket{namespace=\"ns\",phase=\"Succeeded\",type=\"claude-code\",le=\"120\"} 1",
         "kelos_task_duration_seconds_bucket{namespace=\"ns\",phase=\"Succeeded\",type=\"claude-code\",le=\"3600\"} 1",
         "kelos_task_duration_seconds_count{namespace=\"ns\",phase=\"Succeeded\",type=\"claude-code\"} 1",
         "# TYPE kelos_reconcile_errors_total counter",
         "kelos_reconcile_errors_total{controller=\"task\"} 1",
         "kelos_task_cost_usd_total{model=\"opus\",namespace=\"ns\",spawner=\"s\",type=\"claude-code\"} 1.25",
         "kelos_task_input_tokens_total{model=\"opus\",namespace=\"ns\",spawner=\"s\",type=\"claude-code\"} 100",
         "kelos_task_output_tokens_total{model=\"opus\",namespace=\"ns\",spawner=\"s\",type=\"claude-code\"} 7",
       })
    EXPECT_NE(text.find(std::string{line} + "\n"), std::string::npos) << line << "\n" << text;
  EXPECT_EQ(m->task_duration.with({"a", "b", "c"}).read().upper_bounds,
            (std::vector<double>{30, 60, 120, 300, 600, 1200, 1800, 3600}));
  // Registering again is idempotent and shares the series.
  auto again = task_metrics::register_in(r);
  ASSERT_TRUE(again);
  EXPECT_EQ(again->task_created.with({"ns", "claude-code"}).value(), 1);
}

TEST(TaskMetrics, RegistrationFailsWhenANameIsTakenByAnotherShape) {
  registry r;
  ASSERT_TRUE(r.gauge("kelos_task_cost_usd_total", "taken"));
  auto m = task_metrics::register_in(r);
  ASSERT_FALSE(m);
  EXPECT_EQ(m.error().code, kelos::errc::already_exists);
}

TEST(TaskMetrics, RecordUsageFollowsTheSeedRules) {
  struct row {
    const char* value;
    double added; // 0: the counter is untouched
  };
  for (auto [value, added] : std::vector<row>{{"2.50", 2.5},
                                              {"12000", 12000},
                                              {"+3", 3},
                                              {"1e3", 1000},
                                              {".5", 0.5},
                                              {"0", 0},
                                              {"-1", 0},
                                              {"-0.0", 0},
                                              {"", 0},
                                              {"abc", 0},
                                              {"1.5usd", 0},
                                              {" 1", 0},
                                              {"+-1", 0},
                                              {"NaN", 0},
                                              {"Inf", 0},
                                              {"1e400", 0}}) {
    registry r;
    auto m = task_metrics::register_in(r);
    ASSERT_TRUE(m);
    m->record_usage("ns", "codex", "", "", {{"cost-usd", value}, {"input-tokens", value}, {"output-tokens", value}});
    auto text = r.render();
    for (const char* name : {"kelos_task_cost_usd_total", "kelos_task_input_tokens_total",
                             "kelos_task_output_tokens_total"}) {
      auto got = sample(text, std::string{name} + "{model=\"\",namespace=\"ns\",spawner=\"\",type=\"codex\"}");
      if (added == 0)
        EXPECT_EQ(got, "") << name << " for \"" << value << "\"";
      else
        EXPECT_EQ(got, format_value(added)) << name << " for \"" << value << "\"";
    }
  }
}

TEST(TaskMetrics, RecordUsageAccumulatesAndSkipsMissingKeys) {
  registry r;
  auto m = task_metrics::register_in(r);
  ASSERT_TRUE(m);
  m->record_usage("ns", "claude-code", "sp", "opus", {{"cost-usd", "1.5"}});
  m->record_usage("ns", "claude-code", "sp", "opus", {{"cost-usd", "2"}, {"input-tokens", "10"}});
  m->record_usage("ns", "claude-code", "sp", "opus", {{"other", "5"}});
  std::vector<std::string> l{"ns", "claude-code", "sp", "opus"};
  EXPECT_EQ(m->cost_usd.with(l).value(), 3.5);
  EXPECT_EQ(m->input_tokens.with(l).value(), 10);
  EXPECT_EQ(r.render().find("kelos_task_output_tokens_total"), std::string::npos);
}

TEST(TaskMetrics, ParseUsageValue) {
  EXPECT_EQ(parse_usage_value("0.25"), 0.25);
  EXPECT_EQ(parse_usage_value("-2"), -2);
  EXPECT_EQ(parse_usage_value("1E2"), 100);
  EXPECT_FALSE(parse_usage_value("+"));
  EXPECT_FALSE(parse_usage_value("1 "));
  EXPECT_FALSE(parse_usage_value("infinity"));
}
