// spawned_task_name (sources/task_naming.hpp): DNS-1123 valid, deterministic, at most 63
// characters, and distinct for distinct item ids.
#include "sources/task_naming.hpp"

#include <gtest/gtest.h>

#include <regex>
#include <set>
#include <string>

namespace {

using kelos::sources::spawned_task_name;

bool dns1123_label(const std::string& s) {
  static const std::regex re{"[a-z0-9]([-a-z0-9]*[a-z0-9])?"};
  return s.size() <= 63 && std::regex_match(s, re);
}

/// The readable part of a hashed name (everything before "-<8 hex>").
std::string without_hash(const std::string& name) {
  EXPECT_GE(name.size(), 9u);
  EXPECT_EQ(name[name.size() - 9], '-') << name;
  return name.substr(0, name.size() - 9);
}

bool has_hash(const std::string& name) {
  static const std::regex re{".*-[0-9a-f]{8}"};
  return std::regex_match(name, re);
}

struct naming_case {
  const char* spawner;
  const char* id;
  const char* expected; // exact name; nullptr when hashed
  const char* readable; // for hashed names: the part before the hash
};

TEST(SpawnedTaskName, Table) {
  const std::string s60(60, 'a');
  const naming_case cases[] = {
    {"fix-bugs", "42", "fix-bugs-42", nullptr},
    {"nightly", "20261124-0900", "nightly-20261124-0900", nullptr},
    {"jira", "PROJ-42", "jira-proj-42", nullptr},
    {"Jira-Sync", "ABC-1", "jira-sync-abc-1", nullptr},
    {"s", "a_b", nullptr, "s-a-b"},
    {"s", "a.b", nullptr, "s-a-b"},
    {"s", "a b/c", nullptr, "s-a-b-c"},
    {"s", "--x--", nullptr, "s-x"},
    {"s", "a--b", nullptr, "s-a-b"},
    {"s", "", nullptr, "s"},
    {"s", "caf\xc3\xa9", nullptr, "s-caf"},
    {"s", "\xe4\xb8\xad\xe6\x96\x87", nullptr, "s"},
    {"my.spawner", "7", nullptr, "my-spawner-7"},
  };
  for (const auto& c : cases) {
    auto name = spawned_task_name(c.spawner, c.id);
    SCOPED_TRACE(std::string{c.spawner} + " / " + c.id + " -> " + name);
    EXPECT_TRUE(dns1123_label(name));
    if (c.expected) {
      EXPECT_EQ(name, c.expected);
    } else {
      EXPECT_TRUE(has_hash(name));
      EXPECT_EQ(without_hash(name), c.readable);
    }
  }
}

TEST(SpawnedTaskName, ExactlySixtyThreeIsKeptLongerIsHashed) {
  std::string spawner(60, 'a');
  EXPECT_EQ(spawned_task_name(spawner, "42"), spawner + "-42");
  auto longer = spawned_task_name(spawner, "4242");
  EXPECT_EQ(longer.size(), 63u);
  EXPECT_TRUE(has_hash(longer));
  // The id survives; the spawner part is cut.
  EXPECT_EQ(without_hash(longer), std::string(49, 'a') + "-4242");
}

TEST(SpawnedTaskName, LongSpawnerKeepsTheIdReadable) {
  std::string spawner(253, 'x');
  auto name = spawned_task_name(spawner, "PROJ-1234");
  EXPECT_TRUE(dns1123_label(name)) << name;
  EXPECT_EQ(without_hash(name), std::string(44, 'x') + "-proj-1234");
}

TEST(SpawnedTaskName, BothLongKeepHalfOfTheSpawner) {
  std::string spawner(100, 's');
  std::string id(100, 'i');
  auto name = spawned_task_name(spawner, id);
  EXPECT_TRUE(dns1123_label(name)) << name;
  EXPECT_EQ(name.size(), 63u);
  EXPECT_EQ(without_hash(name), std::string(27, 's') + "-" + std::string(26, 'i'));
}

TEST(SpawnedTaskName, CutNeverLeavesADashBeforeTheHash) {
  std::string spawner = std::string(26, 'a') + "-b";
  std::string id(30, 'c');
  id[26] = '-';
  for (std::size_t n = 0; n < 40; ++n) {
    auto name = spawned_task_name(spawner + std::string(n, 'z'), id);
    EXPECT_TRUE(dns1123_label(name)) << name;
    EXPECT_EQ(name.find("--"), std::string::npos) << name;
  }
}

TEST(SpawnedTaskName, DeterministicAndDistinct) {
  EXPECT_EQ(spawned_task_name("s", "a_b"), spawned_task_name("s", "a_b"));
  // Ids that sanitize alike still get different names.
  EXPECT_NE(spawned_task_name("s", "a_b"), spawned_task_name("s", "a.b"));
  EXPECT_NE(spawned_task_name("s", "a_b"), spawned_task_name("s", "a-b"));
  // Long ids that differ only after the cut stay distinct.
  std::string base(80, 'q');
  EXPECT_NE(spawned_task_name("s", base + "1"), spawned_task_name("s", base + "2"));
  // The hash covers the spawner too.
  EXPECT_NE(spawned_task_name("s1", "a_b"), spawned_task_name("s2", "a_b"));
  std::set<std::string> names;
  for (int i = 0; i < 2000; ++i)
    names.insert(spawned_task_name(std::string(70, 'p'), "PROJ-" + std::to_string(i)));
  EXPECT_EQ(names.size(), 2000u);
}

TEST(SpawnedTaskName, EmptyIdDiffersFromTheSpawnerItself) {
  auto name = spawned_task_name("nightly", "");
  EXPECT_NE(name, "nightly");
  EXPECT_TRUE(dns1123_label(name)) << name;
}

TEST(SpawnedTaskName, NothingValidLeftIsJustTheHash) {
  auto name = spawned_task_name("", "\xe4\xb8\xad");
  EXPECT_EQ(name.size(), 8u);
  EXPECT_TRUE(dns1123_label(name)) << name;
}

} // namespace
