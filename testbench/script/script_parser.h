// Syscall-script parser (docs/syscall-script.md). A whole script
// is parsed up front into ScriptOps, so that a malformed line is reported
// before anything runs. The grammar of each operation is one row of an
// op-spec table (script_parser.cpp, kOpSpecs): adding an operation means one
// enumerator here and one row there.
#pragma once

#include <array>
#include <cstdint>
#include <stdexcept>
#include <string>
#include <string_view>
#include <vector>

#include "testbench/script/script_flags.h"

namespace mmusim::script {

// Bad input: what() is exactly "FILE:LINE: what is wrong" (or "FILE: what is
// wrong" when the file itself cannot be read).
class ScriptError : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

enum class OpKind : uint8_t {
  // The Linux-comparable core (spec table).
  kFile,      // file NAME SIZE
  kOpen,      // open FD NAME MODE
  kClose,     // close FD
  kTruncate,  // truncate FD SIZE
  kMmap,      // mmap ADDR LEN PROT FLAGS [FD OFFSET]
  kMunmap,    // munmap ADDR LEN
  kMprotect,  // mprotect ADDR LEN PROT
  kMremap,    // mremap OLD OLDLEN NEWLEN FLAGS [NEWADDR]
  kMadvise,   // madvise ADDR LEN ADVICE
  kMsync,     // msync ADDR LEN FLAGS
  kLoad,      // load ADDR
  kStore,     // store ADDR VALUE          (VALUE 0-0xff)
  kPread,     // pread FD OFFSET
  kPwrite,    // pwrite FD OFFSET VALUE    (VALUE 0-0xff)
  kMaps,      // maps
  // Simulator extensions.
  kFetch,   // fetch ADDR                  instruction fetch
  kLoadN,   // loadn SIZE ADDR             SIZE 1-8, any alignment
  kStoreN,  // storen SIZE ADDR VALUE      VALUE must fit in SIZE bytes
  kStats,   // stats
  kSpawn,   // spawn PID                   new process with an empty address space
  kFork,    // fork CHILD                  fork the current process
  kSwitch,  // switch PID                  run PID from now on
  kExit,    // exit                        the current task exits
  kThread,  // thread TID                  new task sharing the current mm
  kBrk,     // brk ADDR                    set the program break
  kSmaps,   // smaps                       maps with memory use per VMA
  kIomap,   // iomap ADDR LEN PROT FLAGS DEVICE OFFSET [MEMTYPE]   map device registers
  kUart,    // uart                        the bytes the UART transmitted so far
  kCpu,     // cpu N                       the following lines run on core N
};

// How one argument word is read.
enum class ArgKind : uint8_t {
  kNumber,  // decimal or 0x hex
  kSize,    // a number, optionally with a K, M or G suffix (powers of 1024)
  kFlags,   // flag words of one family joined with '|', or a number (0)
  kName,    // any word (file names)
};

// At most this many arguments per operation.
constexpr size_t kMaxArgs = 7;

// One argument of an operation's grammar.
struct ArgSpec {
  std::string_view name;  // "ADDR", as in the spec and in error messages
  ArgKind kind = ArgKind::kNumber;
  FlagFamily family = FlagFamily::kProt;  // kFlags only
  uint64_t min = 0;                       // kNumber/kSize: inclusive range
  uint64_t max = UINT64_MAX;
};

// One row of the op-spec table. Arguments from `first_optional` on form an
// optional tail that is given entirely or not at all.
struct OpSpec {
  OpKind kind;
  std::string_view name;  // the operation word, "mmap"
  std::vector<ArgSpec> args;
  size_t first_optional;  // == args.size() when nothing is optional
};

// The grammar of every operation, in OpKind order.
const std::vector<OpSpec>& op_specs();
const OpSpec& op_spec(OpKind kind);
std::string_view op_name(OpKind kind);

// One parsed line.
struct ScriptOp {
  OpKind kind = OpKind::kMaps;
  int line = 0;  // 1-based line number in the script
  // Numeric, size and flag arguments by position in the op's grammar (see
  // the OpKind comments); Name arguments and absent optional ones are 0.
  std::array<uint64_t, kMaxArgs> args{};
  std::string name;       // the op's Name argument (file, open), else empty
  bool has_tail = false;  // the optional tail was given (mmap FD OFFSET, mremap NEWADDR)

  uint64_t arg(size_t index) const { return args.at(index); }
  // The argument called `arg_name` in the op's grammar ("LEN"); throws
  // std::logic_error when the op has no such argument.
  uint64_t arg(std::string_view arg_name) const;
  // A flags argument as the int the system call takes.
  int flags(std::string_view arg_name) const { return static_cast<int>(arg(arg_name)); }
  // True when argument `arg_name` was given (required ones always are).
  bool has(std::string_view arg_name) const;
};

// Parses a whole script. `source_name` is the file name used in errors.
std::vector<ScriptOp> parse_script(std::string_view text, std::string_view source_name);
// Reads and parses a file; errors name the path as given.
std::vector<ScriptOp> parse_script_file(const std::string& path);

// Numbers as scripts write them (exposed for tests and for other text
// front ends). Return false on a malformed word or 64-bit overflow; `what`
// receives "malformed number 'W'" or "number 'W' does not fit in 64 bits".
bool parse_number(std::string_view word, uint64_t& out, std::string& what);
bool parse_size(std::string_view word, uint64_t& out, std::string& what);

}  // namespace mmusim::script
