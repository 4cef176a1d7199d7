// The project's rules on top of nlohmann-json: value types, lines, limits.
#include "model/util/json.h"

#include <gtest/gtest.h>

#include <string>

#include "tests/util/test_support.h"

namespace mmusim::util {
namespace {

using testing::config_error;

TEST(ParseJson, IntegersKeepSignAnd64BitsApartFromDoubles) {
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
  EXPECT_EQ(list[0].type(), Value::Type::kUint);
  EXPECT_EQ(list[1].type(), Value::Type::kInt);
  EXPECT_EQ(list[1].as_int(), -2);
  EXPECT_EQ(list[2].type(), Value::Type::kDouble);
  EXPECT_EQ(list[2].as_double(), 350.0);
  EXPECT_EQ(mmu.find("big")->as_uint(), UINT64_MAX);
  EXPECT_EQ(parse_json("-9223372036854775808", "c.json").as_int(), INT64_MIN);
}

TEST(ParseJson, KeepsKeyOrderAndEscapes) {
  const Value v = parse_json(R"({"z": 1, "a": 2, "m": "\u00e9\n"})", "c.json");
  EXPECT_EQ(v.as_object()[0].first, "z");
  EXPECT_EQ(v.as_object()[1].first, "a");
  EXPECT_EQ(v.as_object()[2].second.as_string(), "\xc3\xa9\n");
}

TEST(ParseJson, ValuesKnowTheLineOfTheirKey) {
  const Value v =
      parse_json("{\n  \"a\": {\n    \"b\": 12,\n    \"c\": [1,\n 2]\n  }\n}", "c.json");
  EXPECT_EQ(v.find("a")->location(), "c.json:2");
  EXPECT_EQ(v.find("a")->find("b")->location(), "c.json:3");
  EXPECT_EQ(v.find("a")->find("c")->as_array()[0].location(), "c.json:4");
  EXPECT_EQ(v.find("a")->find("c")->as_array()[1].location(), "c.json:5");
}

TEST(ParseJson, ErrorsNameSourceLineAndColumn) {
  EXPECT_EQ(config_error([] { parse_json("{\"a\": 1, \"a\": 2}", "c.json"); }),
            "c.json:1:12: duplicate key 'a' (first at c.json:1)");
  EXPECT_EQ(config_error([] { parse_json("[18446744073709551616]", "c.json"); }),
            "c.json:1:21: integer 18446744073709551616 does not fit in 64 bits");
  EXPECT_EQ(config_error([] { parse_json("{\n  \"a\": 1\n  \"b\": 2\n}", "c.json"); }),
            "c.json:3:5: syntax error while parsing object - unexpected string literal; "
            "expected '}'");
  EXPECT_EQ(config_error([] { parse_json("[1e999]", "c.json"); }),
            "c.json:1:6: number overflow parsing '1e999'");
  EXPECT_EQ(config_error([] {
              parse_json("[" + std::string(2'000'000, '1') + "]", "c.json");
            }).substr(0, 60),
            "c.json:1:2000001: number overflow parsing '11111111111111111");
  EXPECT_EQ(config_error([] { parse_json("", "c.json"); }),
            "c.json:1:1: syntax error while parsing value - unexpected end of input; expected "
            "'[', '{', or a literal");
}

// 50,000 nested '[' (a crash in the old recursive parser): refused at the
// 65th level, before anything recursive sees it.
TEST(ParseJson, DeepNestingIsRefusedNotACrash) {
  const std::string deep(50'000, '[');
  EXPECT_EQ(config_error([&] { parse_json(deep, "c.json"); }),
            "c.json:1:65: nesting too deep (more than 64 levels of arrays and objects)");
  std::string objects;
  for (int i = 0; i < 50'000; ++i)
    objects += "{\"a\":";
  EXPECT_EQ(config_error([&] { parse_json(objects, "c.json"); }),
            "c.json:1:321: nesting too deep (more than 64 levels of arrays and objects)");
  // 64 levels are fine, and the tree destroys without trouble.
  const Value ok = parse_json(std::string(64, '[') + std::string(64, ']'), "c.json");
  EXPECT_TRUE(ok.is_array());
}

}  // namespace
}  // namespace mmusim::util
