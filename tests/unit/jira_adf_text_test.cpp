// Plain text from Atlassian Document Format (sources/jira/adf_text.hpp).
#include "sources/jira/adf_text.hpp"

#include <gtest/gtest.h>

#include <string>

namespace {

using kelos::k8s::json;
using kelos::sources::jira::adf_to_text;
using kelos::sources::jira::rich_text;

std::string text_of(const char* adf) { return adf_to_text(json::parse(adf)); }

TEST(AdfText, ParagraphsAndInlineMarks) {
  EXPECT_EQ(text_of(R"({"type":"doc","version":1,"content":[
      {"type":"paragraph","content":[{"type":"text","text":"Hello "},
                                     {"type":"text","text":"world","marks":[{"type":"strong"}]},
                                     {"type":"text","text":"!"}]},
      {"type":"paragraph","content":[{"type":"text","text":"Second"}]}]})"),
            "Hello world!\nSecond");
}

TEST(AdfText, InlineNodes) {
  EXPECT_EQ(text_of(R"({"type":"doc","version":1,"content":[{"type":"paragraph","content":[
      {"type":"mention","attrs":{"id":"5b10","text":"@Ada"}},{"type":"text","text":" see "},
      {"type":"inlineCard","attrs":{"url":"https://x.example/1"}},{"type":"hardBreak"},
      {"type":"emoji","attrs":{"shortName":":smile:"}},{"type":"emoji","attrs":{"shortName":":x:","text":"❌"}},
      {"type":"status","attrs":{"text":"DONE","color":"green"}}]}]})"),
            "@Ada see https://x.example/1\n:smile:❌DONE");
}

TEST(AdfText, BlocksListsCodeAndRule) {
  EXPECT_EQ(text_of(R"({"type":"doc","version":1,"content":[
      {"type":"heading","attrs":{"level":2},"content":[{"type":"text","text":"Steps"}]},
      {"type":"orderedList","attrs":{"order":3},"content":[
        {"type":"listItem","content":[{"type":"paragraph","content":[{"type":"text","text":"build"}]}]},
        {"type":"listItem","content":[{"type":"paragraph","content":[{"type":"text","text":"test"}]}]}]},
      {"type":"bulletList","content":[
        {"type":"listItem","content":[{"type":"paragraph","content":[{"type":"text","text":"a"}]}]}]},
      {"type":"rule"},
      {"type":"codeBlock","attrs":{"language":"sh"},"content":[{"type":"text","text":"make\nmake test"}]},
      {"type":"blockquote","content":[{"type":"paragraph","content":[{"type":"text","text":"quoted"}]}]}]})"),
            "Steps\n3. build\n4. test\n- a\n---\nmake\nmake test\nquoted");
}

TEST(AdfText, UnknownAndMalformedNodes) {
  EXPECT_EQ(text_of(R"({"type":"mystery","content":[{"type":"paragraph","content":[{"type":"text","text":"x"}]}]})"), "x");
  EXPECT_EQ(text_of(R"({"type":"doc","content":"not an array"})"), "");
  EXPECT_EQ(text_of(R"({"type":"doc","content":[1,null,"s",{"type":"text","text":"ok"}]})"), "ok");
  EXPECT_EQ(text_of(R"({"type":"text"})"), "");
  EXPECT_EQ(text_of("[1,2]"), "");
}

TEST(AdfText, DeepNestingIsCut) {
  json node = {{"type", "text"}, {"text", "deep"}};
  for (int i = 0; i < 300; ++i)
    node = {{"type", "blockquote"}, {"content", json::array({node})}};
  EXPECT_EQ(adf_to_text(node), "");
  json shallow = {{"type", "text"}, {"text", "ok"}};
  for (int i = 0; i < 50; ++i)
    shallow = {{"type", "blockquote"}, {"content", json::array({shallow})}};
  EXPECT_EQ(adf_to_text(shallow), "ok");
}

TEST(AdfText, RichTextForms) {
  EXPECT_EQ(rich_text(json("plain *wiki* text")), "plain *wiki* text");
  EXPECT_EQ(rich_text(json(nullptr)), "");
  EXPECT_EQ(rich_text(json(3)), "");
  EXPECT_EQ(rich_text(json::parse(R"({"type":"doc","version":1,"content":[{"type":"paragraph","content":[{"type":"text","text":"adf"}]}]})")),
            "adf");
}

} // namespace
