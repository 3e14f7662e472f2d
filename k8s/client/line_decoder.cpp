#include "k8s/client/line_decoder.hpp"

namespace kelos::k8s {

kelos::expected<void> line_decoder::finish() {
  if (failed_) return failed_;
  if (std::string_view{buf_}.find_first_not_of(" \t\r") != std::string_view::npos) {
    failed_ = make_error(errc::parse_error, "stream ended inside a line (" + std::to_string(buf_.size()) +
                                              " bytes without a newline)");
    buf_.clear();
    return failed_;
  }
  buf_.clear();
  return {};
}

void line_decoder::reset() noexcept {
  buf_.clear();
  failed_ = kelos::error{};
}

kelos::error line_decoder::fail_too_long(std::size_t size) {
  // Drop the buffer: the stream is unusable and holding up to 64 MiB helps nobody.
  buf_.clear();
  buf_.shrink_to_fit();
  failed_ = make_error(errc::parse_error, "line of at least " + std::to_string(size) +
                                            " bytes exceeds the limit of " + std::to_string(max_line_));
  return failed_;
}

} // namespace kelos::k8s
