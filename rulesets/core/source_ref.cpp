#include "rulesets/core/source_ref.hpp"

#include <algorithm>
#include <cstdio>

namespace cg::rules {
namespace {

template <std::size_t N>
std::string_view view_of(const std::array<char, N>& a) {
  const auto* end = std::find(a.begin(), a.end(), '\0');
  return {a.data(), static_cast<std::size_t>(end - a.begin())};
}

template <std::size_t N>
void assign(std::array<char, N>& a, std::string_view s) {
  a.fill('\0');
  std::copy_n(s.begin(), std::min(s.size(), N), a.begin());
}

}  // namespace

std::string_view X12Location::segment_id() const { return view_of(segment); }
std::string_view X12Location::loop_id() const { return view_of(loop); }
void X12Location::set_segment(std::string_view id) { assign(segment, id); }
void X12Location::set_loop(std::string_view id) { assign(loop, id); }

std::string X12Location::element_ref() const {
  std::string out(segment_id());
  if (element == 0) return out;
  char buf[16];
  std::snprintf(buf, sizeof buf, "%02u", static_cast<unsigned>(element));
  out += buf;
  if (component != 0) {
    out += '-';
    out += std::to_string(component);
  }
  return out;
}

std::string X12Location::render() const {
  std::string out = "seg " + std::to_string(position) + ' ' + element_ref();
  if (repetition > 1) out += " rep " + std::to_string(repetition);
  if (loop[0] != 0) {
    out += " (loop ";
    out += loop_id();
    out += ')';
  }
  return out;
}

std::string SourceRef::render() const { return x12.empty() ? fhirpath : x12.render(); }

}  // namespace cg::rules
