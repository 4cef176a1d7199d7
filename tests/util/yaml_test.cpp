// The project's rules on top of yaml-cpp: scalar types, lines, limits.
#include "model/util/yaml.h"

#include <gtest/gtest.h>

#include <cmath>

#include "model/util/json.h"
#include "tests/util/test_support.h"

namespace mmusim::util {
namespace {

using testing::config_error;

constexpr const char* kYaml = R"(---
# A platform configuration.
mmu:
  l1_dtlb:
    entries: 64          # per core
    ways: 4
    replacement: lru
    size: 32K
  walker:
    caches: [pwc0, "pwc 1", 'it''s']
    latency: 0x1f
    ratio: 0.5
    exp: 1e3
    neg: -12
    enabled: true
    trace: false
    nothing: ~
    empty:
devices:
  - name: uart
    base: 0x9000000
  - name: timer
    base: 0xa000000
    irqs:
      - 1
      - 2
ports:
- 80
- "443"
flow: {a: 1, b: [x, y]}
)";

constexpr const char* kJson = R"({
  "mmu": {
    "l1_dtlb": {"entries": 64, "ways": 4, "replacement": "lru", "size": "32K"},
    "walker": {"caches": ["pwc0", "pwc 1", "it's"], "latency": 31, "ratio": 0.5, "exp": 1000.0,
               "neg": -12, "enabled": true, "trace": false, "nothing": null, "empty": null}
  },
  "devices": [
    {"name": "uart", "base": 150994944},
    {"name": "timer", "base": 167772160, "irqs": [1, 2]}
  ],
  "ports": [80, "443"],
  "flow": {"a": 1, "b": ["x", "y"]}
})";

TEST(ParseYaml, GivesTheSameTreeAsEquivalentJson) {
  const Value y = parse_yaml(kYaml, "c.yaml");
  const Value j = parse_json(kJson, "c.json");
  EXPECT_EQ(y, j) << y.to_json() << "\n---\n" << j.to_json();
}

TEST(ParseYaml, ScalarTypes) {
  const Value v = parse_yaml(
      "a: 12\nb: 0x10\nc: -3\nd: 2.5\ne: true\nf: False\ng: null\nh: hello world\ni: '7'\n"
      "j: \"x\\ty\"\nk: 32K\nl: .inf\nm: 1.5e-3\nn: v1.2\n",
      "c.yaml");
  EXPECT_EQ(v.find("a")->type(), Value::Type::kUint);
  EXPECT_EQ(v.find("a")->as_uint(), 12u);
  EXPECT_EQ(v.find("b")->as_uint(), 16u);
  EXPECT_EQ(v.find("c")->as_int(), -3);
  EXPECT_EQ(v.find("d")->as_double(), 2.5);
  EXPECT_EQ(v.find("e")->as_bool(), true);
  EXPECT_EQ(v.find("f")->as_bool(), false);
  EXPECT_TRUE(v.find("g")->is_null());
  EXPECT_EQ(v.find("h")->as_string(), "hello world");
  EXPECT_EQ(v.find("i")->as_string(), "7");
  EXPECT_EQ(v.find("j")->as_string(), "x\ty");
  EXPECT_EQ(v.find("k")->as_string(), "32K");
  EXPECT_TRUE(std::isinf(v.find("l")->as_double()));
  EXPECT_EQ(v.find("m")->as_double(), 1.5e-3);
  EXPECT_EQ(v.find("n")->as_string(), "v1.2");
}

TEST(ParseYaml, CommentsStartAfterABlank) {
  const Value v = parse_yaml("a: x#y\nb: \"q # r\"  # comment\nc: 'p#' # c\n", "c.yaml");
  EXPECT_EQ(v.find("a")->as_string(), "x#y");
  EXPECT_EQ(v.find("b")->as_string(), "q # r");
  EXPECT_EQ(v.find("c")->as_string(), "p#");
}

TEST(ParseYaml, EmptyDocumentIsNull) {
  EXPECT_TRUE(parse_yaml("", "c.yaml").is_null());
  EXPECT_TRUE(parse_yaml("# nothing\n\n---\n", "c.yaml").is_null());
}

TEST(ParseYaml, NestedSequences) {
  const Value v = parse_yaml("- - 1\n  - 2\n- [3]\n-\n  k: v\n", "c.yaml");
  EXPECT_EQ(v, parse_json(R"([[1, 2], [3], {"k": "v"}])", "c.json"));
}

TEST(ParseYaml, ScalarForOverrides) {
  EXPECT_EQ(parse_yaml_scalar("64", "o"), Value(64u));
  EXPECT_EQ(parse_yaml_scalar(" lru ", "o"), Value("lru"));
  EXPECT_EQ(parse_yaml_scalar("[1, 2]", "o"), parse_json("[1, 2]", "j"));
  EXPECT_EQ(parse_yaml_scalar("true", "o"), Value(true));
}

TEST(ParseYaml, ErrorsNameSourceLineAndColumn) {
  EXPECT_EQ(config_error([] { parse_yaml("a: 1\nb: 2\na: 3\n", "c.yaml"); }),
            "c.yaml:3:1: duplicate key 'a' (first at c.yaml:1)");
  EXPECT_EQ(config_error([] { parse_yaml("a: {x: 1, x: 2}\n", "c.yaml"); }),
            "c.yaml:1:11: duplicate key 'x' (first at c.yaml:1)");
  EXPECT_EQ(config_error([] { parse_yaml("a: 99999999999999999999\n", "c.yaml"); }),
            "c.yaml:1:4: integer 99999999999999999999 does not fit in 64 bits");
  EXPECT_EQ(config_error([] { parse_yaml("a: [1, 2\n", "c.yaml"); }),
            "c.yaml:2:1: end of sequence flow not found");
  EXPECT_EQ(config_error([] { parse_yaml("a: 1\n---\nb: 2\n", "c.yaml"); }),
            "c.yaml:0:0: more than one YAML document ('---')");
  EXPECT_EQ(config_error([] { parse_yaml("[1]: x\n", "c.yaml"); }),
            "c.yaml:1:1: a key must be a string, got a sequence");
  EXPECT_EQ(config_error([] { parse_yaml("a: !!int x\n", "c.yaml"); }),
            "c.yaml:1:4: 'x' is not a valid int");
  EXPECT_EQ(config_error([] { parse_yaml("a: *nope\n", "c.yaml"); }),
            "c.yaml:1:4: the referenced anchor is not defined");
}

TEST(ParseYaml, ValuesKnowTheLineOfTheirKey) {
  const Value v =
      parse_yaml("# c\nmmu:\n  l1_dtlb:\n    entries: 64\n  list:\n    - 1\n    - 2\n", "c.yaml");
  EXPECT_EQ(v.find("mmu")->location(), "c.yaml:2");
  EXPECT_EQ(v.find("mmu")->find("l1_dtlb")->find("entries")->location(), "c.yaml:4");
  EXPECT_EQ(v.find("mmu")->find("list")->as_array()[1].location(), "c.yaml:7");
}

TEST(ParseYaml, DirectivesBlockScalarsAnchorsAndMergeKeys) {
  const Value v = parse_yaml(
      "%YAML 1.2\n---\n"
      "base: &tlb {entries: 64, ways: 4}\n"
      "l1: *tlb\n"
      "l2:\n  <<: *tlb\n  ways: 8\n"
      "both:\n  <<: [{a: 1}, {a: 2, b: 3}]\n"
      "text: |\n  two\n  lines\n"
      "folded: >\n  one\n  line\n"
      "str: !!str 12\n",
      "c.yaml");
  EXPECT_EQ(*v.find("l1"), parse_json(R"({"entries": 64, "ways": 4})", "j"));
  EXPECT_EQ(*v.find("l2"), parse_json(R"({"ways": 8, "entries": 64})", "j"));
  EXPECT_EQ(*v.find("both"), parse_json(R"({"a": 1, "b": 3})", "j"));
  EXPECT_EQ(v.find("text")->as_string(), "two\nlines\n");
  EXPECT_EQ(v.find("folded")->as_string(), "one line\n");
  EXPECT_EQ(v.find("str")->as_string(), "12");
}

// 30,000 nested '[' or block levels (a crash in the old recursive parser):
// refused at the 65th level, before yaml-cpp's own recursion goes deeper.
TEST(ParseYaml, DeepNestingIsRefusedNotACrash) {
  // yaml-cpp reads an unclosed "[[" as a one-pair mapping whose key is a
  // sequence: two levels per bracket.
  EXPECT_EQ(config_error([] { parse_yaml(std::string(30'000, '['), "c.yaml"); }),
            "c.yaml:1:33: nesting too deep (more than 64 levels of arrays and objects)");
  EXPECT_EQ(config_error([] { parse_yaml("a: " + std::string(30'000, '{'), "c.yaml"); }),
            "c.yaml:1:67: nesting too deep (more than 64 levels of arrays and objects)");
  std::string block;
  for (int i = 0; i < 3'000; ++i)
    block += std::string(static_cast<size_t>(i), ' ') + "a:\n";
  EXPECT_EQ(config_error([&] { parse_yaml(block, "c.yaml"); }),
            "c.yaml:65:65: nesting too deep (more than 64 levels of arrays and objects)");
  std::string seq;
  for (int i = 0; i < 3'000; ++i)
    seq += std::string(static_cast<size_t>(i), ' ') + "-\n";
  EXPECT_NE(config_error([&] { parse_yaml(seq, "c.yaml"); }).find("nesting too deep"),
            std::string::npos);
  EXPECT_EQ(config_error([] { parse_yaml_scalar(std::string(30'000, '['), "override 'a'"); }),
            "override 'a':1:33: nesting too deep (more than 64 levels of arrays and objects)");
}

// The billion laughs: aliases count as often as they are repeated.
TEST(ParseYaml, AliasBombIsRefused) {
  std::string bomb = "a0: &a0 [x, x, x, x, x, x, x, x, x, x]\n";
  for (int i = 1; i < 10; ++i) {
    bomb += "a" + std::to_string(i) + ": &a" + std::to_string(i) + " [";
    for (int j = 0; j < 10; ++j)
      bomb += (j ? ", *a" : "*a") + std::to_string(i - 1);
    bomb += "]\n";
  }
  EXPECT_NE(config_error([&] {
              parse_yaml(bomb, "c.yaml");
            }).find("more than 1000000 values (a YAML alias counts as many values as it repeats)"),
            std::string::npos);
  std::string merges = "m0: &m0 {k0: [x, x, x, x, x, x, x, x, x, x]}\n";
  for (int i = 1; i < 30; ++i)
    merges += "m" + std::to_string(i) + ": &m" + std::to_string(i) + " {<<: *m" +
              std::to_string(i - 1) + ", k" + std::to_string(i) + ": [*m" + std::to_string(i - 1) +
              ", *m" + std::to_string(i - 1) + "]}\n";
  EXPECT_NE(config_error([&] { parse_yaml(merges, "c.yaml"); }).find("more than 1000000 values"),
            std::string::npos);
}

}  // namespace
}  // namespace mmusim::util
