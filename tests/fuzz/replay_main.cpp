// The replay driver of the fuzz targets when libFuzzer is not available (docs/fuzzing.md):
// runs every regular file under the directories (or files) given on the command line
// through LLVMFuzzerTestOneInput, in sorted order. Missing paths are skipped, so a target
// without regressions/ still runs. A failing invariant aborts (the test fails); an empty
// run is an error, so a corpus that went missing is noticed.

#include "tests/fuzz/fuzz_check.hpp"

#include <algorithm>
#include <filesystem>
#include <fstream>
#include <iostream>
#include <iterator>
#include <string>
#include <vector>

namespace fs = std::filesystem;

int main(int argc, char** argv) {
  std::vector<fs::path> files;
  for (int i = 1; i < argc; ++i) {
    fs::path p{argv[i]};
    std::error_code ec;
    if (fs::is_regular_file(p, ec)) {
      files.push_back(p);
    } else if (fs::is_directory(p, ec)) {
      for (const auto& e : fs::recursive_directory_iterator(p))
        if (e.is_regular_file())
          files.push_back(e.path());
    }
  }
  std::sort(files.begin(), files.end());
  for (const auto& f : files) {
    std::ifstream in{f, std::ios::binary};
    std::string bytes{std::istreambuf_iterator<char>{in}, std::istreambuf_iterator<char>{}};
    if (!in.eof() && in.fail()) {
      std::cerr << "cannot read " << f << "\n";
      return 1;
    }
    std::cerr << "replay " << f.string() << " (" << bytes.size() << " bytes)\n";
    LLVMFuzzerTestOneInput(reinterpret_cast<const std::uint8_t*>(bytes.data()), bytes.size());
  }
  std::cout << "replayed " << files.size() << " inputs\n";
  return files.empty() ? 1 : 0;
}
