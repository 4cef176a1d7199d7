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

TEST(ParseYaml, CommentsOnlyInsideTokensAreKept) {
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
  EXPECT_EQ(config_error([] { parse_yaml("a:\n  b: 1\n   c: 2\n", "c.yaml"); }),
            "c.yaml:3:4: unexpected indentation");
  EXPECT_EQ(config_error([] { parse_yaml("a: 1\n  b: 2\n", "c.yaml"); }),
            "c.yaml:2:3: unexpected indentation");
  EXPECT_EQ(config_error([] { parse_yaml("a: 1\njust text\n", "c.yaml"); }),
            "c.yaml:2:1: expected 'key: value'");
  EXPECT_EQ(config_error([] { parse_yaml("a: 1\nb: 2\na: 3\n", "c.yaml"); }),
            "c.yaml:3:1: duplicate key 'a'");
  EXPECT_EQ(config_error([] { parse_yaml("a:\n\tb: 1\n", "c.yaml"); }),
            "c.yaml:2:1: tab in indentation");
  EXPECT_EQ(config_error([] { parse_yaml("a: \"abc\n", "c.yaml"); }),
            "c.yaml:1:8: unterminated string");
  EXPECT_EQ(config_error([] { parse_yaml("a: [1, 2\n", "c.yaml"); }),
            "c.yaml:1:9: expected ',' or ']' in flow sequence");
  EXPECT_EQ(config_error([] { parse_yaml("a: [1, , 2]\n", "c.yaml"); }),
            "c.yaml:1:8: expected a value");
  EXPECT_EQ(config_error([] { parse_yaml("a: {x: 1, x: 2}\n", "c.yaml"); }),
            "c.yaml:1:11: duplicate key 'x'");
  EXPECT_EQ(config_error([] { parse_yaml("a: 1\n- 2\n", "c.yaml"); }),
            "c.yaml:2:1: sequence item where a 'key: value' was expected");
  EXPECT_EQ(config_error([] { parse_yaml("a: 99999999999999999999\n", "c.yaml"); }),
            "c.yaml:1:4: integer '99999999999999999999' does not fit in 64 bits");
  EXPECT_EQ(config_error([] { parse_yaml("a: \"x\" y\n", "c.yaml"); }),
            "c.yaml:1:8: unexpected text after value");
  EXPECT_EQ(config_error([] { parse_yaml("- 1\n  - 2\n", "c.yaml"); }),
            "c.yaml:2:3: unexpected indentation");
}

}  // namespace
}  // namespace mmusim::util
