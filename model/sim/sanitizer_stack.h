#pragma once

namespace mmusim::sim {

// After sc_start() has run SystemC's coroutines, AddressSanitizer may still
// hold a coroutine's stack as the main thread's stack (SystemC announces its
// switches to ASan, but not the main stack's bounds). An exception thrown on
// the main stack after that leaves the thrower's redzones poisoned, and the
// next landing pad reports a false stack-buffer-overflow. This tells ASan the
// main thread's real stack again. Call it on the main stack after sc_start()
// returns; without ASan it does nothing.
void restore_main_stack_for_sanitizer();

}  // namespace mmusim::sim
