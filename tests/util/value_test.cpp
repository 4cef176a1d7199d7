#include "model/util/value.h"

#include <gtest/gtest.h>

#include <stdexcept>

namespace mmusim::util {
namespace {

TEST(Value, DefaultIsNull) {
  EXPECT_TRUE(Value().is_null());
  EXPECT_EQ(Value().type(), Value::Type::kNull);
  EXPECT_EQ(Value().size(), 0u);
}

TEST(Value, HoldsEachScalarType) {
  EXPECT_EQ(Value(true).as_bool(), true);
  EXPECT_EQ(Value(-5).as_int(), -5);
  EXPECT_EQ(Value(uint64_t{UINT64_MAX}).as_uint(), UINT64_MAX);
  EXPECT_EQ(Value(7u).type(), Value::Type::kUint);
  EXPECT_EQ(Value(2.5).as_double(), 2.5);
  EXPECT_EQ(Value("lru").as_string(), "lru");
  EXPECT_EQ(Value(3).as_double(), 3.0);
  EXPECT_EQ(Value(int64_t{9}).as_uint(), 9u);
  EXPECT_EQ(Value(uint64_t{9}).as_int(), 9);
}

TEST(Value, WrongTypeAccessIsAProgrammingError) {
  EXPECT_THROW(Value("x").as_uint(), std::logic_error);
  EXPECT_THROW(Value(-1).as_uint(), std::logic_error);
  EXPECT_THROW(Value(uint64_t{UINT64_MAX}).as_int(), std::logic_error);
  EXPECT_THROW(Value(1).as_string(), std::logic_error);
  EXPECT_THROW(Value().as_object(), std::logic_error);
}

TEST(Value, ObjectKeepsInsertionOrder) {
  Value v;
  v["zeta"] = 1;
  v["alpha"] = 2;
  v["mid"]["x"] = "y";
  ASSERT_TRUE(v.is_object());
  ASSERT_EQ(v.size(), 3u);
  EXPECT_EQ(v.as_object()[0].first, "zeta");
  EXPECT_EQ(v.as_object()[1].first, "alpha");
  EXPECT_EQ(v.as_object()[2].first, "mid");
  EXPECT_EQ(v.find("mid")->find("x")->as_string(), "y");
  EXPECT_EQ(v.find("nope"), nullptr);
  v["zeta"] = 5;  // replaces in place
  EXPECT_EQ(v.size(), 3u);
  EXPECT_EQ(v.as_object()[0].second.as_uint(), 5u);
}

TEST(Value, ArrayPushBack) {
  Value v;
  v.push_back(1);
  v.push_back("two");
  ASSERT_TRUE(v.is_array());
  EXPECT_EQ(v.size(), 2u);
  EXPECT_EQ(v.as_array()[1].as_string(), "two");
}

TEST(Value, IntegersCompareByValueAcrossSignedness) {
  EXPECT_EQ(Value(int64_t{5}), Value(uint64_t{5}));
  EXPECT_NE(Value(int64_t{-1}), Value(uint64_t{UINT64_MAX}));
  EXPECT_NE(Value(1), Value(1.0));
  EXPECT_NE(Value(1), Value(true));
  EXPECT_EQ(Value("a"), Value(std::string("a")));
}

TEST(Value, ObjectEqualityDependsOnOrder) {
  Value a, b;
  a["x"] = 1;
  a["y"] = 2;
  b["y"] = 2;
  b["x"] = 1;
  EXPECT_NE(a, b);
}

TEST(Value, DescribeNamesTypeAndValue) {
  EXPECT_EQ(Value().describe(), "null");
  EXPECT_EQ(Value(true).describe(), "bool true");
  EXPECT_EQ(Value(5u).describe(), "unsigned integer 5");
  EXPECT_EQ(Value(-5).describe(), "integer -5");
  EXPECT_EQ(Value(0.5).describe(), "number 0.5");
  EXPECT_EQ(Value("x").describe(), "string 'x'");
  EXPECT_EQ(Value(std::string(100'000, 'a')).describe(),
            "string '" + std::string(60, 'a') + "...' (100000 bytes)");
  EXPECT_EQ(Value::array().describe(), "array");
  EXPECT_EQ(Value::object().describe(), "object");
}

TEST(Value, ToJsonCompactAndPretty) {
  Value v;
  v["a"] = 1;
  v["b"].push_back(true);
  v["b"].push_back(Value());
  EXPECT_EQ(v.to_json(0), R"({"a":1,"b":[true,null]})");
  EXPECT_EQ(v.to_json(2), "{\n  \"a\": 1,\n  \"b\": [\n    true,\n    null\n  ]\n}");
}

}  // namespace
}  // namespace mmusim::util
