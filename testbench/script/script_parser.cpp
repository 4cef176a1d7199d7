#include "testbench/script/script_parser.h"

#include "model/util/size_suffix.h"

#include <climits>
#include <fstream>
#include <sstream>

namespace mmusim::script {

namespace {

// Argument shorthands for the op-spec table.
ArgSpec number(std::string_view name, uint64_t min = 0, uint64_t max = UINT64_MAX) {
  return ArgSpec{name, ArgKind::kNumber, FlagFamily::kProt, min, max};
}
ArgSpec size(std::string_view name) {
  return ArgSpec{name, ArgKind::kSize};
}
ArgSpec flags(std::string_view name, FlagFamily family) {
  return ArgSpec{name, ArgKind::kFlags, family};
}
ArgSpec word(std::string_view name) {
  return ArgSpec{name, ArgKind::kName};
}
ArgSpec fd() {
  return number("FD", 0, INT_MAX);
}
ArgSpec byte_value() {
  return number("VALUE", 0, 0xff);
}

constexpr size_t kAll = SIZE_MAX;  // first_optional marker: no optional tail

OpSpec row(OpKind kind, std::string_view name, std::vector<ArgSpec> args,
           size_t first_optional = kAll) {
  const size_t n = args.size();
  return OpSpec{kind, name, std::move(args), first_optional == kAll ? n : first_optional};
}

// The grammar of every operation, in OpKind order (checked at start-up).
std::vector<OpSpec> build_op_specs() {
  using F = FlagFamily;
  std::vector<OpSpec> t;
  t.push_back(row(OpKind::kFile, "file", {word("NAME"), size("SIZE")}));
  t.push_back(row(OpKind::kOpen, "open", {fd(), word("NAME"), flags("MODE", F::kOpen)}));
  t.push_back(row(OpKind::kClose, "close", {fd()}));
  t.push_back(row(OpKind::kTruncate, "truncate", {fd(), size("SIZE")}));
  t.push_back(row(OpKind::kMmap, "mmap",
                  {number("ADDR"), size("LEN"), flags("PROT", F::kProt), flags("FLAGS", F::kMap),
                   fd(), size("OFFSET")},
                  4));
  t.push_back(row(OpKind::kMunmap, "munmap", {number("ADDR"), size("LEN")}));
  t.push_back(
      row(OpKind::kMprotect, "mprotect", {number("ADDR"), size("LEN"), flags("PROT", F::kProt)}));
  t.push_back(row(OpKind::kMremap, "mremap",
                  {number("OLD"), size("OLDLEN"), size("NEWLEN"), flags("FLAGS", F::kMremap),
                   number("NEWADDR")},
                  4));
  t.push_back(
      row(OpKind::kMadvise, "madvise", {number("ADDR"), size("LEN"), flags("ADVICE", F::kMadv)}));
  t.push_back(row(OpKind::kMsync, "msync", {number("ADDR"), size("LEN"), flags("FLAGS", F::kMs)}));
  t.push_back(row(OpKind::kLoad, "load", {number("ADDR")}));
  t.push_back(row(OpKind::kStore, "store", {number("ADDR"), byte_value()}));
  t.push_back(row(OpKind::kPread, "pread", {fd(), size("OFFSET")}));
  t.push_back(row(OpKind::kPwrite, "pwrite", {fd(), size("OFFSET"), byte_value()}));
  t.push_back(row(OpKind::kMaps, "maps", {}));
  t.push_back(row(OpKind::kFetch, "fetch", {number("ADDR")}));
  t.push_back(row(OpKind::kLoadN, "loadn", {number("SIZE", 1, 8), number("ADDR")}));
  t.push_back(
      row(OpKind::kStoreN, "storen", {number("SIZE", 1, 8), number("ADDR"), number("VALUE")}));
  t.push_back(row(OpKind::kStats, "stats", {}));
  t.push_back(row(OpKind::kSpawn, "spawn", {number("PID", 1, INT_MAX)}));
  t.push_back(row(OpKind::kFork, "fork", {number("CHILD", 1, INT_MAX)}));
  t.push_back(row(OpKind::kSwitch, "switch", {number("PID", 1, INT_MAX)}));
  t.push_back(row(OpKind::kExit, "exit", {}));
  t.push_back(row(OpKind::kThread, "thread", {number("TID", 1, INT_MAX)}));
  t.push_back(row(OpKind::kBrk, "brk", {number("ADDR")}));
  t.push_back(row(OpKind::kSmaps, "smaps", {}));
  t.push_back(row(OpKind::kIomap, "iomap",
                  {number("ADDR"), size("LEN"), flags("PROT", F::kProt), flags("FLAGS", F::kMap),
                   word("DEVICE"), size("OFFSET"), flags("MEMTYPE", F::kMt)},
                  6));
  t.push_back(row(OpKind::kUart, "uart", {}));
  // The range check against cpu.cores is the runner's (cpu = -EINVAL).
  t.push_back(row(OpKind::kCpu, "cpu", {number("N", 0, INT_MAX)}));
  for (size_t i = 0; i < t.size(); ++i) {
    if (static_cast<size_t>(t[i].kind) != i) throw std::logic_error("op-spec table out of order");
    if (t[i].args.size() > kMaxArgs) throw std::logic_error("op-spec row has too many args");
  }
  return t;
}

bool is_space(char c) {
  return c == ' ' || c == '\t' || c == '\r' || c == '\v' || c == '\f';
}

std::vector<std::string_view> split_words(std::string_view line) {
  std::vector<std::string_view> words;
  size_t i = 0;
  while (i < line.size()) {
    while (i < line.size() && is_space(line[i]))
      ++i;
    const size_t start = i;
    while (i < line.size() && !is_space(line[i]))
      ++i;
    if (i > start) words.push_back(line.substr(start, i - start));
  }
  return words;
}

int hex_digit(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  return -1;
}

// Parses "digits" in `base` (10 or 16) without a suffix.
bool parse_digits(std::string_view digits, unsigned base, uint64_t& out, bool& overflow) {
  overflow = false;
  if (digits.empty()) return false;
  uint64_t v = 0;
  for (char c : digits) {
    const int d = hex_digit(c);
    if (d < 0 || static_cast<unsigned>(d) >= base) return false;
    if (v > (UINT64_MAX - static_cast<unsigned>(d)) / base) overflow = true;
    v = v * base + static_cast<unsigned>(d);
  }
  out = v;
  return true;
}

// Source name, line number and operation of the line being parsed, for errors.
struct LineContext {
  std::string_view source;
  int line;
  std::string_view op;

  [[noreturn]] void fail(const std::string& what) const {
    std::ostringstream msg;
    msg << source << ':' << line << ": ";
    if (!op.empty()) msg << op << ": ";
    msg << what;
    throw ScriptError(msg.str());
  }
};

uint64_t parse_flags(const LineContext& ctx, const ArgSpec& spec, std::string_view text) {
  const std::string family(family_name(spec.family));
  uint64_t value = 0;
  size_t count = 0;
  size_t start = 0;
  while (true) {
    const size_t bar = text.find('|', start);
    const std::string_view w =
        text.substr(start, bar == std::string_view::npos ? std::string_view::npos : bar - start);
    if (w.empty())
      ctx.fail("malformed flags '" + std::string(text) + "' in " + std::string(spec.name));
    ++count;
    if (w[0] >= '0' && w[0] <= '9') {
      uint64_t n = 0;
      std::string what;
      if (!parse_number(w, n, what)) ctx.fail(what);
      if (n > static_cast<uint64_t>(INT_MAX))
        ctx.fail(std::string(spec.name) + " '" + std::string(w) + "' is out of range [0, " +
                 std::to_string(INT_MAX) + "]");
      value |= n;
    } else if (const auto v = flag_value(spec.family, w)) {
      value |= static_cast<uint64_t>(*v);
    } else {
      ctx.fail("unknown flag '" + std::string(w) + "' in " + std::string(spec.name));
    }
    if (bar == std::string_view::npos) break;
    start = bar + 1;
  }
  if (count > 1 && !is_bitmask(spec.family))
    ctx.fail(std::string(spec.name) + " takes one " + family + " value, not '" + std::string(text) +
             "'");
  return value;
}

uint64_t parse_arg(const LineContext& ctx, const ArgSpec& spec, std::string_view text) {
  uint64_t v = 0;
  std::string what;
  switch (spec.kind) {
    case ArgKind::kName:
      return 0;
    case ArgKind::kFlags:
      return parse_flags(ctx, spec, text);
    case ArgKind::kNumber:
      if (!parse_number(text, v, what)) ctx.fail(what);
      break;
    case ArgKind::kSize:
      if (!parse_size(text, v, what)) ctx.fail(what);
      break;
  }
  if (v < spec.min || v > spec.max)
    ctx.fail(std::string(spec.name) + " '" + std::string(text) + "' is out of range [" +
             std::to_string(spec.min) + ", " + std::to_string(spec.max) + "]");
  return v;
}

const OpSpec* find_op(std::string_view name) {
  for (const OpSpec& s : op_specs())
    if (s.name == name) return &s;
  return nullptr;
}

size_t arg_index(const OpSpec& spec, std::string_view arg_name) {
  for (size_t i = 0; i < spec.args.size(); ++i)
    if (spec.args[i].name == arg_name) return i;
  throw std::logic_error(std::string(spec.name) + " has no argument " + std::string(arg_name));
}

// Cross-argument rules that a per-argument range cannot express.
void check_op(const LineContext& ctx, const ScriptOp& op, const std::vector<std::string_view>& w) {
  if (op.kind == OpKind::kIomap && op.has_tail) {
    // One memory type, optionally with MT_ONFAULT.
    const uint64_t type = op.args[6] & ~static_cast<uint64_t>(kMtOnFault);
    size_t types = 0;
    for (size_t start = 0; start <= w[7].size();) {
      const size_t bar = w[7].find('|', start);
      const std::string_view word =
          w[7].substr(start, bar == std::string_view::npos ? bar : bar - start);
      types += word != "MT_ONFAULT";
      if (bar == std::string_view::npos) break;
      start = bar + 1;
    }
    if (types != 1 || type > 7)
      ctx.fail("MEMTYPE '" + std::string(w[7]) +
               "' must name one memory type (MT_NORMAL ... MT_DEVICE_GRE), optionally "
               "|MT_ONFAULT");
  }
  if (op.kind == OpKind::kStoreN) {
    const uint64_t bytes = op.args[0];
    if (bytes < 8 && (op.args[2] >> (8 * bytes)) != 0)
      ctx.fail("VALUE '" + std::string(w[3]) + "' does not fit in " + std::to_string(bytes) +
               (bytes == 1 ? " byte" : " bytes"));
  }
}

ScriptOp parse_line(std::string_view source, int line_no, std::string_view line) {
  const size_t hash = line.find('#');
  if (hash != std::string_view::npos) line = line.substr(0, hash);
  const std::vector<std::string_view> words = split_words(line);
  ScriptOp op;
  op.line = line_no;
  LineContext ctx{source, line_no, {}};
  const OpSpec* spec = find_op(words[0]);
  if (spec == nullptr) ctx.fail("unknown operation '" + std::string(words[0]) + "'");
  ctx.op = spec->name;
  op.kind = spec->kind;

  const size_t given = words.size() - 1;
  if (given > spec->args.size()) ctx.fail("too many arguments");
  if (given < spec->args.size() && given != spec->first_optional)
    ctx.fail("missing argument " + std::string(spec->args[given].name));
  op.has_tail = given > spec->first_optional;

  for (size_t i = 0; i < given; ++i) {
    const ArgSpec& a = spec->args[i];
    op.args[i] = parse_arg(ctx, a, words[i + 1]);
    if (a.kind == ArgKind::kName) op.name = std::string(words[i + 1]);
  }
  check_op(ctx, op, words);
  return op;
}

bool parse_number_impl(std::string_view word, uint64_t& out, std::string& what,
                       std::string_view whole) {
  bool overflow = false;
  bool ok;
  if (word.size() > 2 && word[0] == '0' && (word[1] == 'x' || word[1] == 'X'))
    ok = parse_digits(word.substr(2), 16, out, overflow);
  else
    ok = parse_digits(word, 10, out, overflow);
  if (!ok) {
    what = "malformed number '" + std::string(whole) + "'";
    return false;
  }
  if (overflow) {
    what = "number '" + std::string(whole) + "' does not fit in 64 bits";
    return false;
  }
  return true;
}

}  // namespace

const std::vector<OpSpec>& op_specs() {
  static const std::vector<OpSpec> specs = build_op_specs();
  return specs;
}

const OpSpec& op_spec(OpKind kind) {
  return op_specs().at(static_cast<size_t>(kind));
}
std::string_view op_name(OpKind kind) {
  return op_spec(kind).name;
}

uint64_t ScriptOp::arg(std::string_view arg_name) const {
  return args.at(arg_index(op_spec(kind), arg_name));
}

bool ScriptOp::has(std::string_view arg_name) const {
  const OpSpec& spec = op_spec(kind);
  return arg_index(spec, arg_name) < spec.first_optional || has_tail;
}

bool parse_number(std::string_view word, uint64_t& out, std::string& what) {
  return parse_number_impl(word, out, what, word);
}

bool parse_size(std::string_view word, uint64_t& out, std::string& what) {
  std::string_view digits = word;
  const unsigned shift = util::take_size_suffix(digits);
  uint64_t v = 0;
  if (!parse_number_impl(digits, v, what, word)) return false;
  if (shift != 0 && (v >> (64 - shift)) != 0) {
    what = "number '" + std::string(word) + "' does not fit in 64 bits";
    return false;
  }
  out = v << shift;
  return true;
}

std::vector<ScriptOp> parse_script(std::string_view text, std::string_view source_name) {
  std::vector<ScriptOp> ops;
  int line_no = 0;
  size_t pos = 0;
  while (pos < text.size()) {
    const size_t nl = text.find('\n', pos);
    const size_t end = nl == std::string_view::npos ? text.size() : nl;
    ++line_no;
    const std::string_view line = text.substr(pos, end - pos);
    const size_t hash = line.find('#');
    if (!split_words(line.substr(0, hash)).empty())
      ops.push_back(parse_line(source_name, line_no, line));
    pos = end + 1;
  }
  return ops;
}

std::vector<ScriptOp> parse_script_file(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) throw ScriptError(path + ": cannot open script");
  std::ostringstream text;
  text << in.rdbuf();
  if (in.bad()) throw ScriptError(path + ": cannot read script");
  return parse_script(text.str(), path);
}

}  // namespace mmusim::script
