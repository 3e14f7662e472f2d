#pragma once

#include <algorithm>
#include <chrono>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <string>
#include <string_view>
#include <vector>

#include <sys/resource.h>
#include <unistd.h>

/// Small helpers shared by the API server benchmarks (bench/apiserver_*.cpp): percentiles,
/// load average, RSS, and `--flag value` parsing. Header-only; no Beast/CAF.
namespace kelos::bench {

/// Nanoseconds on the steady clock (common to every thread of the process).
inline int64_t steady_ns() {
  return std::chrono::duration_cast<std::chrono::nanoseconds>(
           std::chrono::steady_clock::now().time_since_epoch())
    .count();
}

/// The q-quantile (0..1, nearest rank) of `v`; sorts `v`. 0 when empty.
inline int64_t percentile(std::vector<int64_t>& v, double q) {
  if (v.empty())
    return 0;
  std::sort(v.begin(), v.end());
  auto idx = static_cast<std::size_t>(q * static_cast<double>(v.size() - 1) + 0.5);
  return v[std::min(idx, v.size() - 1)];
}

/// Nanoseconds as milliseconds with three decimals.
inline double ms(int64_t ns) { return static_cast<double>(ns) / 1e6; }

/// The first line of /proc/loadavg (e.g. "4.50 4.61 6.77 3/412 1234"), or "?".
inline std::string load_average() {
  std::string out = "?";
  if (FILE* f = std::fopen("/proc/loadavg", "r")) {
    char buf[128] = {};
    if (std::fgets(buf, sizeof buf, f)) {
      out = buf;
      while (!out.empty() && (out.back() == '\n'))
        out.pop_back();
    }
    std::fclose(f);
  }
  return out;
}

/// Resident set size in bytes from /proc/self/statm (second field × page size); 0 on error.
inline uint64_t rss_bytes() {
  uint64_t size = 0, resident = 0;
  if (FILE* f = std::fopen("/proc/self/statm", "r")) {
    if (std::fscanf(f, "%lu %lu", &size, &resident) != 2)
      resident = 0;
    std::fclose(f);
  }
  return resident * static_cast<uint64_t>(::sysconf(_SC_PAGESIZE));
}

/// CPU time (user + system) consumed so far by every thread of this process, in seconds.
inline double process_cpu_seconds() {
  rusage ru{};
  ::getrusage(RUSAGE_SELF, &ru);
  auto sec = [](const timeval& tv) { return static_cast<double>(tv.tv_sec) + static_cast<double>(tv.tv_usec) / 1e6; };
  return sec(ru.ru_utime) + sec(ru.ru_stime);
}

/// Command-line lookup: `--name value` → value, else `def`. `--flag` alone → `has_flag`.
class args {
public:
  /// Keeps the argument vector (not copied; it lives as long as main).
  args(int argc, char** argv) : argc_(argc), argv_(argv) {}
  /// Integer value of `--name N`; `def` when absent or unparsable.
  long long num(std::string_view name, long long def) const {
    for (int i = 1; i + 1 < argc_; ++i)
      if (name == argv_[i]) {
        char* end = nullptr;
        long long v = std::strtoll(argv_[i + 1], &end, 10);
        return end && *end == '\0' ? v : def;
      }
    return def;
  }
  /// True when `--name` appears anywhere.
  bool has_flag(std::string_view name) const {
    for (int i = 1; i < argc_; ++i)
      if (name == argv_[i])
        return true;
    return false;
  }

private:
  int argc_;
  char** argv_;
};

/// Makes a fresh directory under `parent` (mkdtemp) and returns its path; empty on error.
inline std::string make_temp_dir(const std::string& parent, const std::string& prefix) {
  std::string tmpl = parent + "/" + prefix + "XXXXXX";
  std::vector<char> buf(tmpl.begin(), tmpl.end());
  buf.push_back('\0');
  if (!::mkdtemp(buf.data()))
    return {};
  return std::string(buf.data());
}

} // namespace kelos::bench
