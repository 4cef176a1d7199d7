// What built this mmusim: project(VERSION) of the top CMakeLists.txt and
// `git describe --always --dirty` of the source tree when it was built
// ("unknown" outside a git checkout, e.g. a source tarball). Generated at
// build time by testbench/version.cmake into the build tree; only the
// mmusim executable links it, so a new commit relinks mmusim alone.
#pragma once

namespace mmusim {

const char* version();           // MMUSIM_VERSION (<mmusim/version.h>): "0.1.0"
const char* version_describe();  // "2337fed-dirty", "v0.1.0-3-g2337fed", or "unknown"

}  // namespace mmusim
