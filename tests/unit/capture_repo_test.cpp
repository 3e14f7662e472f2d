// kelos-capture, I/O part: repository facts through libgit2 on real temporary repositories,
// running commands (gh) with a timeout, reading the agent's output file, and the whole
// kelos-capture binary run as a subprocess with a fake gh on PATH.
#include "cli/capture/repo_info.hpp"
#include "cli/capture/run_command.hpp"
#include "cli/capture/usage.hpp"

#include "tests/unit/capture_test_support.hpp"

#include <git2.h>
#include <gtest/gtest.h>

#include <chrono>
#include <optional>
#include <string>
#include <vector>

namespace {

using kelos::capture::base_branch;
using kelos::capture::for_each_file_line;
using kelos::capture::inspect_repo;
using kelos::capture::run_command;
using kelos::test::capture::read_file;
using kelos::test::capture::run_process;
using kelos::test::capture::temp_dir;
using kelos::test::capture::write_file;

/// A real repository made with libgit2.
class test_repo {
public:
  explicit test_repo(const std::string& dir, const char* initial_head = "main") : dir_(dir) {
    git_libgit2_init();
    git_repository_init_options opts = GIT_REPOSITORY_INIT_OPTIONS_INIT;
    opts.flags = GIT_REPOSITORY_INIT_MKPATH;
    opts.initial_head = initial_head;
    check(git_repository_init_ext(&repo_, dir.c_str(), &opts), "init");
  }
  ~test_repo() {
    git_repository_free(repo_);
    git_libgit2_shutdown();
  }
  test_repo(const test_repo&) = delete;
  test_repo& operator=(const test_repo&) = delete;

  /// Writes `file`, stages it and commits on HEAD; returns the commit's SHA.
  std::string commit(const std::string& file, const std::string& content) {
    write_file(dir_ + "/" + file, content);
    git_index* index = nullptr;
    check(git_repository_index(&index, repo_), "index");
    check(git_index_add_bypath(index, file.c_str()), "add");
    check(git_index_write(index), "index write");
    git_oid tree_id, commit_id;
    check(git_index_write_tree(&tree_id, index), "write tree");
    git_index_free(index);
    git_tree* tree = nullptr;
    check(git_tree_lookup(&tree, repo_, &tree_id), "tree");
    git_signature* sig = nullptr;
    check(git_signature_new(&sig, "Test", "test@example.com", 1700000000, 0), "sig");
    git_commit* parent = nullptr;
    git_oid parent_id;
    const bool has_parent = git_reference_name_to_id(&parent_id, repo_, "HEAD") == 0;
    if (has_parent)
      check(git_commit_lookup(&parent, repo_, &parent_id), "parent");
    const git_commit* parents[] = {parent};
    check(git_commit_create(&commit_id, repo_, "HEAD", sig, sig, nullptr, "test commit", tree,
                            has_parent ? 1 : 0, parents),
          "commit");
    git_commit_free(parent);
    git_signature_free(sig);
    git_tree_free(tree);
    return sha(commit_id);
  }

  void detach_at_head() {
    git_oid id;
    check(git_reference_name_to_id(&id, repo_, "HEAD"), "head");
    check(git_repository_set_head_detached(repo_, &id), "detach");
  }

  /// refs/remotes/origin/<branch> at HEAD's commit and refs/remotes/origin/HEAD -> it.
  void set_origin_head(const std::string& branch) {
    git_oid id;
    check(git_reference_name_to_id(&id, repo_, "HEAD"), "head");
    git_reference* ref = nullptr;
    const std::string target = "refs/remotes/origin/" + branch;
    check(git_reference_create(&ref, repo_, target.c_str(), &id, 1, nullptr), "remote ref");
    git_reference_free(ref);
    check(git_reference_symbolic_create(&ref, repo_, "refs/remotes/origin/HEAD", target.c_str(),
                                        1, nullptr),
          "origin HEAD");
    git_reference_free(ref);
  }

  std::string head_sha() const {
    git_oid id;
    check(git_reference_name_to_id(&id, repo_, "HEAD"), "head");
    return sha(id);
  }

private:
  static void check(int rc, const char* what) {
    if (rc != 0) {
      const git_error* e = git_error_last();
      FAIL() << what << ": " << (e != nullptr ? e->message : "?");
    }
  }
  static std::string sha(const git_oid& id) {
    char buf[GIT_OID_HEXSZ + 1];
    git_oid_tostr(buf, sizeof buf, &id);
    return buf;
  }

  std::string dir_;
  git_repository* repo_ = nullptr;
};

TEST(capture_repo_info, branch_commit_and_origin_head) {
  temp_dir tmp;
  const std::string dir = tmp.str() + "/repo";
  test_repo repo{dir, "kelos-task-7"};
  repo.commit("a.txt", "one\n");
  const std::string sha = repo.commit("a.txt", "two\n");
  repo.set_origin_head("main");
  EXPECT_EQ(sha.size(), 40u);
  EXPECT_EQ(sha, repo.head_sha());

  auto info = inspect_repo(dir);
  EXPECT_TRUE(info.is_repo);
  EXPECT_EQ(info.branch, "kelos-task-7");
  EXPECT_EQ(info.commit, sha);
  EXPECT_EQ(info.origin_head, "main");
  EXPECT_EQ(base_branch(std::nullopt, info), "main");
  EXPECT_EQ(base_branch(std::string{""}, info), "main");
  EXPECT_EQ(base_branch(std::string{"release-1"}, info), "release-1");

  // From a subdirectory, as git does.
  kelos::test::capture::fs::create_directories(dir + "/sub/dir");
  EXPECT_EQ(inspect_repo(dir + "/sub/dir").branch, "kelos-task-7");
}

TEST(capture_repo_info, detached_head_has_no_branch) {
  temp_dir tmp;
  test_repo repo{tmp.str()};
  const std::string sha = repo.commit("f", "x");
  repo.detach_at_head();
  auto info = inspect_repo(tmp.str());
  EXPECT_TRUE(info.is_repo);
  EXPECT_EQ(info.branch, std::nullopt);
  EXPECT_EQ(info.commit, sha);
  EXPECT_EQ(info.origin_head, std::nullopt);
  EXPECT_EQ(base_branch(std::nullopt, info), std::nullopt);
}

TEST(capture_repo_info, unborn_branch_has_branch_but_no_commit) {
  temp_dir tmp;
  test_repo repo{tmp.str(), "fresh"};
  auto info = inspect_repo(tmp.str());
  EXPECT_TRUE(info.is_repo);
  EXPECT_EQ(info.branch, "fresh");
  EXPECT_EQ(info.commit, std::nullopt);
}

TEST(capture_repo_info, no_repository) {
  temp_dir tmp;
  auto info = inspect_repo(tmp.str());
  EXPECT_FALSE(info.is_repo);
  EXPECT_EQ(info.branch, std::nullopt);
  EXPECT_EQ(info.commit, std::nullopt);
  EXPECT_EQ(base_branch(std::string{"main"}, info), "main");
  EXPECT_FALSE(inspect_repo(tmp.str() + "/missing").is_repo);
}

TEST(capture_run_command, collects_stdout_of_a_successful_command) {
  EXPECT_EQ(run_command({"/bin/sh", "-c", "echo out; echo err >&2"}, std::chrono::seconds(10)),
            "out\n");
  EXPECT_EQ(run_command({"sh", "-c", "printf 12345"}, std::chrono::seconds(10), 3), "123");
}

TEST(capture_run_command, failures_give_nothing) {
  EXPECT_EQ(run_command({"/bin/sh", "-c", "echo partial; exit 3"}, std::chrono::seconds(10)),
            std::nullopt);
  EXPECT_EQ(run_command({"kelos-no-such-command-xyz"}, std::chrono::seconds(10)), std::nullopt);
  EXPECT_EQ(run_command({}, std::chrono::seconds(10)), std::nullopt);
  // Arguments are never interpreted by a shell.
  EXPECT_EQ(run_command({"/bin/echo", "$(touch /tmp/never)", ";", "|"}, std::chrono::seconds(10)),
            "$(touch /tmp/never) ; |\n");
}

TEST(capture_run_command, timeout_kills_the_whole_group) {
  const auto start = std::chrono::steady_clock::now();
  // The background sleep keeps stdout open: only the group kill ends the wait.
  EXPECT_EQ(run_command({"/bin/sh", "-c", "sleep 20 & sleep 20"}, std::chrono::milliseconds(300)),
            std::nullopt);
  EXPECT_LT(std::chrono::steady_clock::now() - start, std::chrono::seconds(5));
}

TEST(capture_file_lines, splits_skips_long_lines_and_reports_missing_files) {
  temp_dir tmp;
  const std::string path = tmp.str() + "/out.jsonl";
  write_file(path, "a\n" + std::string(100, 'x') + "\nb\n\nlast");
  std::vector<std::string> lines;
  EXPECT_TRUE(for_each_file_line(path, 10, [&](std::string_view l) { lines.emplace_back(l); }));
  EXPECT_EQ(lines, (std::vector<std::string>{"a", "b", "", "last"}));
  EXPECT_FALSE(for_each_file_line(tmp.str() + "/missing", 10, [](std::string_view) {}));
}

TEST(capture_file_lines, long_line_across_read_chunks) {
  temp_dir tmp;
  const std::string path = tmp.str() + "/out.jsonl";
  write_file(path, std::string(200000, 'y') + "\nafter\n" + std::string(70000, 'z'));
  std::vector<std::string> lines;
  EXPECT_TRUE(for_each_file_line(path, 100000, [&](std::string_view l) { lines.emplace_back(l); }));
  EXPECT_EQ(lines, (std::vector<std::string>{"after", std::string(70000, 'z')}));
}

// --- the whole binary ---------------------------------------------------------------------

const char* const fake_gh = R"(#!/bin/sh
printf '%s\n' "$*" >> "$GH_LOG"
case "$*" in
  *--repo*) echo '[{"url":"https://github.com/upstream/repo/pull/2"}]' ;;
  *) echo '[{"url":"https://github.com/fork/repo/pull/1"}]' ;;
esac
)";

struct binary_env {
  temp_dir tmp;
  std::string repo = tmp.str() + "/repo";
  std::string bin = tmp.str() + "/bin";
  std::string output = tmp.str() + "/agent-output.jsonl";
  std::string gh_log = tmp.str() + "/gh.log";

  std::map<std::string, std::string> env(bool with_gh) const {
    return {{"PATH", with_gh ? bin + ":/usr/bin:/bin" : tmp.str() + "/empty"},
            {"HOME", tmp.str()},
            {"GH_LOG", gh_log},
            {"KELOS_AGENT_TYPE", "claude-code"},
            {"KELOS_AGENT_OUTPUT", output},
            {"KELOS_UPSTREAM_REPO", "upstream/repo"}};
  }
};

TEST(capture_binary, prints_the_block_with_prs_from_a_fake_gh) {
  binary_env e;
  test_repo repo{e.repo, "kelos-task-7"};
  const std::string sha = repo.commit("README", "hi\n");
  repo.set_origin_head("main");
  write_file(e.bin + "/gh", fake_gh, true);
  write_file(e.output,
             "{\"type\":\"system\"}\n"
             R"({"type":"result","total_cost_usd":1.5e-05,"usage":{"input_tokens":12,"output_tokens":34,"cache_read_input_tokens":56,"cache_creation_input_tokens":78}})"
             "\n");

  auto r = run_process({KELOS_CAPTURE_BIN}, e.repo, e.env(true));
  EXPECT_EQ(r.exit_code, 0);
  EXPECT_EQ(r.out, "---KELOS_OUTPUTS_START---\n"
                   "branch: kelos-task-7\n"
                   "pr: https://github.com/fork/repo/pull/1\n"
                   "pr: https://github.com/upstream/repo/pull/2\n"
                   "commit: " + sha + "\n"
                   "base-branch: main\n"
                   "cost-usd: 1.5e-05\n"
                   "input-tokens: 12\n"
                   "output-tokens: 34\n"
                   "cache-read-input-tokens: 56\n"
                   "cache-creation-input-tokens: 78\n"
                   "---KELOS_OUTPUTS_END---\n");
  EXPECT_EQ(read_file(e.gh_log), "pr list --head kelos-task-7 --json url\n"
                                 "pr list --head kelos-task-7 --json url --repo upstream/repo\n");
}

TEST(capture_binary, without_gh_on_path_there_are_no_pr_lines) {
  binary_env e;
  test_repo repo{e.repo, "feature"};
  const std::string sha = repo.commit("README", "hi\n");
  auto env = e.env(false);
  env["KELOS_BASE_BRANCH"] = "develop";
  auto r = run_process({KELOS_CAPTURE_BIN}, e.repo, env);
  EXPECT_EQ(r.exit_code, 0);
  EXPECT_EQ(r.out, "---KELOS_OUTPUTS_START---\nbranch: feature\ncommit: " + sha +
                       "\nbase-branch: develop\n---KELOS_OUTPUTS_END---\n");
}

TEST(capture_binary, failing_gh_and_detached_head) {
  binary_env e;
  test_repo repo{e.repo};
  const std::string sha = repo.commit("README", "hi\n");
  write_file(e.bin + "/gh", "#!/bin/sh\necho '[{\"url\":\"https://x/1\"}]'\nexit 1\n", true);
  auto r = run_process({KELOS_CAPTURE_BIN}, e.repo, e.env(true));
  EXPECT_EQ(r.exit_code, 0);
  EXPECT_EQ(r.out, "---KELOS_OUTPUTS_START---\nbranch: main\ncommit: " + sha +
                       "\n---KELOS_OUTPUTS_END---\n");
  repo.detach_at_head();
  r = run_process({KELOS_CAPTURE_BIN}, e.repo, e.env(true));
  EXPECT_EQ(r.out, "---KELOS_OUTPUTS_START---\ncommit: " + sha + "\n---KELOS_OUTPUTS_END---\n");
}

TEST(capture_binary, nothing_collected_prints_nothing) {
  binary_env e;
  kelos::test::capture::fs::create_directories(e.repo);
  auto r = run_process({KELOS_CAPTURE_BIN}, e.repo, e.env(true)); // no repo, no output file
  EXPECT_EQ(r.exit_code, 0);
  EXPECT_EQ(r.out, "");
  write_file(e.output, "garbage\n{\"type\":\"result\"\n");
  r = run_process({KELOS_CAPTURE_BIN}, e.repo, e.env(true));
  EXPECT_EQ(r.exit_code, 0);
  EXPECT_EQ(r.out, "");
}

} // namespace
