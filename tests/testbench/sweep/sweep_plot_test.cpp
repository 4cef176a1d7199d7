// Sweep plots: axes that say what they are, series that stay apart, a
// legend that leaves the plot alone, and a note instead of empty axes;
// checked in the SVG text and in the picture rendered to PNG.
#include <gtest/gtest.h>

#include <cmath>
#include <cstdlib>
#include <map>
#include <regex>

#include "testbench/sweep/csv.h"
#include "testbench/sweep/svg_plot.h"
#include "tests/testbench/sweep/sweep_fixture.h"

namespace mmusim::sweep {
namespace {

// (position, label) of every element with class `cls` ("xtick", "ytick").
std::vector<std::pair<double, std::string>> ticks(const std::string& svg, const std::string& cls) {
  std::vector<std::pair<double, std::string>> out;
  const std::regex re("class=\"" + cls + "\" x=\"([-0-9.e]+)\" y=\"([-0-9.e]+)\"[^>]*>([^<]*)<");
  for (auto it = std::sregex_iterator(svg.begin(), svg.end(), re); it != std::sregex_iterator();
       ++it)
    out.emplace_back(std::stod((*it)[cls == "xtick" ? 1 : 2]), (*it)[3]);
  return out;
}

size_t count(const std::string& svg, const std::string& what) {
  size_t n = 0;
  for (size_t at = svg.find(what); at != std::string::npos; at = svg.find(what, at + 1))
    ++n;
  return n;
}

Chart chart(std::vector<Series> series) {
  Chart c;
  c.title = "L1 DTLB misses";
  c.x_label = "mmu.l1_dtlb.entries";
  c.y_label = "l1_dtlb_mpka (misses/1000 accesses)";
  c.series = std::move(series);
  return c;
}

TEST(SvgPlot, PowersOfTwoGoOnALog2AxisThatSaysSo) {
  const std::string svg = svg_line_chart(chart({{"a", {{8, 1}, {16, 2}, {64, 3}, {256, 4}}}}));
  EXPECT_NE(svg.find(">mmu.l1_dtlb.entries (log2 scale)</text>"), std::string::npos);
  const auto x = ticks(svg, "xtick");
  ASSERT_EQ(x.size(), 6u);  // every power of two from 8 to 256
  const char* labels[] = {"8", "16", "32", "64", "128", "256"};
  for (size_t i = 0; i < 6; ++i) {
    EXPECT_EQ(x[i].second, labels[i]);
    if (i > 0) {
      EXPECT_NEAR(x[i].first - x[i - 1].first, (x[5].first - x[0].first) / 5, 0.01) << i;
    }
  }
  EXPECT_TRUE(log2_axis({8, 16, 64, 256}));
  EXPECT_FALSE(log2_axis({16, 32}));       // two values: linear is as clear
  EXPECT_FALSE(log2_axis({16, 24, 32}));   // 24 is not a power of two
  EXPECT_FALSE(log2_axis({0.5, 1, 1.5}));  // nor is 1.5
}

TEST(SvgPlot, OtherNumbersKeepTheirTrueSpacing) {
  const std::string svg = svg_line_chart(chart({{"a", {{10, 1}, {20, 2}, {50, 3}}}}));
  EXPECT_EQ(svg.find("log2"), std::string::npos);
  const auto x = ticks(svg, "xtick");
  ASSERT_GE(x.size(), 3u);
  // Positions are affine in the tick values.
  const double v0 = std::stod(x[0].second), v1 = std::stod(x[1].second);
  const double per_unit = (x[1].first - x[0].first) / (v1 - v0);
  for (const auto& [pos, label] : x)
    EXPECT_NEAR(pos, x[0].first + (std::stod(label) - v0) * per_unit, 0.01) << label;
}

TEST(SvgPlot, CategoriesAreEvenlySpacedInOrder) {
  Chart c = chart({{"a", {{0, 1}, {1, 2}, {2, 3}}}});
  c.x_categories = {"lru", "plru", "fifo"};
  const auto x = ticks(svg_line_chart(c), "xtick");
  ASSERT_EQ(x.size(), 3u);
  EXPECT_EQ(x[0].second, "lru");
  EXPECT_EQ(x[2].second, "fifo");
  EXPECT_NEAR(x[1].first - x[0].first, x[2].first - x[1].first, 0.01);
}

TEST(SvgPlot, YAxisCoversTheDataInsteadOfStartingAtZero) {
  const auto y = ticks(svg_line_chart(chart({{"a", {{8, 101}, {16, 117}, {32, 109}}}})), "ytick");
  ASSERT_FALSE(y.empty());
  EXPECT_EQ(y.front().second, "100");
  EXPECT_EQ(y.back().second, "120");
}

TEST(SvgPlot, IdenticalSeriesAreDrawnOnceAndNamedTogether) {
  const std::string svg = svg_line_chart(chart({{"mix-4M", {{8, 1}, {16, 2}}},
                                                {"mix-32M", {{8, 1}, {16, 2}}},
                                                {"other", {{8, 1}, {16, 3}}}}));
  EXPECT_EQ(count(svg, "class=\"series\""), 2u);
  EXPECT_NE(svg.find(">mix-4M = mix-32M</text>"), std::string::npos);
  EXPECT_NE(svg.find(">other</text>"), std::string::npos);
}

TEST(SvgPlot, SeriesDifferInColourMarkerAndDash) {
  std::vector<Series> s;
  for (int i = 0; i < 3; ++i)
    s.push_back({"s" + std::to_string(i), {{8, 1.0 + i}, {16, 2.0 + i}, {32, 1.5 + i}}});
  const std::string svg = svg_line_chart(chart(s));
  const std::regex line(
      "<polyline class=\"series\" points=\"[^\"]*\" fill=\"none\" "
      "stroke=\"(#[0-9a-f]+)\" stroke-width=\"2\"( stroke-dasharray=\"([0-9,]+)\")?");
  std::set<std::string> colours, dashes;
  for (auto it = std::sregex_iterator(svg.begin(), svg.end(), line); it != std::sregex_iterator();
       ++it) {
    colours.insert((*it)[1]);
    dashes.insert((*it)[3]);
  }
  EXPECT_EQ(colours.size(), 3u);
  EXPECT_EQ(dashes.size(), 3u);  // solid, 7,4 and 2,3
  // Three points + one legend sample each: circles, squares, triangles.
  EXPECT_EQ(count(svg, "<circle"), 4u);
  EXPECT_EQ(count(svg, "<rect x="), 4u + 1u);  // + the plot frame
  EXPECT_EQ(count(svg, "<polygon"), 4u);
}

TEST(SvgPlot, AMissingValueBreaksTheLine) {
  const std::string svg =
      svg_line_chart(chart({{"a", {{8, 1}, {16, 2}, {32, std::nan("")}, {64, 3}, {128, 4}}}}));
  EXPECT_EQ(count(svg, "class=\"series\""), 2u);  // 8-16 and 64-128
}

TEST(SvgPlot, NoValueAtAllGivesANoteAndNoAxes) {
  Chart c = chart({{"a", {{8, std::nan("")}, {16, std::nan("")}}}});
  c.empty_note = "no data: every task of this plot failed or did not run";
  const std::string svg = svg_line_chart(c);
  EXPECT_NE(svg.find(">no data: every task of this plot failed or did not run</text>"),
            std::string::npos);
  EXPECT_EQ(count(svg, "xtick"), 0u);
  EXPECT_EQ(count(svg, "ytick"), 0u);
  EXPECT_EQ(count(svg, "<polyline"), 0u);
}

TEST(SvgPlot, LabelsAreEscapedAndPrintable) {
  const std::string svg = svg_line_chart(chart({{"a<b> & \"c\" \x01", {{8, 1}, {16, 2}}}}));
  EXPECT_NE(svg.find(">a&lt;b&gt; &amp; &quot;c&quot; \\x01</text>"), std::string::npos);
}

// An RGB picture decoded from the PNG (through ImageMagick's PPM output).
struct Picture {
  int width = 0, height = 0;
  std::vector<unsigned char> rgb;
  bool near(int x, int y, int r, int g, int b) const {
    const unsigned char* p = &rgb[3 * (static_cast<size_t>(y) * width + x)];
    return std::abs(p[0] - r) < 30 && std::abs(p[1] - g) < 30 && std::abs(p[2] - b) < 30;
  }
};

Picture read_ppm(const std::string& data) {
  Picture pic;
  int maxval = 0;
  size_t pos = 0;
  char magic[3] = {};
  int consumed = 0;
  if (std::sscanf(data.c_str(), "%2s %d %d %d%n", magic, &pic.width, &pic.height, &maxval,
                  &consumed) != 4 ||
      std::string(magic) != "P6" || maxval != 255)
    return Picture{};
  pos = static_cast<size_t>(consumed) + 1;
  pic.rgb.assign(data.begin() + static_cast<long>(pos), data.end());
  if (pic.rgb.size() != 3u * pic.width * pic.height) return Picture{};
  return pic;
}

// Renders with librsvg (rsvg-convert), the renderer of most Linux desktops
// and browsers' peers, and looks at the pixels.
TEST_F(SweepTest, PlotRendersToAPngWithEverySeriesVisibleAndTheLegendBelow) {
  const bool have = std::system("command -v rsvg-convert convert >/dev/null") == 0;
  if (!have) {
    if (std::getenv("CI")) FAIL() << "rsvg-convert (librsvg2-bin) or convert (imagemagick) missing";
    GTEST_SKIP() << "needs rsvg-convert (librsvg2-bin) and convert (imagemagick)";
  }
  std::vector<Series> s = {
      {"mix-4M", {{8, 40}, {16, 22}, {32, 11}, {64, 6}, {128, 3}}},
      {"mix-32M", {{8, 80}, {16, 61}, {32, 35}, {64, 18}, {128, 9}}},
      {"vma l2_tlb.entries=512", {{8, 60}, {16, 60}, {32, 60}, {64, 60}, {128, 60}}},
  };
  const std::string svg_path = write("c.svg", svg_line_chart(chart(s)));
  const std::string png = m_dir + "/c.png", ppm = m_dir + "/c.ppm";
  ASSERT_EQ(std::system(("rsvg-convert -o " + png + " " + svg_path).c_str()), 0);
  ASSERT_EQ(std::system(("convert " + png + " -depth 8 " + ppm).c_str()), 0);
  const Picture pic = read_ppm(slurp(ppm));
  ASSERT_EQ(pic.width, 820);
  const int plot_bottom = static_cast<int>(kPlotBottom);
  ASSERT_GT(pic.height, plot_bottom + 62);
  const int colours[3][3] = {{0x1f, 0x77, 0xb4}, {0xd6, 0x27, 0x28}, {0x2c, 0xa0, 0x2c}};
  for (int c = 0; c < 3; ++c) {
    int in_plot = 0, in_legend = 0, elsewhere = 0, min_x = pic.width, max_x = 0;
    for (int y = 0; y < pic.height; ++y)
      for (int x = 0; x < pic.width; ++x) {
        if (!pic.near(x, y, colours[c][0], colours[c][1], colours[c][2])) continue;
        if (x >= kPlotLeft && x <= kPlotRight && y >= kPlotTop && y <= kPlotBottom) {
          ++in_plot;
          min_x = std::min(min_x, x);
          max_x = std::max(max_x, x);
        } else if (y > plot_bottom + 45) {
          ++in_legend;
        } else {
          ++elsewhere;
        }
      }
    EXPECT_GT(in_plot, 300) << "series " << c;   // the line and its markers
    EXPECT_GT(in_legend, 20) << "series " << c;  // its legend sample, below the plot
    EXPECT_EQ(elsewhere, 0) << "series " << c;
    // The series spans the plot's width (4% margins on each side).
    EXPECT_LT(min_x, kPlotLeft + 0.06 * (kPlotRight - kPlotLeft)) << "series " << c;
    EXPECT_GT(max_x, kPlotRight - 0.06 * (kPlotRight - kPlotLeft)) << "series " << c;
  }
}

}  // namespace
}  // namespace mmusim::sweep
