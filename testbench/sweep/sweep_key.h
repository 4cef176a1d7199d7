// What a sweep result is keyed on: a task's points/KEY.* files belong to
// exactly one (resolved configuration, workload, simulator) triple, so a
// rerun after any change to the spec, a workload file or the simulator
// re-runs what changed and never mixes in stale numbers.
#pragma once

#include <string>

#include "model/util/value.h"
#include "testbench/sweep/sweep_spec.h"

namespace mmusim::sweep {

// The simulator's identity in keys, from what `mmusim --version` prints
// (testbench/version.h): the project version and `git describe --always
// --dirty` of the source it was built from, e.g. "0.1.0 v0.1.0-3-g2337fed".
// A describe names the source exactly only when the tree was clean: for a
// "-dirty" or "unknown" one (uncommitted changes, a tarball), whose text
// stays the same across edits, the SHA-256 of the mmusim binary's bytes is
// added: "0.1.0 2337fed-dirty sha256:<64 hex digits>" (docs/sweep.md).
std::string simulator_version(const std::string& project_version, const std::string& describe,
                              const std::string& mmusim_binary);
// The same for this build (version(), version_describe()).
std::string simulator_version(const std::string& mmusim_binary);
// Whether `describe` names a commit as it is (not "-dirty", not "unknown").
bool describe_is_exact(const std::string& describe);

// JSON with every object's keys sorted, compact: equal configurations give
// equal text whatever order their keys were written in.
std::string canonical_json(const util::Value& v);

// The text a task's key hashes (JSON, also written to points/KEY.key.json):
// the full configuration of the run, the command, the workload file's path
// and SHA-256 (`file_sha256`; empty for `run`), and the simulator version.
std::string task_key_text(const Spec& spec, const Point& point, const Workload& workload,
                          const std::string& file_sha256, const std::string& version);

// The key: the first 16 hex digits of the SHA-256 of task_key_text().
std::string task_key(const std::string& key_text);

}  // namespace mmusim::sweep
