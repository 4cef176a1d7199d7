// The error a pin-level driver throws when a Verilated block stops answering.
#pragma once

#include <stdexcept>

namespace mmusim::rtl {

// A response that did not come within the cycle limit. what() names the block, the request it
// waited for and the state it is stuck in.
class RtlStuck : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

}  // namespace mmusim::rtl
