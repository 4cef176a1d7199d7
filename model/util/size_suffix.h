// Size words as configs and scripts write them: a number optionally ending
// in K, M or G (powers of 1024). Header-only so that the script parser can
// share it without linking the config library.
#pragma once

#include <string_view>

namespace mmusim::util {

// Removes a trailing K/M/G from `text` and returns the shift it stands for
// (10, 20, 30), or 0 when there is none.
inline unsigned take_size_suffix(std::string_view& text) {
  if (text.empty()) return 0;
  unsigned shift = 0;
  switch (text.back()) {
    case 'K':
      shift = 10;
      break;
    case 'M':
      shift = 20;
      break;
    case 'G':
      shift = 30;
      break;
    default:
      return 0;
  }
  text.remove_suffix(1);
  return shift;
}

}  // namespace mmusim::util
