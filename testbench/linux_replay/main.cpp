// mmusim_linux_replay FILE: runs a syscall script on the host Linux kernel and
// prints its transcript (see linux_replayer.h).
#include "testbench/linux_replay/linux_replayer.h"

int main(int argc, char* argv[]) {
  return mmusim::linux_replay::replay_main(argc, argv);
}
