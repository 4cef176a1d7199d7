#include "model/util/json_writer.h"

#include <gtest/gtest.h>

#include <cmath>
#include <limits>
#include <sstream>
#include <stdexcept>

namespace mmusim::util {
namespace {

TEST(JsonWriter, PrettyPrintsNestedStatsTree) {
  std::ostringstream out;
  JsonWriter w(out);
  w.begin_object();
  w.field("name", "l1_dtlb");
  w.field("hits", uint64_t{12345});
  w.field("delta", int64_t{-3});
  w.field("hit_rate", 0.875);
  w.key("latency").begin_array().value(1).value(2u).end_array();
  w.key("empty_obj").begin_object().end_object();
  w.key("empty_arr").begin_array().end_array();
  w.field("enabled", true);
  w.key("none").null();
  w.end_object();
  EXPECT_TRUE(w.done());
  EXPECT_EQ(out.str(),
            "{\n"
            "  \"name\": \"l1_dtlb\",\n"
            "  \"hits\": 12345,\n"
            "  \"delta\": -3,\n"
            "  \"hit_rate\": 0.875,\n"
            "  \"latency\": [\n"
            "    1,\n"
            "    2\n"
            "  ],\n"
            "  \"empty_obj\": {},\n"
            "  \"empty_arr\": [],\n"
            "  \"enabled\": true,\n"
            "  \"none\": null\n"
            "}");
}

TEST(JsonWriter, CompactModeHasNoWhitespace) {
  std::ostringstream out;
  JsonWriter w(out, 0);
  w.begin_object().field("a", 1).key("b").begin_array().value("x").value(false).end_array();
  w.end_object();
  EXPECT_EQ(out.str(), R"({"a":1,"b":["x",false]})");
}

TEST(JsonWriter, EscapesStrings) {
  EXPECT_EQ(JsonWriter::quote("a\"b\\c\n\t\r\b\f"), R"("a\"b\\c\n\t\r\b\f")");
  EXPECT_EQ(JsonWriter::quote(std::string("\x01\x1f", 2)), R"("\u0001\u001f")");
  EXPECT_EQ(JsonWriter::quote("caf\xc3\xa9"), "\"caf\xc3\xa9\"");
}

std::string double_text(double d) {
  std::ostringstream out;
  JsonWriter(out, 0).value(d);
  return out.str();
}

TEST(JsonWriter, DoublesRoundTripAndLookLikeDoubles) {
  EXPECT_EQ(double_text(1.0), "1.0");
  EXPECT_EQ(double_text(0.1), "0.1");
  EXPECT_EQ(double_text(1.0 / 3.0), "0.3333333333333333");
  EXPECT_EQ(double_text(1e300), "1e+300");
  EXPECT_EQ(double_text(-2.5e-7), "-2.5e-07");
  EXPECT_EQ(double_text(123456789012.0), "123456789012.0");
  EXPECT_EQ(double_text(std::nan("")), "null");
  EXPECT_EQ(double_text(std::numeric_limits<double>::infinity()), "null");
}

TEST(JsonWriter, IntegerExtremes) {
  std::ostringstream out;
  JsonWriter(out, 0).begin_array().value(UINT64_MAX).value(INT64_MIN).end_array();
  EXPECT_EQ(out.str(), "[18446744073709551615,-9223372036854775808]");
}

TEST(JsonWriter, MisuseIsAProgrammingError) {
  std::ostringstream out;
  JsonWriter w(out);
  w.begin_object();
  EXPECT_THROW(w.value(1), std::logic_error);  // value without key
  EXPECT_THROW(w.end_array(), std::logic_error);
  w.key("k");
  EXPECT_THROW(w.key("again"), std::logic_error);
  EXPECT_THROW(w.end_object(), std::logic_error);  // key without value
  w.value(1).end_object();
  EXPECT_THROW(w.value(2), std::logic_error);  // second top-level value
  JsonWriter w2(out);
  EXPECT_THROW(w2.key("x"), std::logic_error);
}

}  // namespace
}  // namespace mmusim::util
