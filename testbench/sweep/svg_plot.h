// Line charts as standalone SVG text, no plotting library.
//
// - x: numbers on a linear axis at their true spacing, or on a log2 axis
//   (said in the axis label) when every value is a power of two spanning a
//   factor of 4 or more; or categories (strings), evenly spaced in order.
// - y: nice round ticks covering the data (not forced to start at zero).
// - series: each its own colour, marker shape and dash pattern; series
//   whose points are identical are drawn once, their legend entry naming
//   all of them ("a = b"); a missing (NaN) value breaks the line.
// - the legend sits below the plot, so the plot keeps the full width.
// - with no value to draw, the chart says so instead of showing empty axes.
#pragma once

#include <string>
#include <utility>
#include <vector>

namespace mmusim::sweep {

struct Series {
  std::string label;
  std::vector<std::pair<double, double>> points;  // (x, y); NaN y: no value
};

struct Chart {
  std::string title;
  std::string subtitle;  // e.g. how many points failed; may be empty
  std::string x_label;
  std::string y_label;
  // Non-empty: x is a category axis, a point's x an index into these.
  std::vector<std::string> x_categories;
  std::vector<Series> series;
  std::string empty_note = "no data";  // shown when no series has a value
};

// Layout, in pixels (the SVG's user units).
constexpr double kChartWidth = 820;
constexpr double kPlotLeft = 90, kPlotRight = 790, kPlotTop = 56, kPlotBottom = 396;

std::string svg_line_chart(const Chart& chart);

// True when the x values would go on a log2 axis.
bool log2_axis(const std::vector<double>& xs);

}  // namespace mmusim::sweep
