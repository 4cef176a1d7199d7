// Text that goes into results.csv: never binary, always one well-formed cell.
#pragma once

#include <string>

namespace mmusim::sweep {

// `text` with every byte that is not printable ASCII or part of a valid
// UTF-8 character written as \xNN (a backslash as \\), so that a binary
// line quoted in an error message cannot reach the CSV; cut to `max_chars`
// bytes (before the escapes) with "..." appended when longer.
std::string printable(const std::string& text, size_t max_chars = 400);

// One RFC 4180 cell of printable(text): quoted when it holds a comma, a
// quote, or leading or trailing spaces; quotes doubled.
std::string csv_cell(const std::string& text);

}  // namespace mmusim::sweep
