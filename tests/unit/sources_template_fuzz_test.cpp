#include "sources/template.hpp"

#include <gtest/gtest.h>

#include <array>
#include <random>
#include <string>

namespace {

using kelos::sources::render_template;
using kelos::sources::template_options;
using json = kelos::k8s::json;

// Random bytes and random soups of template tokens must never crash, hang or exceed the
// output limit: every input either renders or returns an error.
TEST(TemplateFuzzTest, RandomInputNeverCrashes) {
  std::mt19937 rng(20261124); // fixed seed: failures are reproducible
  const std::array<const char*, 44> pieces = {
    "{{", "}}", "{{-", " -}}", "{{/*", "*/}}", ".", ".A", ".B.C", "$", "$x", ":=", "=", "|",
    "(", ")", ",", "\"s\"", "`r`", "'c'", "1", "-2", "0x1f", "1e9", "if", "else", "end",
    "range", "with", "break", "continue", "index", "printf \"%s%d%v%q\"", "len", "eq", "and",
    "or", "not", "print", " ", "\n", "nil", "true", "slice"};
  json data = {{"A", json::array({1, "x", nullptr, json{{"k", 2}}})},
               {"B", {{"C", "deep"}}},
               {"N", 3}};
  template_options opts;
  opts.max_output_bytes = 4096;
  opts.max_steps = 20'000;
  opts.max_depth = 16;
  for (int i = 0; i < 4000; ++i) {
    std::string text;
    auto n = rng() % 40;
    for (std::size_t k = 0; k < n; ++k) {
      if (rng() % 5 == 0)
        text += static_cast<char>(rng() % 256);
      else
        text += pieces[rng() % pieces.size()];
    }
    for (auto mode : {kelos::sources::missing_key::error, kelos::sources::missing_key::zero}) {
      opts.missing = mode;
      auto r = render_template("fuzz", text, data, opts);
      if (r) {
        EXPECT_LE(r->size(), opts.max_output_bytes) << text;
      } else {
        EXPECT_FALSE(r.error().message.empty()) << text;
      }
    }
  }
}

TEST(TemplateFuzzTest, RandomBytesNeverCrash) {
  std::mt19937 rng(7);
  for (int i = 0; i < 2000; ++i) {
    std::string text = "{{";
    auto n = rng() % 24;
    for (std::size_t k = 0; k < n; ++k)
      text += static_cast<char>(rng() % 256);
    text += "}}";
    auto r = render_template("bytes", text, json::object());
    if (!r) {
      EXPECT_FALSE(r.error().message.empty());
    }
  }
}

} // namespace
