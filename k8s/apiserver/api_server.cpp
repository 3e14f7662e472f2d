#include "k8s/apiserver/api_server.hpp"

#include "k8s/apiserver/crd_controller.hpp"
#include "k8s/apiserver/handlers.hpp"
#include "k8s/apiserver/http_server.hpp"
#include "k8s/apiserver/kubeconfig_writer.hpp"
#include "k8s/apiserver/object_store.hpp"
#include "k8s/apiserver/pod_logs.hpp"
#include "k8s/apiserver/resource_catalog.hpp"
#include "k8s/apiserver/stream_pump.hpp"
#include "k8s/tls/cert_gen.hpp"

#include <spdlog/spdlog.h>

namespace kelos::apiserver {

struct api_server::impl {
  api_server_config config;
  std::unique_ptr<object_store> store;
  resource_catalog catalog;
  pod_log_store logs;
  std::unique_ptr<crd_controller> crds;
  std::unique_ptr<stream_pump> pump;
  std::unique_ptr<api_handlers> handlers;
  std::unique_ptr<http_server> http;
  std::string ca_pem;
  bool stopped = false;
};

api_server::api_server(std::unique_ptr<impl> p) : impl_(std::move(p)) {
}

api_server::~api_server() {
  stop();
}

expected<std::unique_ptr<api_server>> api_server::start(api_server_config config) {
  auto p = std::make_unique<impl>();
  p->config = config;
  store_config sc;
  sc.data_dir = config.data_dir;
  sc.fsync = config.fsync;
  sc.event_log_capacity = config.event_log_size;
  sc.watch_queue_capacity = config.watch_queue_size;
  sc.wal_sync_hook = config.wal_sync_hook;
  if (config.data_dir.empty()) {
    p->store = std::make_unique<object_store>(sc);
  } else {
    recovery_report report;
    auto s = object_store::open(sc, &report);
    if (!s)
      return s.error();
    p->store = std::move(s).value();
    if (report.truncated_tail)
      spdlog::warn("apiserver: data dir {}: log cut at byte {}: {}", config.data_dir,
                   report.truncated_at, report.problem);
    spdlog::info("apiserver: recovered {} objects ({} replayed records) at resourceVersion {}",
                 p->store->size(), report.replayed_records, report.resource_version);
  }
  p->crds = std::make_unique<crd_controller>(*p->store, p->catalog);
  p->crds->install();
  // A deleted pod's logs go with it (a kubelet removes them with the container).
  p->store->add_change_hook([logs = &p->logs](const resource_info& res, const watch_event& ev) {
    if (ev.type != watch_event_type::deleted || !ev.object || !res.group.empty() || res.plural != "pods")
      return;
    const json* meta = k8s::find_path(*ev.object, "metadata");
    if (meta)
      logs->remove_pod(k8s::get_string(*meta, "namespace"), k8s::get_string(*meta, "name"));
  });
  p->pump = std::make_unique<stream_pump>(*p->store, p->logs, config.bookmark_interval, &p->catalog,
                                         config.watch_batch_interval);

  http_server_config hc;
  hc.address = config.address;
  hc.port = config.port;
  hc.io_threads = config.io_threads;
  hc.max_body_bytes = config.max_body_bytes;
  if (config.tls) {
    auto ca = k8s::tls::make_ca("kelos-apiserver-ca");
    if (!ca)
      return ca.error();
    auto cert = k8s::tls::issue_server_cert(*ca, {"localhost"}, {"127.0.0.1"});
    if (!cert)
      return cert.error();
    p->ca_pem = ca->cert_pem;
    hc.tls_cert_pem = cert->cert_pem;
    hc.tls_key_pem = cert->key_pem;
  }
  handler_config cfg;
  cfg.version_minor = config.version_minor;
  cfg.openapi = config.openapi;
  cfg.aggregated_discovery = config.aggregated_discovery;
  cfg.table = config.table;
  p->handlers = std::make_unique<api_handlers>(*p->store, p->catalog, p->logs, *p->pump, cfg);
  auto* handlers = p->handlers.get();
  // Writes answer once durable without parking the io thread: the connection reads its next
  // request meanwhile, so pipelined writes share one group commit (docs/apiserver.md).
  auto http = http_server::start(hc, [handlers, store = p->store.get()](server_request& req) {
    object_store::deferred_durability deferred;
    server_response resp = handlers->handle(req);
    if (uint64_t position = deferred.position(); position != 0)
      resp.when_ready = [store, position](std::function<void(std::optional<std::string>)> done) {
        store->when_durable(position, [done = std::move(done)](kelos::expected<void> r) {
          done(r ? std::nullopt : std::optional<std::string>(r.error().message));
        });
      };
    return resp;
  });
  if (!http)
    return http.error();
  p->http = std::move(http).value();
  return std::unique_ptr<api_server>(new api_server(std::move(p)));
}

uint16_t api_server::port() const {
  return impl_->http ? impl_->http->port() : 0;
}

std::string api_server::url() const {
  return std::string(impl_->config.tls ? "https://" : "http://") + impl_->config.address + ":" +
         std::to_string(port());
}

const std::string& api_server::ca_pem() const {
  return impl_->ca_pem;
}

expected<void> api_server::write_kubeconfig(const std::string& path,
                                            const std::string& context_name) const {
  kubeconfig_spec spec;
  spec.server_url = url();
  spec.ca_pem = impl_->ca_pem;
  spec.context_name = context_name;
  return write_kubeconfig_file(path, spec);
}

object_store& api_server::store() {
  return *impl_->store;
}

pod_log_store& api_server::logs() {
  return impl_->logs;
}

void api_server::stop() {
  if (!impl_ || impl_->stopped)
    return;
  impl_->stopped = true;
  if (impl_->pump)
    impl_->pump->close_all();
  if (impl_->http)
    impl_->http->stop();
  // The io threads are gone: answer the writes still waiting for their sync (their
  // completions only post to the stopped io context) before anything is destroyed.
  if (impl_->store)
    impl_->store->drain_durability_callbacks();
}

} // namespace kelos::apiserver
