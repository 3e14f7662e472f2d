#include "sources/spawn_template.hpp"

#include "sources/template.hpp"

namespace kelos::sources {

namespace {

kelos::expected<std::string> render_field(std::string_view field, std::string name, std::string_view text,
                                          const work_item& item) {
  auto out = render_template(std::move(name), text, spawn_template_data(item));
  if (!out) {
    auto err = std::move(out).error();
    err.message = std::string{field} + ": " + err.message;
    return err;
  }
  return out;
}

} // namespace

k8s::json spawn_template_data(const work_item& item) {
  std::string labels;
  for (const auto& l : item.labels) {
    if (!labels.empty())
      labels += ", ";
    labels += l;
  }
  return k8s::json{{"ID", item.id},
                   {"Number", item.number},
                   {"Title", item.title},
                   {"Body", item.body},
                   {"URL", item.url},
                   {"Labels", std::move(labels)},
                   {"Comments", item.comments},
                   {"Kind", item.kind.empty() ? std::string{"Issue"} : item.kind},
                   {"Time", item.time},
                   {"Schedule", item.schedule}};
}

kelos::expected<std::string> render_spawn_prompt(const std::string& prompt_template, const work_item& item) {
  std::string_view text = prompt_template.empty() ? default_prompt_template : std::string_view{prompt_template};
  return render_field("promptTemplate", "prompt", text, item);
}

kelos::expected<std::string> render_spawn_branch(const std::string& branch_template, const work_item& item) {
  if (branch_template.empty())
    return std::string{};
  return render_field("branch", "branch", branch_template, item);
}

bool template_uses_comments(const std::string& prompt_template) {
  return prompt_template.empty() || prompt_template.find("Comments") != std::string::npos;
}

} // namespace kelos::sources
