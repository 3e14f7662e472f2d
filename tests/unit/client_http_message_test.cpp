#include "k8s/client/http_message.hpp"

#include <gtest/gtest.h>

using namespace kelos::k8s;

TEST(HttpMessage, TargetWithoutQueryIsPath) {
  http_request r;
  r.path = "/api/v1/pods";
  EXPECT_EQ(r.target(), "/api/v1/pods");
}

TEST(HttpMessage, TargetEncodesSelectorSpecialCharacters) {
  http_request r;
  r.path = "/api/v1/pods";
  r.query = {{"labelSelector", "app in (a,b)"}, {"limit", "5"}};
  EXPECT_EQ(r.target(), "/api/v1/pods?labelSelector=app%20in%20%28a%2Cb%29&limit=5");
}

TEST(HttpMessage, PercentEncodeKeepsUnreservedOnly) {
  EXPECT_EQ(percent_encode("AZaz09-._~"), "AZaz09-._~");
  EXPECT_EQ(percent_encode("a=b&c/d?e+f"), "a%3Db%26c%2Fd%3Fe%2Bf");
  EXPECT_EQ(percent_encode("\xC3\xA9"), "%C3%A9");
  EXPECT_EQ(percent_encode(""), "");
}

TEST(HttpMessage, HeaderLookupIsCaseInsensitive) {
  http_response resp;
  resp.headers = {{"Content-Type", "application/json"}, {"retry-after", "3"}};
  EXPECT_EQ(resp.header("content-type"), "application/json");
  EXPECT_EQ(resp.header("Retry-After"), "3");
  EXPECT_EQ(resp.header("X-Missing"), "");
  http_request req;
  req.headers = {{"ACCEPT", "application/json"}};
  EXPECT_EQ(req.header("accept"), "application/json");
}

TEST(HttpMessage, HeaderNameEqualComparesLength) {
  EXPECT_TRUE(header_name_equal("ETag", "etag"));
  EXPECT_FALSE(header_name_equal("ETag", "etags"));
  EXPECT_FALSE(header_name_equal("a-b", "a_b"));
}
