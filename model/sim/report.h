// The SystemC message types of mmusim's hardware (model/): every message,
// warning and error a module reports goes through sc_report with one of these
// types, so that a platform can filter them or change their actions with
// sc_report_handler::set_actions("mmusim/mmu", ...) ("mmusim/*" matching is
// not built into SystemC: set the types one by one, or by severity).
//
// Errors:
// - a module refusing its constructor arguments (the XParams it is given,
//   checked by XParams::validate(), which names the key) or an elaboration
//   call (Bus::map, RegisterBlock::add), a workload breaking the CPU port's
//   contract, a fault the operating system claims to fix that recurs, and a
//   refused Mmu::set_tcr() are SC_REPORT_ERROR. With SystemC's default
//   actions that throws sc_core::sc_report (get_msg_type() the type below,
//   get_msg() the text, e.g. "top.cpu: fault not resolved after 8 retries:
//   ..."); where the model cannot go on after the error, an error whose
//   actions do not throw becomes SC_REPORT_FATAL (report::error()).
// - Not here: configuration read from a file (XParams::read, util::ConfigError
//   naming FILE:LINE), the XParams::validate() checks themselves
//   (std::invalid_argument naming the key, what HardwareParams::check and a
//   configuration reader call before building anything), the plain-C++
//   parts that run without a SystemC kernel (Tlb, WalkCache, Replacement,
//   the block device's core), and the plain-C++ ports the kernel layer drives
//   (model/ports/hw.h: their contracts name std exceptions).
#pragma once

#include <cstdlib>
#include <stdexcept>
#include <string>
#include <systemc>

namespace mmusim::report {

inline constexpr const char kCpu[] = "mmusim/cpu";
inline constexpr const char kMmu[] = "mmusim/mmu";
inline constexpr const char kWalker[] = "mmusim/walker";
inline constexpr const char kCache[] = "mmusim/cache";
inline constexpr const char kBus[] = "mmusim/bus";
inline constexpr const char kDram[] = "mmusim/dram";
inline constexpr const char kRom[] = "mmusim/rom";
inline constexpr const char kDevice[] = "mmusim/dev";  // register blocks, devices
inline constexpr const char kPlatform[] = "mmusim/platform";

// Reports an error the caller cannot continue from: SC_REPORT_ERROR (which
// throws sc_core::sc_report with the default actions); if the handler's
// actions for it do not throw, SC_REPORT_FATAL (which aborts by default),
// and std::abort() if even that returns.
[[noreturn]] inline void error_at(const char* type, const std::string& msg, const char* file,
                                  int line) {
  sc_core::sc_report_handler::report(sc_core::SC_ERROR, type, msg.c_str(), file, line);
  sc_core::sc_report_handler::report(sc_core::SC_FATAL, type, msg.c_str(), file, line);
  std::abort();
}
#define MMUSIM_REPORT_ERROR(type, msg) ::mmusim::report::error_at((type), (msg), __FILE__, __LINE__)

// Runs `validate` (an XParams::validate call) and reports what it refuses as
// an error of `type`, with its text (which names the key).
template <class F>
void check_params(const char* type, F&& validate, const char* file, int line) {
  try {
    validate();
  } catch (const std::invalid_argument& e) {
    error_at(type, e.what(), file, line);
  }
}
#define MMUSIM_CHECK_PARAMS(type, ...) \
  ::mmusim::report::check_params((type), [&] { __VA_ARGS__; }, __FILE__, __LINE__)

}  // namespace mmusim::report
