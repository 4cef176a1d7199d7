#include "model/util/json.h"

#include <iterator>
#include <nlohmann/json.hpp>

#include "model/util/tree_builder.h"

namespace mmusim::util {

namespace {

// A char iterator that publishes how far nlohmann's lexer has read, so that
// the SAX callbacks know the line of what they are given.
struct TrackingIterator {
  using iterator_category = std::input_iterator_tag;
  using value_type = char;
  using difference_type = std::ptrdiff_t;
  using pointer = const char*;
  using reference = const char&;

  const char* p = nullptr;
  const char** read_to = nullptr;

  reference operator*() const { return *p; }
  TrackingIterator& operator++() {
    ++p;
    *read_to = p;
    return *this;
  }
  TrackingIterator operator++(int) {
    TrackingIterator old = *this;
    ++*this;
    return old;
  }
  bool operator==(const TrackingIterator& o) const { return p == o.p; }
  bool operator!=(const TrackingIterator& o) const { return p != o.p; }
};

class Handler : public nlohmann::json_sax<nlohmann::json> {
 public:
  Handler(std::string_view text, std::string_view source)
      : m_builder(std::string(source), false), m_begin(text.data()), m_read_to(text.data()) {}

  const char** read_to() { return &m_read_to; }
  detail::TreeBuilder& builder() { return m_builder; }

  // The line and column of the character before `end` (the last one read,
  // or, for a number, the one before the delimiter the lexer read past it).
  std::pair<uint32_t, uint32_t> position(const char* end) {
    if (end > m_begin) --end;
    if (end < m_scanned) {  // never goes back more than a character
      m_scanned = m_begin;
      m_line = 1;
      m_line_start = m_begin;
    }
    for (; m_scanned < end; ++m_scanned)
      if (*m_scanned == '\n') {
        ++m_line;
        m_line_start = m_scanned + 1;
      }
    return {m_line, static_cast<uint32_t>(end - m_line_start + 1)};
  }
  std::pair<uint32_t, uint32_t> here() { return position(m_read_to); }
  // A number's last digit is one before the character that ended it.
  std::pair<uint32_t, uint32_t> number_end() {
    return position(m_read_to > m_begin ? m_read_to - 1 : m_read_to);
  }

  bool null() override { return add(Value(), here()); }
  bool boolean(bool b) override { return add(Value(b), here()); }
  bool number_integer(number_integer_t i) override {
    return add(i < 0 ? Value(int64_t{i}) : Value(static_cast<uint64_t>(i)), number_end());
  }
  bool number_unsigned(number_unsigned_t u) override {
    return add(Value(uint64_t{u}), number_end());
  }
  bool number_float(number_float_t d, const string_t& text) override {
    const auto at = number_end();
    if (text.find_first_of(".eE") == std::string::npos)
      m_builder.fail(at.first, at.second, "integer " + text + " does not fit in 64 bits");
    return add(Value(d), at);
  }
  bool string(string_t& s) override { return add(Value(std::move(s)), here()); }
  bool binary(binary_t&) override { return false; }  // never produced by the JSON lexer
  bool start_object(std::size_t) override {
    const auto at = here();
    m_builder.begin_object(at.first, at.second);
    return true;
  }
  bool key(string_t& k) override {
    const auto at = here();
    m_builder.key(std::move(k), at.first, at.second);
    return true;
  }
  bool end_object() override {
    m_builder.end();
    return true;
  }
  bool start_array(std::size_t) override {
    const auto at = here();
    m_builder.begin_array(at.first, at.second);
    return true;
  }
  bool end_array() override {
    m_builder.end();
    return true;
  }
  bool parse_error(std::size_t position, const std::string&,
                   const nlohmann::detail::exception& ex) override {
    // "[json.exception.parse_error.101] parse error at line 1, column 5:
    // syntax error while parsing value - unexpected ']'; expected ..."
    // "[json.exception.out_of_range.406] number overflow parsing '1e999'"
    std::string what = ex.what();
    if (what.rfind("[json.exception.", 0) == 0 && what.find("] ") != std::string::npos)
      what = what.substr(what.find("] ") + 2);
    if (what.rfind("parse error at ", 0) == 0 && what.find(": ") != std::string::npos)
      what = what.substr(what.find(": ") + 2);
    if (what.size() > 200) what = what.substr(0, 200) + "...";
    const auto at = this->position(m_begin + position);
    m_builder.fail(at.first, at.second, what);
  }

 private:
  bool add(Value v, std::pair<uint32_t, uint32_t> at) {
    m_builder.add(std::move(v), at.first, at.second);
    return true;
  }

  detail::TreeBuilder m_builder;
  const char* m_begin;
  const char* m_read_to;
  const char* m_scanned = m_begin;
  const char* m_line_start = m_begin;
  uint32_t m_line = 1;
};

}  // namespace

Value parse_json(std::string_view text, std::string_view source_name) {
  Handler h(text, source_name);
  TrackingIterator first{text.data(), h.read_to()};
  TrackingIterator last{text.data() + text.size(), h.read_to()};
  nlohmann::json::sax_parse(first, last, &h);
  return h.builder().take();
}

}  // namespace mmusim::util
