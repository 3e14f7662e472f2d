#include "runtime/atoms.hpp"
#include "runtime/caf_error.hpp"
#include "tests/support/deterministic_fixture.hpp"

#include <caf/event_based_actor.hpp>
#include <caf/result.hpp>

using namespace kelos;

namespace {

caf::behavior failing_echo(caf::event_based_actor*) {
  return {[](atom::get, const std::string& name) -> caf::result<std::string> {
    if (name == "missing")
      return to_caf_error(make_error(errc::not_found, "tasks.kelos.dev \"missing\" not found"));
    return name;
  }};
}

} // namespace

class ErrorBridgeTest : public test::DeterministicTest {};

TEST_F(ErrorBridgeTest, KelosErrorsSurviveTheActorBoundary) {
  auto echo = spawn(failing_echo);
  self->send(echo, atom::get::value, std::string{"missing"});
  run();
  bool got_error = false;
  self->receive([](const std::string&) { FAIL() << "expected an error"; },
                [&](caf::error& err) {
                  got_error = true;
                  auto back = from_caf_error(err);
                  EXPECT_EQ(back.code, errc::not_found);
                  EXPECT_EQ(back.message, "tasks.kelos.dev \"missing\" not found");
                  EXPECT_EQ(sys.render(err), "kelos::not_found: tasks.kelos.dev \"missing\" not found");
                });
  EXPECT_TRUE(got_error);
}

TEST_F(ErrorBridgeTest, SuccessRepliesPassThrough) {
  auto echo = spawn(failing_echo);
  self->send(echo, atom::get::value, std::string{"x"});
  run();
  self->receive([](const std::string& s) { EXPECT_EQ(s, "x"); },
                [](caf::error& err) { FAIL() << caf::to_string(err); });
}

TEST(ErrorBridge, NoneMapsToNone) {
  EXPECT_FALSE(to_caf_error(kelos::error{}));
  EXPECT_FALSE(from_caf_error(caf::error{}));
}
