// Build-time compiler of the 837 guide model (parsers/x12/guide_model.hpp): reads pyx12's maps
// (X222A1, X223A2), the 837D map written in their format (X224A2, parsers/x12/guide/make_837d.py),
// the data-element dictionary and the external code lists, merges every place a segment is used
// into one rule per (guide, segment, element, component), applies the corrections listed in
// parsers/x12/guide/data/PROVENANCE.md, and writes C++ tables.
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
  bool external = false;   // codes from an external list (states, country ...)
  std::set<std::string> codes;
};

struct SegmentFacts {
  int places = 0;
  int max_elements = 0;
  std::map<std::pair<int, int>, Merged> elements;  // (element, component)
  std::map<std::string, int> notes;                // syntax note ("P0809") -> places that have it
};

using Guide = std::map<std::string, SegmentFacts>;

// One place of a segment in a loop (a <segment> of the map): its own facts, not merged.
struct Place {
  std::string id;
  int pos = 0, max_use = 0;  // max_use 0: unbounded
  char usage = 'S';
  SegmentFacts facts;
};

struct Child {
  int loop = 0, pos = 0, repeat = 0;  // repeat 0: unbounded (">1")
  char usage = 'S';
};

// A loop of the guide, once per loop id (2300 under 2000B and under 2000C is one loop).
struct Loop {
  std::string id;
  int parent = -1;  // the first parent met
  std::vector<Place> segments;  // in map order; the first opens the loop
  std::vector<Child> children;
};

struct Model {
  Guide merged;              // per segment id over every place (the fallback)
  std::vector<Loop> loops;   // loops[0] is the transaction set (ST_LOOP)
};

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
    m.external = true;
  }
  for (const pugi::xml_node c : codes.children("code")) m.codes.insert(c.text().as_string());
}

void read_segment(const std::string& path, const pugi::xml_node& seg, SegmentFacts& f,
                  const std::map<std::string, std::set<std::string>>& external) {
  const std::string id = seg.attribute("xid").as_string();
  ++f.places;
  for (const pugi::xml_node n : seg.children("syntax")) ++f.notes[n.text().as_string()];
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

int repeat_of(const std::string& r) { return r.empty() || r[0] == '>' ? 0 : number(r); }

// Reads the loops under node into m (parent: the index of the loop node belongs to).
void read_loops(const std::string& path, const pugi::xml_node& node, int parent, Model& m,
                const std::map<std::string, std::set<std::string>>& external) {
  for (const pugi::xml_node child : node.children()) {
    const std::string kind = child.name();
    if (kind == "segment") {
      const std::string id = child.attribute("xid").as_string();
      if (id == "SE" || id == "ST") continue;
      Place p;
      p.id = id;
      p.pos = number(text(child, "pos"));
      p.max_use = repeat_of(text(child, "max_use"));
      p.usage = text(child, "usage").empty() ? 'S' : text(child, "usage")[0];
      read_segment(path, child, p.facts, external);
      read_segment(path, child, m.merged[id], external);
      m.loops[static_cast<std::size_t>(parent)].segments.push_back(std::move(p));
      continue;
    }
    if (kind != "loop") continue;
    const std::string id = child.attribute("xid").as_string();
    if (id == "FOOTER") continue;  // SE only
    const auto known = std::find_if(m.loops.begin(), m.loops.end(), [&](const Loop& l) { return l.id == id; });
    const bool first = known == m.loops.end();
    const int index = first ? static_cast<int>(m.loops.size()) : static_cast<int>(known - m.loops.begin());
    if (first) m.loops.push_back(Loop{id, parent, {}, {}});
    Child c;
    c.loop = index;
    c.pos = number(text(child, "pos"));
    c.repeat = repeat_of(text(child, "repeat"));
    c.usage = text(child, "usage").empty() ? 'S' : text(child, "usage")[0];
    m.loops[static_cast<std::size_t>(parent)].children.push_back(c);
    if (first) read_loops(path, child, index, m, external);
  }
}

Model read_map(const std::string& path, const std::map<std::string, std::set<std::string>>& external) {
  const pugi::xml_document doc = load(path);
  const pugi::xml_node st = doc.select_node("//loop[@xid='ST_LOOP']").node();
  if (!st) fail(path + ": no ST_LOOP");
  Model m;
  m.loops.push_back(Loop{"ST", -1, {}, {}});
  read_loops(path, st, 0, m, external);
  if (m.merged.empty()) fail(path + ": no segments");
  return m;
}

// Corrections of known errors of the maps (PROVENANCE.md, "Corrections").
void correct(const std::string& id, SegmentFacts& f) {
  // PWK*CT*AD is a valid combination (report type "certification", transmitted by "available
  // on request at provider site"): every PWK list must hold both codes.
  if (id == "PWK") {
    auto& pwk01 = f.elements[{1, 0}];
    if (!pwk01.any_value && !pwk01.codes.empty()) pwk01.codes.insert("CT");
    auto& pwk02 = f.elements[{2, 0}];
    if (!pwk02.any_value && !pwk02.codes.empty()) pwk02.codes.insert("AD");
  }
}

// Tolerances: where real senders differ harmlessly from the guide, the model does not reject.
void tolerate(const std::string& id, SegmentFacts& f) {
  // CLM05-2 (facility code qualifier) left empty: the guide fixes its value (B on 837P, A on
  // 837I), so an empty one loses nothing; a wrong one is still reported (reader.cpp).
  if (id == "CLM") f.elements[{5, 2}].required = 0;
}

void fix(Model& m) {
  for (auto& [id, f] : m.merged) correct(id, f), tolerate(id, f);
  for (Loop& l : m.loops)
    for (Place& p : l.segments) correct(p.id, p.facts), tolerate(p.id, p.facts);
}

// Missing segments and loops the walker reports with rules of its own (reader.cpp: header_done,
// check_own, close_level, end_claim, close_line): the model does not report them a second time.
bool walker_checks_segment(const std::string& loop, const std::string& seg) {
  return (loop == "HEADER" && seg == "BHT") || (loop == "2010AA" && (seg == "N3" || seg == "N4")) ||
         (loop == "2000B" && seg == "SBR") || (loop == "2000C" && seg == "PAT") || (loop == "2300" && seg == "HI") ||
         (loop == "2400" && seg == "DTP");
}
bool walker_checks_loop(const std::string& loop) {
  static const std::set<std::string> kLoops = {"HEADER", "DETAIL", "1000A",  "1000B",  "2000A", "2010AA",
                                                "2000B",  "2010BA", "2010BB", "2300",   "2000C", "2010CA"};
  return kLoops.count(loop) != 0;
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

  std::vector<int> keys;  // rule indices of the keys of the current table's places
  std::vector<std::string> syntax;  // "{'P', 2, {8, 9}}" entries
  std::map<std::vector<std::string>, int> syntax_runs;

  // The rules of one segment (merged or one place) appended to rules; returns the SegmentRule
  // initializer. place: keys are marked.
  std::string segment(const std::string& id, const SegmentFacts& f, const std::map<int, Dictionary>& dict,
                      bool place, std::string& rules, int& count) {
    const std::uint32_t code = seg_code(id);
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
      if (m.required == (pos.second == 0 ? f.places : m.places)) usage = 'R';
      else if (m.not_used == m.places) usage = 'N';
      if (usage == 'R' && pos.second == 0) last_required = pos.first;
      const auto run = m.any_value || m.not_used == m.places ? std::pair<int, int>{0, 0} : code_run(m.codes);
      // A key tells the places of a segment apart (DTP*472 / DTP*431, NM1*85 / NM1*87): a
      // required ID element with a code list of the guide's own.
      // A component is a key only inside a required composite.
      bool within_required = true;
      if (pos.second != 0) {
        const auto parent = f.elements.find({pos.first, 0});
        within_required = parent != f.elements.end() && parent->second.required == f.places;
      }
      const bool key = place && usage == 'R' && within_required && type == 'I' && run.second > 0 && !m.external;
      if (key) keys.push_back(count);
      rules += "    {" + std::to_string(code) + "u, " + std::to_string(pos.first) + ", " + std::to_string(pos.second) +
               ", " + std::to_string(m.data_element) + ", '" + type + "', '" + usage + "', " + (key ? "1" : "0") +
               ", " + std::to_string(d.min) + ", " + std::to_string(d.max) + ", " + std::to_string(run.first) + ", " +
               std::to_string(run.second) + "},  // " + id + std::to_string(pos.first) +
               (pos.second ? "-" + std::to_string(pos.second) : "") + "\n";
      ++count;
    }
    // Syntax notes every place has (a place: its own).
    std::vector<std::string> notes;
    for (const auto& [note, n] : f.notes) {
      if (n != f.places || note.size() < 5 || (note.size() - 1) % 2 != 0) continue;
      std::string e = "{'" + note.substr(0, 1) + "', " + std::to_string((note.size() - 1) / 2) + ", {";
      for (std::size_t k = 1; k < note.size(); k += 2) e += std::to_string(number(note.substr(k, 2))) + ", ";
      notes.push_back(e + "}}");
    }
    std::pair<int, int> srun{0, 0};
    if (!notes.empty()) {
      const auto it = syntax_runs.find(notes);
      if (it != syntax_runs.end()) {
        srun = {it->second, static_cast<int>(notes.size())};
      } else {
        srun = {static_cast<int>(syntax.size()), static_cast<int>(notes.size())};
        syntax.insert(syntax.end(), notes.begin(), notes.end());
        syntax_runs.emplace(notes, srun.first);
      }
    }
    return "{" + std::to_string(code) + "u, " + std::to_string(f.max_elements) + ", " + std::to_string(last_required) +
           ", " + std::to_string(begin) + ", " + std::to_string(count - begin) + ", " + std::to_string(srun.first) + ", " +
           std::to_string(srun.second) + "}";
  }

  std::string table(const std::string& name, const Model& m, const std::map<int, Dictionary>& dict) {
    std::vector<std::pair<std::uint32_t, const std::pair<const std::string, SegmentFacts>*>> segs;
    for (const auto& s : m.merged) segs.emplace_back(seg_code(s.first), &s);
    std::sort(segs.begin(), segs.end(), [](const auto& a, const auto& b) { return a.first < b.first; });
    std::string rules = "inline constexpr ElementRule " + name + "Rules[] = {\n";
    std::string segments = "inline constexpr SegmentRule " + name + "Segments[] = {\n";
    int count = 0;
    for (const auto& [code, s] : segs)
      segments += "    " + segment(s->first, s->second, dict, false, rules, count) + ",  // " + s->first + "\n";
    std::string entries = "inline constexpr SegmentEntry " + name + "EntriesData[] = {\n";
    std::string loops = "inline constexpr LoopRule " + name + "LoopsData[] = {\n";
    std::string children = "inline constexpr LoopChild " + name + "ChildrenData[] = {\n";
    int n_entries = 0, n_children = 0;
    for (const Loop& l : m.loops) {
      const int e_begin = n_entries, c_begin = n_children;
      for (const Place& p : l.segments) {
        const std::size_t k_begin = keys.size();
        const std::string seg = segment(p.id, p.facts, dict, true, rules, count);
        entries += "    {" + seg + ", " + std::to_string(p.pos) + ", " + std::to_string(p.max_use) + ", '" + p.usage +
                   "', " + (walker_checks_segment(l.id, p.id) ? "true" : "false") + ", " + std::to_string(k_begin) +
                   ", " + std::to_string(keys.size() - k_begin) + "},  // " + l.id + " " + p.id + "\n";
        ++n_entries;
      }
      for (const Child& c : l.children) {
        const Loop& cl = m.loops[static_cast<std::size_t>(c.loop)];
        children += "    {" + std::to_string(c.loop) + ", " + std::to_string(c.pos) + ", " + std::to_string(c.repeat) +
                    ", '" + c.usage + "', " + (walker_checks_loop(cl.id) ? "true" : "false") + "},  // " + l.id +
                    " > " + cl.id + "\n";
        ++n_children;
      }
      loops += "    {\"" + l.id + "\", " + std::to_string(e_begin) + ", " + std::to_string(n_entries - e_begin) + ", " +
               std::to_string(c_begin) + ", " + std::to_string(n_children - c_begin) + ", " + std::to_string(l.parent) +
               "},\n";
    }
    const auto span = [&](const std::string& type, const std::string& n, std::string data, int size) {
      if (size == 0) return "inline constexpr std::span<const " + type + "> " + name + n + "{};\n";
      return data + "};\ninline constexpr std::span<const " + type + "> " + name + n + "{" + name + n + "Data};\n";
    };
    std::string key_table = "inline constexpr std::uint16_t " + name + "KeysData[] = {";
    for (const int k : keys) key_table += std::to_string(k) + ", ";
    const int n_keys = static_cast<int>(keys.size());
    keys.clear();
    return rules + "};\n" + segments + "};\n" + span("SegmentEntry", "Entries", entries, n_entries) +
           span("std::uint16_t", "Keys", key_table, n_keys) +
           span("LoopRule", "Loops", loops, static_cast<int>(m.loops.size())) +
           span("LoopChild", "Children", children, n_children);
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
  Model p = read_map(dir + "/837.5010.X222.A1.xml", external);
  Model i = read_map(dir + "/837Q3.I.5010.X223.A1.xml", external);
  Model d = read_map(dir + "/837.5010.X224.A2.xml", external);  // written by parsers/x12/guide/make_837d.py
  fix(p);
  fix(i);
  fix(d);

  Writer w;
  std::string body =
      w.table("kProfessional", p, dict) + w.table("kInstitutional", i, dict) + w.table("kDental", d, dict);
  std::string codes = "inline constexpr std::string_view kCodes[] = {\n";
  for (std::size_t k = 0; k < w.codes.size(); ++k) codes += "    " + quoted(w.codes[k]) + ",\n";
  codes += "    \"\"};\n";
  codes += "inline constexpr std::uint64_t kCodeKeys[] = {\n";
  for (const std::string& c : w.codes) codes += "    " + std::to_string(Writer::pack(c)) + "u,\n";
  codes += "    0};\n";
  codes += "inline constexpr SyntaxNote kSyntax[] = {\n";
  for (const std::string& n : w.syntax) codes += "    " + n + ",\n";
  codes += "    {}};\n";
  std::ofstream out(argv[2], std::ios::binary | std::ios::trunc);
  out << "// Generated by parsers/x12/tools/guide_compile.cpp from parsers/x12/guide/data: do not edit.\n"
      << codes << body;
  if (!out) fail(std::string("cannot write ") + argv[2]);
  return 0;
}
