#include "k8s/apiserver/kubeconfig_writer.hpp"

#include "k8s/kinds.hpp"

#include <cstdio>
#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

namespace kelos::apiserver {

std::string render_kubeconfig(const kubeconfig_spec& spec) {
  const std::string& n = spec.context_name;
  std::string out;
  out += "apiVersion: v1\nkind: Config\nclusters:\n- name: " + n + "\n  cluster:\n";
  out += "    server: " + spec.server_url + "\n";
  if (!spec.ca_pem.empty())
    out += "    certificate-authority-data: " + k8s::base64_encode(spec.ca_pem) + "\n";
  out += "users:\n- name: " + n + "\n  user:\n    token: " + spec.token + "\n";
  out += "contexts:\n- name: " + n + "\n  context:\n    cluster: " + n + "\n    user: " + n +
         "\n    namespace: " + spec.namespace_ + "\n";
  out += "current-context: " + n + "\npreferences: {}\n";
  return out;
}

kelos::expected<void> write_kubeconfig_file(const std::string& path, const kubeconfig_spec& spec) {
  std::string text = render_kubeconfig(spec);
  std::string tmp = path + ".tmp";
  int fd = ::open(tmp.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
  if (fd < 0)
    return make_error(errc::io_error, "cannot write kubeconfig " + tmp);
  std::size_t off = 0;
  while (off < text.size()) {
    auto n = ::write(fd, text.data() + off, text.size() - off);
    if (n <= 0) {
      ::close(fd);
      return make_error(errc::io_error, "cannot write kubeconfig " + tmp);
    }
    off += static_cast<std::size_t>(n);
  }
  ::fsync(fd);
  ::close(fd);
  if (std::rename(tmp.c_str(), path.c_str()) != 0)
    return make_error(errc::io_error, "cannot rename kubeconfig to " + path);
  return {};
}

} // namespace kelos::apiserver
