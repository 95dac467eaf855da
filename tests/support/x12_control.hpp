// X12 control numbers in tests: the interchanges claimgate writes take fresh numbers each time
// (engine/delivery/control_numbers.hpp), so two writings of the same answer differ only in them.
#pragma once

#include <string>
#include <vector>

namespace cg::test {

inline std::vector<std::string> split(const std::string& s, char sep) {
  std::vector<std::string> out;
  std::string cur;
  for (char ch : s) {
    if (ch == sep) {
      out.push_back(cur);
      cur.clear();
    } else {
      cur += ch;
    }
  }
  out.push_back(cur);
  return out;
}

// "<ISA05>/<ISA06>/<ISA13>" of every interchange in an X12 text.
inline std::vector<std::string> isa13s(const std::string& x12) {
  std::vector<std::string> out;
  if (x12.size() < 106 || x12.compare(0, 3, "ISA") != 0) return out;
  for (const std::string& seg : split(x12, x12[105])) {
    const std::string t = seg.substr(seg.find_first_not_of("\r\n") == std::string::npos ? 0 : seg.find_first_not_of("\r\n"));
    if (t.compare(0, 4, "ISA" + std::string(1, x12[3])) == 0) {
      const auto e = split(t, x12[3]);
      out.push_back(e.at(5) + "/" + e.at(6) + "/" + e.at(13));  // unique per sender identity
    }
  }
  return out;
}

// An X12 text with its control numbers (ISA13, IEA02, GS06, GE02) and the 277CA's trace numbers
// made from them (BHT03, TRN02 of TRN*1, REF*D9) blanked: what must be the same when a record is
// processed again.
inline std::string without_control_numbers(const std::string& x12) {
  if (x12.size() < 106 || x12.compare(0, 3, "ISA") != 0) return x12;
  const char el = x12[3], term = x12[105];
  std::string out;
  for (const std::string& seg : split(x12, term)) {
    std::vector<std::string> e = split(seg, el);
    const std::string id = e.front().substr(e.front().find_first_not_of("\r\n") == std::string::npos ? 0 : e.front().find_first_not_of("\r\n"));
    if (id == "ISA" && e.size() > 13) e[13].clear();
    if ((id == "IEA" || id == "GE") && e.size() > 2) e[2].clear();
    if (id == "GS" && e.size() > 6) e[6].clear();
    if (id == "BHT" && e.size() > 3) e[3].clear();
    if ((id == "TRN" && e.size() > 2 && e[1] == "1") || (id == "REF" && e.size() > 2 && e[1] == "D9")) e[2].clear();
    for (std::size_t i = 0; i < e.size(); ++i) out += (i ? std::string(1, el) : std::string()) + e[i];
    out += term;
  }
  return out;
}

}  // namespace cg::test
