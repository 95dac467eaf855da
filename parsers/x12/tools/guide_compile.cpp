// Build-time compiler of the 837 guide model (parsers/x12/guide_model.hpp): reads pyx12's maps
// (X222A1, X223A2), the data-element dictionary and the external code lists, merges every
// place a segment is used into one rule per (guide, segment, element, component), applies the
// corrections listed in parsers/x12/guide/data/PROVENANCE.md, and writes C++ tables.
//
//   x12_guide_compile <data dir> <output .inc>
//
// Exits non-zero with a message when an input is missing or malformed.
#include <pugixml.hpp>

#include <algorithm>
#include <cstdint>
#include <cstdio>
#include <fstream>
#include <iostream>
#include <map>
#include <set>
#include <string>
#include <vector>

namespace {

struct Dictionary {
  std::string type;
  int min = 0, max = 0;
};

struct Merged {
  int data_element = 0;
  bool composite = false;
  int places = 0, required = 0, not_used = 0;
  bool any_value = false;  // some place that uses it has no code list
  std::set<std::string> codes;
};

struct SegmentFacts {
  int places = 0;
  int max_elements = 0;
  std::map<std::pair<int, int>, Merged> elements;  // (element, component)
};

using Guide = std::map<std::string, SegmentFacts>;

[[noreturn]] void fail(const std::string& what) {
  std::cerr << "x12_guide_compile: " << what << "\n";
  std::exit(1);
}

pugi::xml_document load(const std::string& path) {
  pugi::xml_document doc;
  const pugi::xml_parse_result r = doc.load_file(path.c_str());
  if (!r) fail(path + ": " + r.description());
  return doc;
}

std::string text(const pugi::xml_node& n, const char* child) { return n.child(child).text().as_string(); }

int number(const std::string& s) {
  if (s.empty() || !std::all_of(s.begin(), s.end(), [](char c) { return c >= '0' && c <= '9'; })) return 0;
  return std::stoi(s);
}

void merge_element(Merged& m, const pugi::xml_node& n, const std::map<std::string, std::set<std::string>>& external) {
  m.data_element = number(text(n, "data_ele"));
  ++m.places;
  const std::string usage = text(n, "usage");
  if (usage == "R") ++m.required;
  if (usage == "N") {
    ++m.not_used;
    return;
  }
  const pugi::xml_node codes = n.child("valid_codes");
  if (!codes) {
    m.any_value = true;
    return;
  }
  if (const char* ext = codes.attribute("external").as_string(nullptr)) {
    const auto it = external.find(ext);
    if (it == external.end() || it->second.empty()) {
      m.any_value = true;  // a list we do not have (pos, entity_id ...): any value
      return;
    }
    m.codes.insert(it->second.begin(), it->second.end());
  }
  for (const pugi::xml_node c : codes.children("code")) m.codes.insert(c.text().as_string());
}

Guide read_map(const std::string& path, const std::map<std::string, std::set<std::string>>& external) {
  const pugi::xml_document doc = load(path);
  Guide g;
  for (const pugi::xpath_node& xn : doc.select_nodes("//segment")) {
    const pugi::xml_node seg = xn.node();
    const std::string id = seg.attribute("xid").as_string();
    if (id == "ISA" || id == "IEA" || id == "GS" || id == "GE" || id == "ST" || id == "SE" || id == "TA1") continue;
    SegmentFacts& f = g[id];
    ++f.places;
    for (const pugi::xml_node child : seg.children()) {
      const std::string kind = child.name();
      if (kind != "element" && kind != "composite") continue;
      const int el = number(text(child, "seq"));
      if (el <= 0) fail(path + ": segment " + id + " has an element without a sequence number");
      f.max_elements = std::max(f.max_elements, el);
      if (kind == "element") {
        merge_element(f.elements[{el, 0}], child, external);
        continue;
      }
      // Diagnosis pointers (C004) are read exactly as sent and judged by the rules
      // (dx.pointer.*), which name the pointer and the diagnoses: not by the syntax model.
      if (text(child, "data_ele") == "C004") continue;
      Merged& c = f.elements[{el, 0}];
      c.composite = true;
      ++c.places;
      const std::string usage = text(child, "usage");
      if (usage == "R") ++c.required;
      if (usage == "N") ++c.not_used;
      for (const pugi::xml_node comp : child.children("element")) {
        const int k = number(text(comp, "seq"));
        if (k <= 0) fail(path + ": composite " + id + " has a component without a sequence number");
        if (usage == "N") continue;  // the components of an unused composite say nothing
        merge_element(f.elements[{el, k}], comp, external);
      }
    }
  }
  if (g.empty()) fail(path + ": no segments");
  return g;
}

// Corrections of known errors of the maps (PROVENANCE.md, "Corrections").
void correct(Guide& g) {
  // PWK*CT*AD is a valid combination (report type "certification", transmitted by "available
  // on request at provider site"): the union of the PWK variants must hold both codes.
  if (auto it = g.find("PWK"); it != g.end()) {
    auto& pwk01 = it->second.elements[{1, 0}];
    if (!pwk01.any_value) pwk01.codes.insert("CT");
    auto& pwk02 = it->second.elements[{2, 0}];
    if (!pwk02.any_value) pwk02.codes.insert("AD");
  }
}

// Tolerances: where real senders differ harmlessly from the guide, the model does not reject.
void tolerate(Guide& g) {
  // CLM05-2 (facility code qualifier) left empty: the guide fixes its value (B on 837P, A on
  // 837I), so an empty one loses nothing; a wrong one is still reported (reader.cpp).
  if (auto it = g.find("CLM"); it != g.end()) {
    auto& clm05_2 = it->second.elements[{5, 2}];
    clm05_2.required = 0;
  }
}

std::uint32_t seg_code(const std::string& id) {
  std::uint32_t v = 0;
  for (char c : id) v = (v << 8) | static_cast<unsigned char>(c);
  return v;
}

char type_letter(const std::string& t) {
  if (t == "AN") return 'A';
  if (t == "ID") return 'I';
  if (t == "R") return 'R';
  if (t == "DT") return 'D';
  if (t == "TM") return 'T';
  if (!t.empty() && t[0] == 'N') return 'N';
  return 'A';
}

std::string quoted(const std::string& s) {
  std::string out = "\"";
  for (char c : s) {
    if (c == '"' || c == '\\') out.push_back('\\');
    out.push_back(c);
  }
  return out + "\"";
}

struct Writer {
  std::vector<std::string> codes;
  std::map<std::vector<std::string>, std::pair<int, int>> code_runs;

  // Codes of up to 8 characters packed left-aligned into an integer (X12 data holds no NUL, so
  // "A" and "AB" differ); longer codes get the largest key and are compared as strings.
  static std::uint64_t pack(const std::string& c) {
    if (c.size() > 8) return ~std::uint64_t{0};
    std::uint64_t v = 0;
    for (char ch : c) v = (v << 8) | static_cast<unsigned char>(ch);
    return v << (8 * (8 - c.size()));
  }

  std::pair<int, int> code_run(const std::set<std::string>& set) {
    std::vector<std::string> v(set.begin(), set.end());
    std::stable_sort(v.begin(), v.end(), [](const std::string& a, const std::string& b) { return pack(a) < pack(b); });
    if (v.empty()) return {0, 0};
    const auto it = code_runs.find(v);
    if (it != code_runs.end()) return it->second;
    const std::pair<int, int> run{static_cast<int>(codes.size()), static_cast<int>(v.size())};
    codes.insert(codes.end(), v.begin(), v.end());
    code_runs.emplace(v, run);
    return run;
  }

  // dental: dictionary facts only (usage S, any value)
  std::string table(const std::string& name, const Guide& g, const std::map<int, Dictionary>& dict, bool dental) {
    std::vector<std::pair<std::uint32_t, const std::pair<const std::string, SegmentFacts>*>> segs;
    for (const auto& s : g) segs.emplace_back(seg_code(s.first), &s);
    std::sort(segs.begin(), segs.end(), [](const auto& a, const auto& b) { return a.first < b.first; });
    std::string rules = "inline constexpr ElementRule " + name + "Rules[] = {\n";
    std::string segments = "inline constexpr SegmentRule " + name + "Segments[] = {\n";
    int count = 0;
    for (const auto& [code, s] : segs) {
      const SegmentFacts& f = s->second;
      const int begin = count;
      int last_required = 0;
      for (const auto& [pos, m] : f.elements) {
        Dictionary d;
        char type = 'C';
        if (!m.composite) {
          const auto it = dict.find(m.data_element);
          if (it != dict.end()) d = it->second;
          type = it != dict.end() ? type_letter(d.type) : 'A';
        }
        // R: required at every place the segment (or its composite) is used; N: not used at
        // any place that defines it; else S.
        char usage = 'S';
        if (!dental && m.required == (pos.second == 0 ? f.places : m.places)) usage = 'R';
        else if (!dental && m.not_used == m.places) usage = 'N';
        if (usage == 'R' && pos.second == 0) last_required = pos.first;
        const auto run = dental || m.any_value || m.not_used == m.places ? std::pair<int, int>{0, 0} : code_run(m.codes);
        rules += "    {" + std::to_string(code) + "u, " + std::to_string(pos.first) + ", " +
                 std::to_string(pos.second) + ", " + std::to_string(m.data_element) + ", '" + type + "', '" + usage +
                 "', " + std::to_string(d.min) + ", " + std::to_string(d.max) + ", " + std::to_string(run.first) +
                 ", " + std::to_string(run.second) + "},  // " + s->first + std::to_string(pos.first) +
                 (pos.second ? "-" + std::to_string(pos.second) : "") + "\n";
        ++count;
      }
      segments += "    {" + std::to_string(code) + "u, " + std::to_string(f.max_elements) + ", " +
                  std::to_string(last_required) + ", " + std::to_string(begin) + ", " + std::to_string(count - begin) + "},  // " + s->first + "\n";
    }
    return rules + "};\n" + segments + "};\n";
  }
};

}  // namespace

int main(int argc, char** argv) {
  if (argc != 3) fail("usage: x12_guide_compile <data dir> <output .inc>");
  const std::string dir = argv[1];
  std::map<int, Dictionary> dict;
  {
    const pugi::xml_document doc = load(dir + "/dataele.xml");
    for (const pugi::xml_node d : doc.child("data_elements").children("data_ele")) {
      const int num = number(d.attribute("ele_num").as_string());
      if (num == 0) continue;
      dict[num] = Dictionary{d.attribute("data_type").as_string(), d.attribute("min_len").as_int(),
                             d.attribute("max_len").as_int()};
    }
    if (dict.empty()) fail("dataele.xml: no data elements");
  }
  std::map<std::string, std::set<std::string>> external;
  {
    const pugi::xml_document doc = load(dir + "/codes.xml");
    for (const pugi::xml_node cs : doc.child("codesets").children("codeset")) {
      auto& set = external[text(cs, "id")];
      for (const pugi::xml_node v : cs.children("version"))
        for (const pugi::xml_node c : v.children("code")) set.insert(c.text().as_string());
    }
  }
  Guide p = read_map(dir + "/837.5010.X222.A1.xml", external);
  Guide i = read_map(dir + "/837Q3.I.5010.X223.A1.xml", external);
  correct(p);
  correct(i);
  tolerate(p);
  tolerate(i);
  Guide d = p;
  for (const auto& [id, f] : i)
    if (!d.count(id)) d[id] = f;
  for (auto& [id, f] : d)  // dictionary facts only: the highest element position of P or I
    if (i.count(id)) f.max_elements = std::max(f.max_elements, i.at(id).max_elements);

  Writer w;
  std::string body = w.table("kProfessional", p, dict, false) + w.table("kInstitutional", i, dict, false) +
                     w.table("kDental", d, dict, true);
  std::string codes = "inline constexpr std::string_view kCodes[] = {\n";
  for (std::size_t k = 0; k < w.codes.size(); ++k) codes += "    " + quoted(w.codes[k]) + ",\n";
  codes += "    \"\"};\n";
  codes += "inline constexpr std::uint64_t kCodeKeys[] = {\n";
  for (const std::string& c : w.codes) codes += "    " + std::to_string(Writer::pack(c)) + "u,\n";
  codes += "    0};\n";
  std::ofstream out(argv[2], std::ios::binary | std::ios::trunc);
  out << "// Generated by parsers/x12/tools/guide_compile.cpp from parsers/x12/guide/data: do not edit.\n"
      << codes << body;
  if (!out) fail(std::string("cannot write ") + argv[2]);
  return 0;
}
