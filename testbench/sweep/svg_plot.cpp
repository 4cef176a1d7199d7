#include "testbench/sweep/svg_plot.h"

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <set>

#include "testbench/sweep/csv.h"

namespace mmusim::sweep {

namespace {

constexpr double kPlotW = kPlotRight - kPlotLeft, kPlotH = kPlotBottom - kPlotTop;
constexpr double kLegendTop = kPlotBottom + 62, kLegendRow = 20;
const char* const kColours[] = {"#1f77b4", "#d62728", "#2ca02c", "#ff7f0e",
                                "#9467bd", "#8c564b", "#e377c2", "#17becf"};
const char* const kDashes[] = {"", "7,4", "2,3", "10,3,2,3", "4,4"};
constexpr size_t kMarkers = 7;

std::string escape(const std::string& raw) {
  std::string out;
  for (char c : printable(raw, 200)) {
    switch (c) {
      case '<':
        out += "&lt;";
        break;
      case '>':
        out += "&gt;";
        break;
      case '&':
        out += "&amp;";
        break;
      case '"':
        out += "&quot;";
        break;
      default:
        out += c;
    }
  }
  return out;
}

std::string fmt(const char* f, double v) {
  char buf[64];
  std::snprintf(buf, sizeof buf, f, v);
  return buf;
}

std::string num(double v) {
  return fmt("%.6g", v);
}

// A tick label: as many decimals as the step needs.
std::string tick_label(double v, double step) {
  if (std::fabs(v) < step * 1e-9) v = 0;
  if (std::fabs(v) >= 1e7) return fmt("%.3g", v);
  const int decimals = step >= 1 ? 0 : static_cast<int>(std::ceil(-std::log10(step) - 1e-9));
  char buf[64];
  std::snprintf(buf, sizeof buf, "%.*f", std::min(decimals, 9), v);
  return buf;
}

// A "nice" step (1, 2 or 5 times a power of ten) giving about `ticks` ticks.
double nice_step(double range, int ticks) {
  const double raw = range / ticks;
  const double mag = std::pow(10.0, std::floor(std::log10(raw)));
  for (double m : {1.0, 2.0, 5.0, 10.0})
    if (raw <= m * mag * (1 + 1e-9)) return m * mag;
  return 10 * mag;
}

bool is_power_of_two(double x) {
  if (!(x > 0)) return false;
  const double l = std::log2(x);
  return std::fabs(l - std::round(l)) < 1e-9;
}

std::string marker(size_t shape, double x, double y, const char* colour) {
  const double r = 4.5;
  const std::string style =
      std::string(" fill=\"white\" stroke=\"") + colour + "\" stroke-width=\"1.8\"/>\n";
  auto poly = [&](std::initializer_list<std::pair<double, double>> pts) {
    std::string s = "<polygon points=\"";
    for (const auto& [dx, dy] : pts)
      s += num(x + dx) + "," + num(y + dy) + " ";
    return s + "\"" + style;
  };
  switch (shape % kMarkers) {
    case 0:
      return "<circle cx=\"" + num(x) + "\" cy=\"" + num(y) + "\" r=\"" + num(r) + "\"" + style;
    case 1:
      return "<rect x=\"" + num(x - r) + "\" y=\"" + num(y - r) + "\" width=\"" + num(2 * r) +
             "\" height=\"" + num(2 * r) + "\"" + style;
    case 2:
      return poly({{0, -r - 1}, {r + 1, r}, {-r - 1, r}});
    case 3:
      return poly({{0, -r - 1}, {r + 1, 0}, {0, r + 1}, {-r - 1, 0}});
    case 4:
      return poly({{0, r + 1}, {r + 1, -r}, {-r - 1, -r}});
    case 5:  // x
      return "<path d=\"M" + num(x - r) + "," + num(y - r) + "L" + num(x + r) + "," + num(y + r) +
             "M" + num(x - r) + "," + num(y + r) + "L" + num(x + r) + "," + num(y - r) +
             "\" stroke=\"" + colour + "\" stroke-width=\"2.2\"/>\n";
    default:  // +
      return "<path d=\"M" + num(x - r - 1) + "," + num(y) + "L" + num(x + r + 1) + "," + num(y) +
             "M" + num(x) + "," + num(y - r - 1) + "L" + num(x) + "," + num(y + r + 1) +
             "\" stroke=\"" + colour + "\" stroke-width=\"2.2\"/>\n";
  }
}

std::string header(double height) {
  return "<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"" + num(kChartWidth) + "\" height=\"" +
         num(height) + "\" viewBox=\"0 0 " + num(kChartWidth) + " " + num(height) +
         "\" font-family=\"sans-serif\" font-size=\"12\">\n"
         "<rect width=\"100%\" height=\"100%\" fill=\"white\"/>\n";
}

std::string titles(const Chart& c) {
  const double centre = (kPlotLeft + kPlotRight) / 2;
  std::string s = "<text x=\"" + num(centre) +
                  "\" y=\"22\" text-anchor=\"middle\" font-size=\"15\">" + escape(c.title) +
                  "</text>\n";
  if (!c.subtitle.empty())
    s += "<text x=\"" + num(centre) + "\" y=\"42\" text-anchor=\"middle\" fill=\"#555\">" +
         escape(c.subtitle) + "</text>\n";
  return s;
}

struct Drawn {
  std::string label;
  std::vector<std::pair<double, double>> points;  // sorted by x
};

}  // namespace

bool log2_axis(const std::vector<double>& xs) {
  std::set<double> distinct(xs.begin(), xs.end());
  if (distinct.size() < 3) return false;
  for (double x : distinct)
    if (!is_power_of_two(x)) return false;
  return *distinct.rbegin() / *distinct.begin() >= 4;
}

std::string svg_line_chart(const Chart& chart) {
  // Merge identical series; keep first-appearance order.
  std::vector<Drawn> drawn;
  for (const Series& s : chart.series) {
    std::vector<std::pair<double, double>> pts = s.points;
    std::sort(pts.begin(), pts.end(),
              [](const auto& a, const auto& b) { return a.first < b.first; });
    bool merged = false;
    for (Drawn& d : drawn) {
      bool same = d.points.size() == pts.size();
      for (size_t i = 0; same && i < pts.size(); ++i)
        same = d.points[i].first == pts[i].first &&
               (d.points[i].second == pts[i].second ||
                (std::isnan(d.points[i].second) && std::isnan(pts[i].second)));
      if (same) {
        d.label += " = " + s.label;
        merged = true;
        break;
      }
    }
    if (!merged) drawn.push_back({s.label, std::move(pts)});
  }

  std::vector<double> xs, ys;
  for (const Drawn& d : drawn)
    for (const auto& [x, y] : d.points)
      if (!std::isnan(y) && std::isfinite(y)) xs.push_back(x), ys.push_back(y);

  if (ys.empty()) {
    std::string svg = header(120) + titles(chart);
    svg += "<text x=\"" + num(kChartWidth / 2) +
           "\" y=\"85\" text-anchor=\"middle\" font-size=\"14\" fill=\"#b00\">" +
           escape(chart.empty_note) + "</text>\n</svg>\n";
    return svg;
  }

  // x mapping.
  const bool categorical = !chart.x_categories.empty();
  const bool log2 = !categorical && log2_axis(xs);
  auto xt = [&](double x) { return log2 ? std::log2(x) : x; };
  double x_lo = xt(*std::min_element(xs.begin(), xs.end()));
  double x_hi = xt(*std::max_element(xs.begin(), xs.end()));
  if (categorical) x_lo = -0.5, x_hi = static_cast<double>(chart.x_categories.size()) - 0.5;
  const double x_pad = categorical ? 0 : (x_hi > x_lo ? (x_hi - x_lo) * 0.04 : 1);
  x_lo -= x_pad, x_hi += x_pad;
  auto px = [&](double x) { return kPlotLeft + kPlotW * (xt(x) - x_lo) / (x_hi - x_lo); };

  // y mapping: nice ticks around the data.
  double y_min = *std::min_element(ys.begin(), ys.end());
  double y_max = *std::max_element(ys.begin(), ys.end());
  if (y_max == y_min) {
    const double pad = y_min != 0 ? std::fabs(y_min) * 0.1 : 1;
    y_min -= pad, y_max += pad;
  } else {  // room for the markers at the extremes; no negative axis for positive data
    const double pad = (y_max - y_min) * 0.04;
    y_min = y_min >= 0 && y_min - pad < 0 ? 0 : y_min - pad;
    y_max += pad;
  }
  const double y_step = nice_step(y_max - y_min, 5);
  const double y_lo = std::floor(y_min / y_step + 1e-9) * y_step;
  const double y_hi = std::ceil(y_max / y_step - 1e-9) * y_step;
  auto py = [&](double y) { return kPlotBottom - kPlotH * (y - y_lo) / (y_hi - y_lo); };

  size_t max_label = 0;
  for (const Drawn& d : drawn)
    max_label = std::max(max_label, escape(d.label).size());
  const size_t columns = drawn.size() > 1 && max_label <= 48 ? 2 : 1;
  const size_t rows = (drawn.size() + columns - 1) / columns;
  const double height = kLegendTop + kLegendRow * static_cast<double>(rows) + 8;

  std::string svg = header(height) + titles(chart);
  // y grid and ticks.
  for (double y = y_lo; y <= y_hi + y_step / 2; y += y_step) {
    svg += "<line x1=\"" + num(kPlotLeft) + "\" y1=\"" + num(py(y)) + "\" x2=\"" + num(kPlotRight) +
           "\" y2=\"" + num(py(y)) + "\" stroke=\"#e4e4e4\"/>\n";
    svg += "<text class=\"ytick\" x=\"" + num(kPlotLeft - 6) + "\" y=\"" + num(py(y) + 4) +
           "\" text-anchor=\"end\">" + tick_label(y, y_step) + "</text>\n";
  }
  // x ticks.
  std::vector<std::pair<double, std::string>> x_ticks;  // position, label
  if (categorical) {
    for (size_t i = 0; i < chart.x_categories.size(); ++i)
      x_ticks.emplace_back(px(static_cast<double>(i)), escape(chart.x_categories[i]));
  } else if (log2) {
    const int lo = static_cast<int>(std::ceil(x_lo - 1e-9)),
              hi = static_cast<int>(std::floor(x_hi));
    const int every = (hi - lo) / 12 + 1;
    for (int e = lo; e <= hi; e += every)
      x_ticks.emplace_back(px(std::ldexp(1.0, e)), num(std::ldexp(1.0, e)));
  } else {
    const double step = nice_step(x_hi - x_lo, 8);
    for (double x = std::ceil(x_lo / step - 1e-9) * step; x <= x_hi + 1e-9 * step; x += step)
      x_ticks.emplace_back(px(x), tick_label(x, step));
  }
  for (const auto& [x, label] : x_ticks) {
    svg += "<line x1=\"" + num(x) + "\" y1=\"" + num(kPlotTop) + "\" x2=\"" + num(x) + "\" y2=\"" +
           num(kPlotBottom) + "\" stroke=\"#f0f0f0\"/>\n";
    svg += "<line x1=\"" + num(x) + "\" y1=\"" + num(kPlotBottom) + "\" x2=\"" + num(x) +
           "\" y2=\"" + num(kPlotBottom + 5) + "\" stroke=\"#888\"/>\n";
    svg += "<text class=\"xtick\" x=\"" + num(x) + "\" y=\"" + num(kPlotBottom + 19) +
           "\" text-anchor=\"middle\">" + label + "</text>\n";
  }
  svg += "<rect x=\"" + num(kPlotLeft) + "\" y=\"" + num(kPlotTop) + "\" width=\"" + num(kPlotW) +
         "\" height=\"" + num(kPlotH) + "\" fill=\"none\" stroke=\"black\"/>\n";
  svg += "<text x=\"" + num(kPlotLeft + kPlotW / 2) + "\" y=\"" + num(kPlotBottom + 42) +
         "\" text-anchor=\"middle\">" + escape(chart.x_label) + (log2 ? " (log2 scale)" : "") +
         "</text>\n";
  svg += "<text transform=\"translate(20," + num(kPlotTop + kPlotH / 2) +
         ") rotate(-90)\" text-anchor=\"middle\">" + escape(chart.y_label) + "</text>\n";

  // Series: lines broken at missing values, then hollow markers on top.
  for (size_t i = 0; i < drawn.size(); ++i) {
    const char* colour = kColours[i % 8];
    const char* dash = kDashes[i % 5];
    const std::string stroke =
        std::string("\" fill=\"none\" stroke=\"") + colour + "\" stroke-width=\"2\"" +
        (*dash ? std::string(" stroke-dasharray=\"") + dash + "\"" : "") + "/>\n";
    std::string run;
    size_t run_points = 0;
    auto flush = [&] {
      if (run_points > 1) svg += "<polyline class=\"series\" points=\"" + run + stroke;
      run.clear();
      run_points = 0;
    };
    for (const auto& [x, y] : drawn[i].points) {
      if (std::isnan(y)) {
        flush();
        continue;
      }
      run += num(px(x)) + "," + num(py(y)) + " ";
      ++run_points;
    }
    flush();
    for (const auto& [x, y] : drawn[i].points)
      if (!std::isnan(y)) svg += marker(i, px(x), py(y), colour);
    // Legend entry.
    const double col_w = (kPlotRight - kPlotLeft) / static_cast<double>(columns);
    const double lx = kPlotLeft + col_w * static_cast<double>(i % columns);
    const double ly = kLegendTop + kLegendRow * static_cast<double>(i / columns);
    svg += "<line x1=\"" + num(lx) + "\" y1=\"" + num(ly) + "\" x2=\"" + num(lx + 34) + "\" y2=\"" +
           num(ly) + stroke;
    svg += marker(i, lx + 17, ly, colour);
    svg += "<text class=\"legend\" x=\"" + num(lx + 42) + "\" y=\"" + num(ly + 4) + "\">" +
           escape(drawn[i].label) + "</text>\n";
  }
  svg += "</svg>\n";
  return svg;
}

}  // namespace mmusim::sweep
