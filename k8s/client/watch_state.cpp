#include "k8s/client/watch_state.hpp"

#include "k8s/client/request.hpp"

namespace kelos::k8s {

namespace {

watch_action list_action(std::string continue_token, std::chrono::milliseconds delay = {}) {
  watch_action a;
  a.kind = watch_action::kind_t::list;
  a.delay = delay;
  a.continue_token = std::move(continue_token);
  return a;
}

watch_action watch_from(std::string rv, std::chrono::milliseconds delay = {}) {
  watch_action a;
  a.kind = watch_action::kind_t::watch;
  a.delay = delay;
  a.resource_version = std::move(rv);
  return a;
}

} // namespace

watch_input input_from_line(std::string_view line, const filter_node* event_filter) {
  auto ev = event_filter != nullptr ? decode_watch_event(line, *event_filter) : decode_watch_event(line);
  if (!ev) return decode_failed{std::move(ev).error()};
  return event_received{std::move(*ev)};
}

std::string list_cause(const std::optional<kelos::error>& why) {
  if (!why) return "first list";
  if (why->code == errc::gone) return "410 Gone: " + why->render();
  return "the list failed: " + why->render();
}

std::string_view relist_cause_label(const std::optional<kelos::error>& why) {
  if (!why) return "";
  return why->code == errc::gone ? "expired" : "list_failed";
}

kelos::expected<void> validate(const watch_config& cfg) {
  if (cfg.page_size < 0) return make_error(errc::invalid_config, "watch.page_size: must not be negative");
  if (cfg.timeout_seconds < 0) return make_error(errc::invalid_config, "watch.timeout_seconds: must not be negative");
  if (cfg.short_watch.count() < 0) return make_error(errc::invalid_config, "watch.short_watch: must not be negative");
  return validate(cfg.backoff);
}

watch_machine::watch_machine(watch_config cfg) : cfg_(std::move(cfg)), backoff_(cfg_.backoff) {}

watch_action watch_machine::start() {
  phase_ = watch_phase::listing;
  continue_.clear();
  init_sent_ = false;
  return list_action({});
}

watch_step watch_machine::step(watch_input input) {
  return std::visit([this](auto&& in) { return on(std::move(in)); }, std::move(input));
}

watch_step watch_machine::ignored(std::string_view input_name) const {
  static constexpr const char* names[] = {"empty", "listing", "watching"};
  watch_step s;
  s.error = make_error(errc::logic_error, std::string{input_name} + " ignored in phase " +
                                            names[static_cast<int>(phase_)]);
  return s;
}

watch_step watch_machine::relist(kelos::error why) {
  // 410: our version is older than the server's history. Start over; the store keeps
  // its old contents until the new init_done replaces them.
  watch_step s;
  s.next = start();
  s.error = std::move(why);
  return s;
}

watch_step watch_machine::rewatch_after_backoff(kelos::error why) {
  watch_step s;
  phase_ = watch_phase::watching;
  events_seen_ = false;
  s.next = watch_from(rv_, backoff_.next());
  s.error = std::move(why);
  return s;
}

watch_step watch_machine::on(list_page_received&& in) {
  if (phase_ != watch_phase::listing) return ignored("list page");
  backoff_.reset();
  watch_step s;
  s.events.reserve(in.page.items.size() + 2);
  if (!init_sent_) {
    s.events.push_back(store_event::init());
    init_sent_ = true;
  }
  for (auto& item : in.page.items) s.events.push_back(store_event::init_apply(std::move(item)));
  if (!in.page.resource_version.empty()) rv_ = std::move(in.page.resource_version);
  if (!in.page.continue_token.empty()) {
    continue_ = std::move(in.page.continue_token);
    s.next = list_action(continue_);
    return s;
  }
  s.events.push_back(store_event::init_done());
  continue_.clear();
  init_sent_ = false;
  phase_ = watch_phase::watching;
  events_seen_ = false;
  s.next = watch_from(rv_);
  return s;
}

watch_step watch_machine::on(list_failed&& in) {
  if (phase_ != watch_phase::listing) return ignored("list failure");
  // An expired continue token (410) cannot be retried: restart the list. A 410 on a
  // first page (no token) would repeat forever, so that one backs off like any error.
  if (in.error.code == errc::gone && !continue_.empty()) return relist(std::move(in.error));
  watch_step s;
  s.next = list_action(continue_, backoff_.next());
  s.error = std::move(in.error);
  return s;
}

watch_step watch_machine::on(event_received&& in) {
  if (phase_ != watch_phase::watching) return ignored("watch event");
  auto& ev = in.event;
  watch_step s;
  if (ev.type == watch_event_type::error) {
    if (ev.is_gone()) return relist(error_of(ev));
    return rewatch_after_backoff(error_of(ev));
  }
  backoff_.reset();
  events_seen_ = true;
  if (auto rv = ev.resource_version(); !rv.empty()) rv_ = std::move(rv);
  switch (ev.type) {
    case watch_event_type::added:
    case watch_event_type::modified: s.events.push_back(store_event::apply(std::move(ev.object))); break;
    case watch_event_type::deleted: s.events.push_back(store_event::remove(std::move(ev.object))); break;
    case watch_event_type::bookmark:
    case watch_event_type::error: break;
  }
  return s;
}

watch_step watch_machine::on(stream_closed&& in) {
  if (phase_ != watch_phase::watching) return ignored("stream close");
  if (!events_seen_ && in.lasted < cfg_.short_watch)
    return rewatch_after_backoff(make_error(errc::connection_failed,
                                            "very short watch: closed after " + std::to_string(in.lasted.count()) +
                                              " ms without events"));
  // Normal end (server timeout): continue from where we are, no relist.
  events_seen_ = false;
  watch_step s;
  s.next = watch_from(rv_);
  return s;
}

watch_step watch_machine::on(stream_failed&& in) {
  if (phase_ == watch_phase::listing) return on(list_failed{std::move(in.error)});
  if (phase_ != watch_phase::watching) return ignored("stream failure");
  if (in.error.code == errc::gone) return relist(std::move(in.error));
  return rewatch_after_backoff(std::move(in.error));
}

watch_step watch_machine::on(decode_failed&& in) {
  if (phase_ == watch_phase::listing) return on(list_failed{std::move(in.error)});
  if (phase_ != watch_phase::watching) return ignored("decode failure");
  // Everything before the bad line was applied and rv_ reflects it, so re-watching
  // from rv_ loses nothing.
  return rewatch_after_backoff(std::move(in.error));
}

http_request watch_machine::request_for(const watch_action& action, const resource_info& res,
                                        std::string_view ns) const {
  if (action.kind == watch_action::kind_t::list) {
    list_options o;
    o.label_selector = cfg_.label_selector;
    o.field_selector = cfg_.field_selector;
    o.limit = cfg_.page_size;
    o.continue_token = action.continue_token;
    return list_request(res, ns, o);
  }
  watch_options o;
  o.resource_version = action.resource_version;
  o.allow_bookmarks = cfg_.bookmarks;
  o.timeout_seconds = cfg_.timeout_seconds;
  o.label_selector = cfg_.label_selector;
  o.field_selector = cfg_.field_selector;
  return watch_request(res, ns, o);
}

} // namespace kelos::k8s
