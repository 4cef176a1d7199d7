#include "model/util/json.h"

#include <gtest/gtest.h>

#include "tests/util/test_support.h"

namespace mmusim::util {
namespace {

using testing::config_error;

TEST(ParseJson, ObjectsArraysAndScalars) {
  const Value v = parse_json(R"({"mmu": {"ways": 4, "ratio": 0.25, "on": true, "off": false,
    "name": "l1", "none": null, "list": [1, -2, 3.5e2], "big": 18446744073709551615}})",
                             "c.json");
  const Value& mmu = *v.find("mmu");
  EXPECT_EQ(mmu.find("ways")->type(), Value::Type::kUint);
  EXPECT_EQ(mmu.find("ways")->as_uint(), 4u);
  EXPECT_EQ(mmu.find("ratio")->as_double(), 0.25);
  EXPECT_EQ(mmu.find("on")->as_bool(), true);
  EXPECT_EQ(mmu.find("off")->as_bool(), false);
  EXPECT_EQ(mmu.find("name")->as_string(), "l1");
  EXPECT_TRUE(mmu.find("none")->is_null());
  const auto& list = mmu.find("list")->as_array();
  ASSERT_EQ(list.size(), 3u);
  EXPECT_EQ(list[1].type(), Value::Type::kInt);
  EXPECT_EQ(list[1].as_int(), -2);
  EXPECT_EQ(list[2].type(), Value::Type::kDouble);
  EXPECT_EQ(list[2].as_double(), 350.0);
  EXPECT_EQ(mmu.find("big")->as_uint(), UINT64_MAX);
}

TEST(ParseJson, KeepsKeyOrder) {
  const Value v = parse_json(R"({"z": 1, "a": 2, "m": 3})", "c.json");
  EXPECT_EQ(v.as_object()[0].first, "z");
  EXPECT_EQ(v.as_object()[1].first, "a");
  EXPECT_EQ(v.as_object()[2].first, "m");
}

TEST(ParseJson, StringEscapes) {
  const Value v =
      parse_json(R"(["a\"b\\c\/\n\t\r\b\f", "\u00e9\u20ac", "\ud83d\ude00"])", "c.json");
  EXPECT_EQ(v.as_array()[0].as_string(), "a\"b\\c/\n\t\r\b\f");
  EXPECT_EQ(v.as_array()[1].as_string(), "\xc3\xa9\xe2\x82\xac");
  EXPECT_EQ(v.as_array()[2].as_string(), "\xf0\x9f\x98\x80");
}

TEST(ParseJson, NegativeIntegerLimits) {
  EXPECT_EQ(parse_json("-9223372036854775808", "c.json").as_int(), INT64_MIN);
  EXPECT_EQ(parse_json("[]", "c.json"), Value::array());
  EXPECT_EQ(parse_json(" {} ", "c.json"), Value::object());
}

TEST(ParseJson, ErrorsNameSourceLineAndColumn) {
  EXPECT_EQ(config_error([] { parse_json("{\n  \"a\": 1\n  \"b\": 2\n}", "c.json"); }),
            "c.json:3:3: expected ',' or '}' in object");
  EXPECT_EQ(config_error([] { parse_json("[1, 2", "c.json"); }),
            "c.json:1:6: expected ',' or ']' in array");
  EXPECT_EQ(config_error([] { parse_json("{\"a\": 1, \"a\": 2}", "c.json"); }),
            "c.json:1:10: duplicate key 'a'");
  EXPECT_EQ(config_error([] { parse_json("{a: 1}", "c.json"); }),
            "c.json:1:2: expected a string key");
  EXPECT_EQ(config_error([] { parse_json("{\"a\" 1}", "c.json"); }),
            "c.json:1:6: expected ':' after key");
  EXPECT_EQ(config_error([] { parse_json("\"abc", "c.json"); }), "c.json:1:5: unterminated string");
  EXPECT_EQ(config_error([] { parse_json("[\"\\q\"]", "c.json"); }),
            "c.json:1:4: unknown escape '\\q'");
  EXPECT_EQ(config_error([] { parse_json("{} x", "c.json"); }),
            "c.json:1:4: unexpected text after the top-level value");
  EXPECT_EQ(config_error([] { parse_json("", "c.json"); }),
            "c.json:1:1: unexpected end of input, expected a value");
  EXPECT_EQ(config_error([] { parse_json("[tru]", "c.json"); }),
            "c.json:1:2: unexpected character 't'");
  EXPECT_EQ(config_error([] { parse_json("[01]", "c.json"); }),
            "c.json:1:2: malformed number '01'");
  EXPECT_EQ(config_error([] { parse_json("[1.]", "c.json"); }),
            "c.json:1:2: malformed number '1.'");
  EXPECT_EQ(config_error([] { parse_json("[-]", "c.json"); }), "c.json:1:2: malformed number '-'");
  EXPECT_EQ(config_error([] { parse_json("[18446744073709551616]", "c.json"); }),
            "c.json:1:2: integer '18446744073709551616' does not fit in 64 bits");
  EXPECT_EQ(config_error([] { parse_json("[-9223372036854775809]", "c.json"); }),
            "c.json:1:2: integer '-9223372036854775809' does not fit in 64 bits");
}

}  // namespace
}  // namespace mmusim::util
