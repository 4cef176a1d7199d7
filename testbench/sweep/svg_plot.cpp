#include "testbench/sweep/svg_plot.h"

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <set>

namespace mmusim::sweep {

namespace {

constexpr double kWidth = 820, kMinHeight = 440;
constexpr double kLeft = 80, kRight = 300, kTop = 40, kBottom = 60;
const char* const kColours[] = {"#1f77b4", "#d62728", "#2ca02c", "#ff7f0e",
                                "#9467bd", "#8c564b", "#e377c2", "#17becf"};

std::string escape(const std::string& s) {
  std::string out;
  for (char c : s) {
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

std::string num(double v) {
  char buf[32];
  if (v != 0 && (std::fabs(v) >= 1e6 || std::fabs(v) < 1e-2))
    std::snprintf(buf, sizeof buf, "%.2g", v);
  else
    std::snprintf(buf, sizeof buf, "%.6g", v);
  return buf;
}

// A "nice" step (1, 2 or 5 times a power of ten) giving about `ticks` ticks.
double nice_step(double range, int ticks) {
  const double raw = range / ticks;
  const double mag = std::pow(10.0, std::floor(std::log10(raw)));
  for (double m : {1.0, 2.0, 5.0, 10.0})
    if (raw <= m * mag) return m * mag;
  return 10 * mag;
}

}  // namespace

std::string svg_line_chart(const std::string& title, const std::string& x_label,
                           const std::string& y_label, const std::vector<Series>& series) {
  std::set<double> xs;
  double y_max = 0;
  for (const Series& s : series)
    for (const auto& [x, y] : s.points) {
      xs.insert(x);
      if (!std::isnan(y)) y_max = std::max(y_max, y);
    }
  const std::vector<double> x_values(xs.begin(), xs.end());
  // Tall enough for one legend line per series.
  const double height =
      std::max(kMinHeight, kTop + 18.0 * static_cast<double>(series.size()) + 20.0);
  const double plot_w = kWidth - kLeft - kRight, plot_h = height - kTop - kBottom;
  const double step = nice_step(y_max > 0 ? y_max : 1.0, 5);
  const double y_top = std::max(step, std::ceil(y_max / step) * step);
  auto px = [&](double x) {
    const size_t i = std::lower_bound(x_values.begin(), x_values.end(), x) - x_values.begin();
    return kLeft + (x_values.size() <= 1 ? plot_w / 2
                                         : plot_w * static_cast<double>(i) /
                                               static_cast<double>(x_values.size() - 1));
  };
  auto py = [&](double y) { return kTop + plot_h * (1.0 - y / y_top); };

  std::string svg;
  char buf[512];
  std::snprintf(buf, sizeof buf,
                "<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"%g\" height=\"%g\" "
                "viewBox=\"0 0 %g %g\" font-family=\"sans-serif\" font-size=\"12\">\n"
                "<rect width=\"100%%\" height=\"100%%\" fill=\"white\"/>\n",
                kWidth, height, kWidth, height);
  svg += buf;
  svg += "<text x=\"" + num(kWidth / 2 - kRight / 2 + kLeft / 2) +
         "\" y=\"22\" text-anchor=\"middle\" font-size=\"15\">" + escape(title) + "</text>\n";
  // Axes, grid and ticks.
  for (double y = 0; y <= y_top + step / 2; y += step) {
    std::snprintf(buf, sizeof buf,
                  "<line x1=\"%g\" y1=\"%g\" x2=\"%g\" y2=\"%g\" stroke=\"#ddd\"/>\n"
                  "<text x=\"%g\" y=\"%g\" text-anchor=\"end\">%s</text>\n",
                  kLeft, py(y), kLeft + plot_w, py(y), kLeft - 6, py(y) + 4, num(y).c_str());
    svg += buf;
  }
  for (double x : x_values) {
    std::snprintf(buf, sizeof buf,
                  "<line x1=\"%g\" y1=\"%g\" x2=\"%g\" y2=\"%g\" stroke=\"#888\"/>\n"
                  "<text x=\"%g\" y=\"%g\" text-anchor=\"middle\">%s</text>\n",
                  px(x), kTop + plot_h, px(x), kTop + plot_h + 5, px(x), kTop + plot_h + 20,
                  num(x).c_str());
    svg += buf;
  }
  std::snprintf(buf, sizeof buf,
                "<polyline points=\"%g,%g %g,%g %g,%g\" fill=\"none\" stroke=\"black\"/>\n", kLeft,
                kTop, kLeft, kTop + plot_h, kLeft + plot_w, kTop + plot_h);
  svg += buf;
  svg += "<text x=\"" + num(kLeft + plot_w / 2) + "\" y=\"" + num(height - 15) +
         "\" text-anchor=\"middle\">" + escape(x_label) + "</text>\n";
  svg += "<text transform=\"translate(18," + num(kTop + plot_h / 2) +
         ") rotate(-90)\" text-anchor=\"middle\">" + escape(y_label) + "</text>\n";
  // Series and legend.
  for (size_t i = 0; i < series.size(); ++i) {
    const char* colour = kColours[i % (sizeof kColours / sizeof *kColours)];
    std::vector<std::pair<double, double>> pts;
    for (const auto& p : series[i].points)
      if (!std::isnan(p.second)) pts.push_back(p);
    std::sort(pts.begin(), pts.end());
    std::string line;
    for (const auto& [x, y] : pts) {
      line += num(px(x)) + "," + num(py(y)) + " ";
      std::snprintf(buf, sizeof buf, "<circle cx=\"%g\" cy=\"%g\" r=\"3\" fill=\"%s\"/>\n", px(x),
                    py(y), colour);
      svg += buf;
    }
    svg += "<polyline points=\"" + line + "\" fill=\"none\" stroke=\"" + colour +
           "\" stroke-width=\"2\"/>\n";
    const double ly = kTop + 10 + 18 * static_cast<double>(i);
    std::snprintf(
        buf, sizeof buf,
        "<line x1=\"%g\" y1=\"%g\" x2=\"%g\" y2=\"%g\" stroke=\"%s\" stroke-width=\"2\"/>\n",
        kWidth - kRight + 15, ly, kWidth - kRight + 35, ly, colour);
    svg += buf;
    svg += "<text x=\"" + num(kWidth - kRight + 40) + "\" y=\"" + num(ly + 4) + "\">" +
           escape(series[i].label) + "</text>\n";
  }
  svg += "</svg>\n";
  return svg;
}

}  // namespace mmusim::sweep
