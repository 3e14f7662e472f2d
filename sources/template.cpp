#include "sources/template.hpp"

#include "sources/template/exec.hpp"
#include "sources/template/parser.hpp"

namespace kelos::sources {

expected<void> validate(const template_options& opts) {
  if (opts.max_output_bytes == 0)
    return make_error(errc::invalid_spec, "template_options.max_output_bytes must be > 0");
  if (opts.max_depth == 0)
    return make_error(errc::invalid_spec, "template_options.max_depth must be > 0");
  if (opts.max_steps == 0)
    return make_error(errc::invalid_spec, "template_options.max_steps must be > 0");
  return {};
}

expected<text_template> text_template::parse(std::string name, std::string_view text,
                                             template_options opts) {
  if (auto ok = validate(opts); !ok)
    return ok.error();
  auto parsed = tmpl::parse(std::move(name), text, opts.max_depth);
  if (!parsed)
    return std::move(parsed).error();
  auto impl = std::make_shared<tmpl::parsed_template>(std::move(*parsed));
  impl->options = opts;
  text_template t;
  t.impl_ = std::move(impl);
  return t;
}

expected<std::string> text_template::execute(const k8s::json& data) const {
  return tmpl::execute(*impl_, data, impl_->options);
}

const std::string& text_template::name() const noexcept {
  return impl_->name;
}

expected<std::string> render_template(std::string name, std::string_view text,
                                      const k8s::json& data, template_options opts) {
  auto t = text_template::parse(std::move(name), text, opts);
  if (!t)
    return std::move(t).error();
  return t->execute(data);
}

} // namespace kelos::sources
