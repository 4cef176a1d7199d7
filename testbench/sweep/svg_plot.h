// Line charts as standalone SVG: one line per series, x values placed at
// equal spacing in sorted order (sweeps step through sizes such as 16, 32,
// 64), y linear from zero. Self-contained text, no plotting library.
#pragma once

#include <string>
#include <utility>
#include <vector>

namespace mmusim::sweep {

struct Series {
  std::string label;
  std::vector<std::pair<double, double>> points;  // (x, y); NaN y values are skipped
};

std::string svg_line_chart(const std::string& title, const std::string& x_label,
                           const std::string& y_label, const std::vector<Series>& series);

}  // namespace mmusim::sweep
