// A program that misbehaves on request, for the driver's own tests: proves
// that mmusim_fuzz flags a crash, a hang, a runaway allocation, a sanitizer
// report, a bad exit status and processes left behind.
//   fuzz_victim MODE
#include <signal.h>
#include <unistd.h>

#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <string>
#include <vector>

int main(int argc, char** argv) {
  const std::string mode = argc > 1 ? argv[1] : "ok";
  if (mode == "ok") return 0;
  if (mode == "exit1") return 1;
  if (mode == "exit2") return 2;
  if (mode == "exit3") return 3;
  if (mode == "segv") raise(SIGSEGV);
  if (mode == "abort") std::abort();
  if (mode == "hang")
    for (;;)
      pause();
  if (mode == "spin") {
    volatile unsigned long x = 0;
    for (;;)
      x = x + 1;
  }
  if (mode == "alloc" || mode == "fork-alloc") {
    if (mode == "fork-alloc" && fork() != 0) {
      for (;;)  // the parent waits; its child grows
        pause();
    }
    std::vector<char*> blocks;
    for (;;) {
      char* p = static_cast<char*>(std::malloc(16 << 20));
      if (!p) return 0;
      std::memset(p, 1, 16 << 20);
      blocks.push_back(p);
    }
  }
  if (mode == "asan-report") {
    std::fprintf(stderr,
                 "=================================================================\n"
                 "==1==ERROR: AddressSanitizer: heap-use-after-free on address 0x1\n");
    return 1;
  }
  if (mode == "ubsan-report") {
    std::fprintf(stderr, "x.cpp:1:2: runtime error: signed integer overflow\n");
    return 2;
  }
  if (mode == "orphan") {  // a child of the same group outlives the parent
    if (fork() == 0) {
      sleep(30);
      _exit(0);
    }
    return 0;
  }
  return 0;
}
