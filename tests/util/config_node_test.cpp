#include "model/util/config_node.h"

#include <gtest/gtest.h>

#include "model/util/config_file.h"
#include "model/util/yaml.h"
#include "tests/util/test_support.h"

namespace mmusim::util {
namespace {

using testing::config_error;

ConfigNode config(const char* yaml) {
  return ConfigNode(parse_yaml(yaml, "c.yaml"));
}

TEST(ConfigNode, ReadsTypedValuesAtDottedPath) {
  const ConfigNode root = config(
      "mmu:\n  l1_dtlb:\n    entries: 64\n    ways: 0x4\n    size: 32K\n    hit_ratio: 0.5\n"
      "    enabled: true\n    name: dtlb\n    replacement: fifo\n");
  const ConfigNode tlb = root.at("mmu.l1_dtlb");
  EXPECT_EQ(tlb.path(), "mmu.l1_dtlb");
  EXPECT_TRUE(tlb.present());
  EXPECT_EQ(tlb.get_uint("entries", 32, 1, 4096, "entries"), 64u);
  EXPECT_EQ(tlb.get_uint("ways", 1, 1, 4096, "ways"), 4u);
  EXPECT_EQ(tlb.get_uint("size", 0, 0, UINT64_MAX, "bytes"), 32768u);
  EXPECT_EQ(tlb.get_double("hit_ratio", 0, 0, 1, "ratio"), 0.5);
  EXPECT_EQ(tlb.get_bool("enabled", false, "on"), true);
  EXPECT_EQ(tlb.get_string("name", "x", "name"), "dtlb");
  EXPECT_EQ(tlb.get_enum("replacement", "lru", {"lru", "fifo", "random"}, "policy"), "fifo");
  EXPECT_NO_THROW(root.finish());
}

TEST(ConfigNode, MissingKeysAndNodesGiveDefaults) {
  const ConfigNode root = config("mmu: {}\n");
  const ConfigNode tlb = root.at("mmu.l2_tlb");
  EXPECT_FALSE(tlb.present());
  EXPECT_EQ(tlb.path(), "mmu.l2_tlb");
  EXPECT_EQ(tlb.get_uint("entries", 1024, 1, 4096, "entries"), 1024u);
  EXPECT_EQ(tlb.get_double("ratio", 0.25, 0, 1, "r"), 0.25);
  EXPECT_EQ(tlb.get_bool("on", true, "b"), true);
  EXPECT_EQ(tlb.get_string("name", "l2", "n"), "l2");
  EXPECT_EQ(tlb.get_enum("policy", "lru", {"lru"}, "p"), "lru");
  EXPECT_TRUE(ConfigNode(Value()).child("x").child("y").get_bool("z", true, ""));
}

TEST(ConfigNode, NullValueMeansDefault) {
  const ConfigNode root = config("ways:\n");
  EXPECT_EQ(root.get_uint("ways", 4, 1, 8, "ways"), 4u);
  EXPECT_NO_THROW(root.finish());
}

TEST(ConfigNode, SizeStringsArePowersOf1024) {
  const ConfigNode root = config("a: 4K\nb: 4M\nc: 1G\nd: 0x10K\ne: \"4096\"\nf: 16777215G\n");
  EXPECT_EQ(root.get_uint("a", 0, 0, UINT64_MAX, ""), 4096u);
  EXPECT_EQ(root.get_uint("b", 0, 0, UINT64_MAX, ""), 4u << 20);
  EXPECT_EQ(root.get_uint("c", 0, 0, UINT64_MAX, ""), 1u << 30);
  EXPECT_EQ(root.get_uint("d", 0, 0, UINT64_MAX, ""), 0x4000u);
  EXPECT_EQ(root.get_uint("e", 0, 0, UINT64_MAX, ""), 4096u);
  EXPECT_EQ(root.get_uint("f", 0, 0, UINT64_MAX, ""), 16777215ull << 30);
  uint64_t v = 0;
  EXPECT_TRUE(parse_size_string("4k", v));  // as the user means it
  EXPECT_EQ(v, 4096u);
  EXPECT_TRUE(parse_size_string("2m", v));
  EXPECT_EQ(v, 2u << 20);
  EXPECT_FALSE(parse_size_string("K", v));
  EXPECT_FALSE(parse_size_string("4KB", v));
  EXPECT_FALSE(parse_size_string("17179869184G", v));
  EXPECT_FALSE(parse_size_string("-4K", v));
  EXPECT_TRUE(parse_size_string("17179869183G", v));
  EXPECT_EQ(v, 17179869183ull << 30);
}

TEST(ConfigNode, OutOfRangeNamesFullKeyAndRange) {
  const ConfigNode tlb = config(
                             "mmu:\n  l1_dtlb:\n    ways: 0\n    entries: 64K\n    neg: -1\n"
                             "    ratio: 1.5\n")
                             .at("mmu.l1_dtlb");
  EXPECT_EQ(config_error([&] { tlb.get_uint("ways", 4, 1, 4096, ""); }),
            "mmu.l1_dtlb.ways: 0 is out of range [1, 4096]");
  EXPECT_EQ(config_error([&] { tlb.get_uint("entries", 4, 1, 4096, ""); }),
            "mmu.l1_dtlb.entries: 64K is out of range [1, 4096]");
  EXPECT_EQ(config_error([&] { tlb.get_uint("neg", 4, 0, 10, ""); }),
            "mmu.l1_dtlb.neg: -1 is out of range [0, 10]");
  EXPECT_EQ(config_error([&] { tlb.get_double("ratio", 0, 0, 1, ""); }),
            "mmu.l1_dtlb.ratio: 1.5 is out of range [0, 1]");
}

TEST(ConfigNode, WrongTypesNameFullKey) {
  const ConfigNode n =
      config("m:\n  a: lots\n  b: 3\n  c: [1]\n  d: yes\n  e: 2.5\n  f: 7\n  g: {x: 1}\n  h: 1\n");
  const ConfigNode m = n.child("m");
  EXPECT_EQ(config_error([&] { m.get_uint("a", 0, 0, 9, ""); }),
            "m.a: expected an unsigned integer or a size (suffix K, M or G), got string 'lots'");
  EXPECT_EQ(config_error([&] { m.get_uint("e", 0, 0, 9, ""); }),
            "m.e: expected an unsigned integer or a size (suffix K, M or G), got number 2.5");
  EXPECT_EQ(config_error([&] { m.get_bool("b", false, ""); }),
            "m.b: expected true or false, got unsigned integer 3");
  EXPECT_EQ(config_error([&] { m.get_bool("d", false, ""); }),
            "m.d: expected true or false, got string 'yes'");
  EXPECT_EQ(config_error([&] { m.get_string("c", "", ""); }), "m.c: expected a string, got array");
  EXPECT_EQ(config_error([&] { m.get_double("a", 0, 0, 1, ""); }),
            "m.a: expected a number, got string 'lots'");
  EXPECT_EQ(config_error([&] {
              m.get_enum("a", "lru", {"lru", "fifo"}, "");
            }),
            "m.a: 'lots' is not one of lru, fifo");
  EXPECT_EQ(config_error([&] {
              m.get_enum("f", "lru", {"lru", "fifo"}, "");
            }),
            "m.f: expected one of lru, fifo, got unsigned integer 7");
  EXPECT_EQ(config_error([&] { m.child("f"); }), "m.f: expected an object, got unsigned integer 7");
  EXPECT_EQ(config_error([&] { m.items("g"); }), "m.g: expected an array, got object");
  EXPECT_EQ(m.get_string("h", "", ""), "1");
  EXPECT_EQ(m.get_double("f", 0, 0, 10, ""), 7.0);
}

TEST(ConfigNode, FinishReportsFirstUnreadKeyWithFullPath) {
  const ConfigNode root = config(
      "mmu:\n  l1_dtlb:\n    entries: 64\n    entriez: 32\n  walker:\n    depth: 4\n"
      "seed: 1\n");
  const ConfigNode tlb = root.at("mmu.l1_dtlb");
  tlb.get_uint("entries", 1, 1, 4096, "");
  EXPECT_EQ(config_error([&] { root.finish(); }), "mmu.l1_dtlb.entriez: unknown key");
  EXPECT_EQ(config_error([&] { tlb.finish(); }), "mmu.l1_dtlb.entriez: unknown key");
  tlb.get_uint("entriez", 1, 1, 4096, "");
  EXPECT_NO_THROW(tlb.finish());
  EXPECT_EQ(config_error([&] { root.finish(); }), "mmu.walker: unknown key");
  root.at("mmu.walker");
  EXPECT_EQ(config_error([&] { root.finish(); }), "mmu.walker.depth: unknown key");
  root.at("mmu.walker").get_uint("depth", 1, 1, 8, "");
  EXPECT_EQ(config_error([&] { root.finish(); }), "seed: unknown key");
  root.get_uint("seed", 0, 0, UINT64_MAX, "");
  EXPECT_NO_THROW(root.finish());
}

TEST(ConfigNode, ArrayItemsHaveIndexedPaths) {
  const ConfigNode root =
      config("devices:\n  - name: uart\n    base: 0x9000000\n  - name: timer\n    bsae: 1\n");
  const auto devices = root.items("devices");
  ASSERT_EQ(devices.size(), 2u);
  EXPECT_EQ(devices[1].path(), "devices.1");
  for (const ConfigNode& d : devices) {
    d.get_string("name", "", "device");
    d.get_uint("base", 0, 0, UINT64_MAX, "base");
  }
  EXPECT_EQ(config_error([&] { root.finish(); }), "devices.1.bsae: unknown key");
  EXPECT_TRUE(root.items("absent").empty());
  EXPECT_EQ(config_error([] { config("l: [1, 2]\n").items("l"); }),
            "l.0: expected an object, got unsigned integer 1");
}

TEST(ConfigNode, TopLevelMustBeAnObject) {
  EXPECT_EQ(config_error([] { ConfigNode(Value(3)); }),
            "config: top level must be an object, got integer 3");
}

TEST(ConfigNode, DocumentsEveryParameterOnce) {
  const ConfigNode root(Value::object());
  const ConfigNode tlb = root.at("mmu.l1_dtlb");
  tlb.get_uint("ways", 4, 1, 4096, "associativity");
  tlb.get_double("ratio", 0.5, 0, 1, "a ratio");
  tlb.get_bool("enabled", true, "switch");
  tlb.get_string("name", "dtlb", "display name");
  tlb.get_enum("replacement", "lru", {"lru", "fifo"}, "victim selection");
  tlb.get_uint("ways", 4, 1, 16, "read again");  // first declaration wins
  const auto& docs = root.documented();
  ASSERT_EQ(docs.size(), 5u);
  EXPECT_EQ(docs[0].path, "mmu.l1_dtlb.ways");
  EXPECT_EQ(docs[0].type, "uint");
  EXPECT_EQ(docs[0].default_value, "4");
  EXPECT_EQ(docs[0].allowed, "[1, 4096]");
  EXPECT_EQ(docs[0].description, "associativity");
  EXPECT_EQ(docs[1].allowed, "[0, 1]");
  EXPECT_EQ(docs[1].default_value, "0.5");
  EXPECT_EQ(docs[2].default_value, "true");
  EXPECT_EQ(docs[4].allowed, "lru | fifo");
  EXPECT_EQ(tlb.documented().size(), 5u);  // shared by every node of the tree
  EXPECT_EQ(root.reference(),
            "mmu.l1_dtlb.ways = 4  (uint, [1, 4096])  associativity\n"
            "mmu.l1_dtlb.ratio = 0.5  (double, [0, 1])  a ratio\n"
            "mmu.l1_dtlb.enabled = true  (bool)  switch\n"
            "mmu.l1_dtlb.name = dtlb  (string)  display name\n"
            "mmu.l1_dtlb.replacement = lru  (enum, lru | fifo)  victim selection\n");
}

TEST(ConfigNode, ReferenceAndUsedValuesShowWhatARunWouldUse) {
  const ConfigNode root = config("mmu:\n  l1_dtlb:\n    entries: 32k\n    policy: fifo\n");
  const ConfigNode tlb = root.at("mmu.l1_dtlb");
  tlb.get_uint("entries", 48, 1, 1 << 20, "entries");
  tlb.get_uint("ways", 32768, 1, 1 << 20, "ways", "entries");
  tlb.get_enum("policy", "lru", {"lru", "fifo"}, "victim selection");
  tlb.get_double("ratio", 0.5, 0, 1, "a ratio");
  EXPECT_EQ(root.reference(),
            "mmu.l1_dtlb.entries = 32768  (uint, [1, 1048576], default 48)  entries\n"
            "mmu.l1_dtlb.ways = 32768  (uint, [1, 1048576], default entries)  ways\n"
            "mmu.l1_dtlb.policy = fifo  (enum, lru | fifo, default lru)  victim selection\n"
            "mmu.l1_dtlb.ratio = 0.5  (double, [0, 1])  a ratio\n");
  EXPECT_EQ(root.used_values().to_json(0),
            R"({"mmu":{"l1_dtlb":{"entries":32768,"ways":32768,"policy":"fifo","ratio":0.5}}})");
}

TEST(ConfigNode, FileErrorsNameFileAndLine) {
  Value v = parse_yaml("mmu:\n  l1_dtlb:\n    ways: 0\n    entriez: 4\n", "c.yaml");
  const ConfigNode located(v, true);
  EXPECT_EQ(config_error([&] { located.at("mmu.l1_dtlb").get_uint("ways", 4, 1, 8, ""); }),
            "c.yaml:3: mmu.l1_dtlb.ways: 0 is out of range [1, 8]");
  EXPECT_EQ(config_error([&] { located.finish(); }), "c.yaml:4: mmu.l1_dtlb.entriez: unknown key");
  const ConfigNode plain(v);
  plain.at("mmu.l1_dtlb").get_uint("ways", 4, 0, 8, "");
  EXPECT_EQ(config_error([&] { plain.finish(); }), "mmu.l1_dtlb.entriez: unknown key");
}

TEST(ConfigNode, DottedKeysInAFileAreTheKeysTheyName) {
  const ConfigNode root(
      parse_yaml("mmu.l2_tlb.entries: 512\nmmu:\n  l2_tlb.ways: 4\n  l1_dtlb: {ways: 2}\n",
                 "c.yaml"),
      true);
  EXPECT_EQ(root.at("mmu.l2_tlb").get_uint("entries", 1, 1, 4096, ""), 512u);
  EXPECT_EQ(root.at("mmu.l2_tlb").get_uint("ways", 1, 1, 4096, ""), 4u);
  EXPECT_EQ(root.at("mmu.l1_dtlb").get_uint("ways", 1, 1, 4096, ""), 2u);
  root.finish();
  EXPECT_EQ(config_error([] {
              ConfigNode(parse_yaml("mmu:\n  l2_tlb: {ways: 4}\nmmu.l2_tlb.ways: 8\n", "c.yaml"));
            }),
            "c.yaml:3: mmu.l2_tlb.ways: set twice (first at c.yaml:2)");
  EXPECT_EQ(config_error([] { ConfigNode(parse_yaml("mmu..ways: 8\n", "c.yaml")); }),
            "'mmu.': empty key in path");
}

TEST(ConfigNode, OverridesApplyBeforeReading) {
  Value tree = parse_yaml("mmu:\n  l1_dtlb:\n    entries: 64\n", "c.yaml");
  apply_overrides(tree, {"mmu.l1_dtlb.entries=128", "mmu.l1_dtlb.replacement=fifo",
                         "mmu.walker.enabled=false"});
  const ConfigNode root(tree);
  EXPECT_EQ(root.at("mmu.l1_dtlb").get_uint("entries", 1, 1, 4096, ""), 128u);
  EXPECT_EQ(root.at("mmu.l1_dtlb").get_enum("replacement", "lru", {"lru", "fifo"}, ""), "fifo");
  EXPECT_FALSE(root.at("mmu.walker").get_bool("enabled", true, ""));
  EXPECT_NO_THROW(root.finish());
}

}  // namespace
}  // namespace mmusim::util
