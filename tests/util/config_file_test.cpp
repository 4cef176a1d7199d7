#include "model/util/config_file.h"

#include <gtest/gtest.h>

#include <cstdio>
#include <fstream>

#include "model/util/json.h"
#include "tests/util/test_support.h"

namespace mmusim::util {
namespace {

using testing::config_error;

class ConfigFileTest : public ::testing::Test {
 protected:
  std::string write(const std::string& name, const std::string& text) {
    const std::string path = ::testing::TempDir() + name;
    std::ofstream(path) << text;
    m_files.push_back(path);
    return path;
  }
  void TearDown() override {
    for (const auto& f : m_files)
      std::remove(f.c_str());
  }
  std::vector<std::string> m_files;
};

TEST_F(ConfigFileTest, PicksParserByExtension) {
  const Value expected = parse_json(R"({"a": {"b": 1}})", "x");
  EXPECT_EQ(load_config_file(write("cfg.json", R"({"a": {"b": 1}})")), expected);
  EXPECT_EQ(load_config_file(write("cfg.yaml", "a:\n  b: 1\n")), expected);
  EXPECT_EQ(load_config_file(write("cfg.yml", "a: {b: 1}\n")), expected);
}

TEST_F(ConfigFileTest, SyntaxErrorsNameThePath) {
  const std::string path = write("bad.yaml", "a: 1\n  b: 2\n");
  EXPECT_EQ(config_error([&] { load_config_file(path); }), path + ":2:4: illegal map value");
}

TEST_F(ConfigFileTest, UnknownExtensionIsAnError) {
  const std::string path = write("cfg.toml", "a = 1\n");
  EXPECT_EQ(config_error([&] { load_config_file(path); }),
            path + ": unknown config format (expected .json, .yaml or .yml)");
}

TEST_F(ConfigFileTest, TopLevelMustBeAMappingAndEmptyMeansDefaults) {
  const std::string path = write("arr.json", "[1, 2]");
  EXPECT_EQ(config_error([&] { load_config_file(path); }),
            path + ": the top level must be a mapping of keys, got array");
  EXPECT_EQ(load_config_file(write("empty.yaml", "# only a comment\n")), Value::object());
}

TEST_F(ConfigFileTest, UnreadableFileIsAnError) {
  EXPECT_EQ(config_error([] { load_config_file("/nonexistent/cfg.yaml"); }),
            "/nonexistent/cfg.yaml: cannot read file");
}

TEST(Overrides, DottedPathCreatesObjectsAndParsesValue) {
  Value root = parse_json(R"({"mmu": {"l1_dtlb": {"ways": 4}}})", "x");
  set_override(root, "mmu.l1_dtlb.entries", "64");
  set_override(root, "mmu.l1_dtlb.ways", "8");
  set_override(root, "mmu.walker.policy", "lru");
  set_override(root, "trace", "true");
  EXPECT_EQ(root, parse_json(R"({"mmu": {"l1_dtlb": {"ways": 8, "entries": 64},
                                         "walker": {"policy": "lru"}}, "trace": true})",
                             "x"));
}

TEST(Overrides, KeyEqualsValueStrings) {
  Value root;
  apply_overrides(root, {"a.b=1", "a.c=[1, 2]", "d=x=y", "e="});
  EXPECT_EQ(root.find("a")->find("b")->as_uint(), 1u);
  EXPECT_EQ(root.find("a")->find("c")->size(), 2u);
  EXPECT_EQ(root.find("d")->as_string(), "x=y");
  EXPECT_TRUE(root.find("e")->is_null());
}

TEST(Overrides, Errors) {
  Value root = parse_json(R"({"mmu": 5})", "x");
  EXPECT_EQ(config_error([&] { apply_override(root, "mmu"); }),
            "override 'mmu': expected KEY=VALUE");
  EXPECT_EQ(config_error([&] { apply_override(root, "=3"); }), "override '=3': expected KEY=VALUE");
  EXPECT_EQ(config_error([&] { apply_override(root, "mmu.ways=4"); }),
            "mmu: cannot set 'ways' inside unsigned integer 5");
  EXPECT_EQ(config_error([&] { apply_override(root, "a..b=4"); }), "'a..b': empty key in path");
  EXPECT_EQ(config_error([&] { apply_override(root, "a=[1"); }),
            "override 'a':1:1: end of sequence flow not found");
}

// A key of 60,000 parts (--set, or a dotted key in a file) would build a
// tree too deep to walk: refused like deep nesting.
TEST(Overrides, DeepKeyPathsAreRefused) {
  std::string key = "a";
  for (int i = 1; i < 60'000; ++i)
    key += ".a";
  Value root;
  EXPECT_EQ(config_error([&] { apply_override(root, key + "=1"); }),
            "'" + key.substr(0, 60) + "...': nesting too deep (more than 64 levels of keys)");
  Value file = parse_json("{\n\"" + key + "\": 1}", "c.json");
  EXPECT_EQ(
      config_error([&] { expand_dotted_keys(file); }),
      "c.json:2: '" + key.substr(0, 60) + "...': nesting too deep (more than 64 levels of keys)");
  apply_override(root, key.substr(0, 127) + "=1");  // 64 levels are fine
}

}  // namespace
}  // namespace mmusim::util
