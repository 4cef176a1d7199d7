// What a sweep result is keyed on: a task's points/KEY.* files belong to
// exactly one (resolved configuration, workload, simulator) triple, so a
// rerun after any change to the spec, a workload file or the simulator
// re-runs what changed and never mixes in stale numbers.
#pragma once

#include <string>

#include "model/util/value.h"
#include "testbench/sweep/sweep_spec.h"

namespace mmusim::sweep {

// The simulator's identity in keys: the project version and the SHA-256 of
// the mmusim binary's bytes (any rebuild that changes the code changes it).
// The one place to switch to a shared `mmusim --version` string later.
std::string simulator_version(const std::string& mmusim_binary);

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
