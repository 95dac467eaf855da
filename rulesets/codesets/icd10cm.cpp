// The date-aware ICD-10-CM index: loads the file written by `claimgate code-set build`
// (layout in icd10cm_format.hpp) and answers lookups.
#include "rulesets/codesets/icd10cm.hpp"

#include "rulesets/codesets/code_key.hpp"
#include "rulesets/codesets/icd10cm_format.hpp"


#include <algorithm>
#include <atomic>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <fstream>

namespace cg::codesets {

std::string_view to_string(CodeStatus s) {
  switch (s) {
    case CodeStatus::Billable: return "billable";
    case CodeStatus::Header: return "header";
    case CodeStatus::NotYetEffective: return "not-yet-effective";
    case CodeStatus::Deleted: return "deleted";
    case CodeStatus::InvalidExtension: return "invalid-extension";
    case CodeStatus::Unknown: return "unknown";
  }
  return "unknown";
}

namespace {

bool ref_matches(std::uint64_t first, std::uint64_t last, bool range, std::uint64_t key) noexcept {
  if (range) return key_prefix(key, key_len(first)) >= first && key_prefix(key, key_len(last)) <= last;
  // A single code and a "-" prefix both cover the code and everything below it.
  return key_prefix(key, key_len(first)) == first;
}

bool with_matches(std::uint64_t with, std::uint64_t key) noexcept {
  if (with == 0) return true;
  char c[8] = {};
  const int n = key_len(key);
  for (int i = 0; i < n; ++i) c[i] = key_char(key, i);
  return fmt::WithPattern::unpack(with).matches(c, n);
}

std::string with_text(std::uint64_t with, int base_len) {
  if (with == 0) return {};
  const auto w = fmt::WithPattern::unpack(with);
  const std::string lo(w.lo, static_cast<std::size_t>(w.len)), hi(w.hi, static_cast<std::size_t>(w.len));
  if (w.mode == fmt::WithPattern::kFinal) return "with final characters " + lo;
  if (w.pos == base_len) return "with ." + lo + (hi != lo ? "-." + hi : std::string());
  return "with character" + std::string(w.len > 1 ? "s " : " ") + std::to_string(w.pos + 1) +
         (w.len > 1 ? "-" + std::to_string(w.pos + w.len) : std::string()) + " " + lo +
         (hi != lo ? "-" + hi : std::string());
}

std::string join_chars(const std::vector<char>& v) {
  std::string s;
  for (char c : v) {
    if (!s.empty()) s += ", ";
    s.push_back(c);
  }
  return s;
}

}  // namespace

bool CodeRef::matches(std::string_view normalized_code) const {
  const std::uint64_t key = code_key(normalized_code);
  const std::uint64_t f = code_key(first);
  if (key == 0 || f == 0) return false;
  if (!last.empty()) {
    const std::uint64_t l = code_key(last);
    return l != 0 && ref_matches(f, l, true, key) && with_matches(with_pattern, key);
  }
  return ref_matches(f, 0, false, key) && with_matches(with_pattern, key);
}

struct Icd10Index::Impl {
  struct Slot {
    std::uint64_t key;
    std::uint32_t present;
    std::uint32_t billable;
    std::uint32_t needs7;
    std::uint32_t index;
  };

  std::unique_ptr<std::uint64_t[]> buf;
  std::size_t size = 0;
  const char* strings = nullptr;
  std::size_t strings_size = 0;
  const fmt::Release* rel = nullptr;
  std::size_t nrel = 0;
  const fmt::Code* codes = nullptr;
  std::size_t ncodes = 0;
  const fmt::Title* titles = nullptr;
  std::size_t ntitles = 0;
  const std::uint32_t* succ = nullptr;
  std::size_t nsucc = 0;
  const fmt::Tabular* tabs = nullptr;
  std::size_t ntabs = 0;
  const fmt::Node* nodes = nullptr;
  std::size_t nnodes = 0;
  const fmt::Ref* refs = nullptr;
  std::size_t nrefs = 0;
  const fmt::SevenDef* sdefs = nullptr;
  std::size_t nsdefs = 0;
  const fmt::SevenChar* schars = nullptr;
  std::size_t nschars = 0;
  const fmt::MceVersion* mver = nullptr;
  std::size_t nmver = 0;
  const fmt::MceEntry* mce = nullptr;
  std::size_t nmce = 0;
  const fmt::Predecessor* preds = nullptr;
  std::size_t npreds = 0;
  const fmt::Ref* pred_refs = nullptr;
  std::size_t npred_refs = 0;
  const fmt::PoaList* poa_lists = nullptr;
  std::size_t npoa_lists = 0;
  const fmt::PoaEntry* poa = nullptr;
  std::size_t npoa = 0;

  std::unique_ptr<const ProcedureCodes> procedures;  // views into buf

  std::vector<ReleaseInfo> releases;
  std::vector<Date> from;
  std::vector<Slot> slots;
  std::uint64_t mask = 0;
  int shift = 0;

  // Derived at load: per code (m.codes order) its first MCE entry (kNone: none), and per MCE
  // version the day its fiscal year ends (from + 1 year: dates from it are beyond the list).
  std::vector<std::uint32_t> mce_at;
  std::vector<Date> mce_until;
  // Filled on first use and shared by every thread (relaxed atomics: each writer stores the
  // same value). notes_cache: per code and release, the tabular node whose notes apply (node +
  // 1; kNone; 0 = not computed yet). chain_bloom: per tabular node, the 3-character categories
  // its Excludes1 notes and its ancestors' can reach (kBloomDone set once computed). Zeroed
  // pages from calloc: memory is touched only for the codes and nodes claims use.
  struct FreeDeleter {
    void operator()(void* p) const noexcept { std::free(p); }
  };
  std::unique_ptr<std::uint32_t[], FreeDeleter> notes_cache;
  std::unique_ptr<std::uint64_t[], FreeDeleter> chain_bloom;
  static constexpr std::uint64_t kBloomDone = 1ull << 63;
  static constexpr std::uint64_t kBloomAll = ~0ull;

  // 0-based ordinal of a code's first three characters in [A-Z][0-9A-Z][0-9A-Z], ordered as
  // the keys are; -1 outside that alphabet or when the code is shorter.
  static int category_ordinal(std::uint64_t key) noexcept {
    const auto at = [](char c) { return c >= '0' && c <= '9' ? c - '0' : c >= 'A' && c <= 'Z' ? c - 'A' + 10 : -1; };
    const char c0 = key_char(key, 0);
    const int c1 = at(key_char(key, 1)), c2 = at(key_char(key, 2));
    if (c0 < 'A' || c0 > 'Z' || c1 < 0 || c2 < 0) return -1;
    return (c0 - 'A') * 1296 + c1 * 36 + c2;
  }
  static std::uint64_t category_bit(int ordinal) noexcept {
    return 1ull << ((static_cast<std::uint32_t>(ordinal) * 2654435761u >> 16) % 63);
  }
  // The categories a reference can match (a superset: "with" patterns only narrow it).
  static std::uint64_t ref_bloom(const fmt::Ref& rf) noexcept {
    const int lo = category_ordinal(rf.first);
    if (lo < 0 || key_len(rf.first) < 3) return kBloomAll;
    if (!(rf.flags & fmt::kRefRange)) return category_bit(lo);
    const int hi = category_ordinal(rf.last);
    if (hi < 0 || key_len(rf.last) < 3 || hi < lo || hi - lo > 256) return kBloomAll;
    std::uint64_t b = 0;
    for (int o = lo; o <= hi; ++o) b |= category_bit(o);
    return b;
  }
  std::uint64_t bloom_of(std::uint32_t node) const noexcept {
    if (!chain_bloom) return kBloomAll;
    std::atomic_ref<std::uint64_t> cell(chain_bloom[node]);
    std::uint64_t b = cell.load(std::memory_order_relaxed);
    if (b != 0) return b;
    b = kBloomDone;
    const fmt::Node& x = nodes[node];
    for (std::uint32_t i = 0; i < x.e1_count; ++i) b |= ref_bloom(refs[x.e1_begin + i]);
    if (x.parent != fmt::kNone) b |= bloom_of(x.parent);
    cell.store(b, std::memory_order_relaxed);
    return b;
  }
  // False when no Excludes1 note on node's chain can name `to` (then no need to walk it).
  bool may_exclude(std::uint32_t node, std::uint64_t to) const noexcept {
    if (node == fmt::kNone) return false;
    const int o = category_ordinal(to);
    return o < 0 || (bloom_of(node) & category_bit(o)) != 0;
  }

  const char* str(std::uint32_t off) const noexcept { return strings + off; }

  int release_index(Date dos) const noexcept {
    for (std::size_t i = from.size(); i-- > 0;)
      if (!(dos < from[i])) return static_cast<int>(i);
    return -1;
  }

  const Slot* find(std::uint64_t key) const noexcept {
    std::uint64_t h = (key * 0x9E3779B97F4A7C15ull) >> shift;
    for (;;) {
      const Slot& s = slots[h];
      if (s.key == key) return &s;
      if (s.key == 0) return nullptr;
      h = (h + 1) & mask;
    }
  }

  static CodeStatus classify(std::uint32_t present, std::uint32_t billable, std::uint32_t needs7, int r) noexcept {
    if (r < 0) return CodeStatus::NotYetEffective;
    const std::uint32_t bit = 1u << r;
    if (present & bit) {
      if (billable & bit) return CodeStatus::Billable;
      return (needs7 & bit) ? CodeStatus::InvalidExtension : CodeStatus::Header;
    }
    return (present & (bit - 1)) ? CodeStatus::Deleted : CodeStatus::NotYetEffective;
  }

  bool present_in(std::uint64_t key, int r) const noexcept {
    const Slot* s = find(key);
    return s && r >= 0 && (s->present & (1u << r));
  }

  // The code with `key` completed to 7 characters by placeholder X's inserted at position `at`
  // (0-based, after the category): "W19A" at 3 -> "W19XXXA", "S0601A" at 4 -> "S060X1A"; 0
  // when not applicable.
  static std::uint64_t with_placeholder(std::uint64_t key, int n, int at) noexcept {
    if (n < 4 || n >= 7 || at < 3 || at > n - 1) return 0;
    char b[8] = {};
    int j = 0;
    for (int i = 0; i < at; ++i) b[j++] = key_char(key, i);
    for (int i = 0; i < 7 - n; ++i) b[j++] = 'X';
    for (int i = at; i < n; ++i) b[j++] = key_char(key, i);
    return pack_code(b, 7);
  }

  enum class Missing { Unknown, Placeholder, NoSeventh, BadSeventh };
  Missing explain_missing(std::uint64_t key, int n, int r, std::uint64_t* found) const noexcept {
    if (r < 0 || n < 4) return Missing::Unknown;
    // The placeholders go before the last character(s) of the code as sent: the rightmost
    // place that gives a code of the release wins (W19A -> W19XXXA, S06.01A -> S06.0X1A).
    for (int at = n - 1; at >= 3; --at)
      if (const std::uint64_t p = with_placeholder(key, n, at); p != 0 && present_in(p, r)) {
        *found = p;
        return Missing::Placeholder;
      }
    for (int len = n - 1; len >= 3; --len) {
      const std::uint64_t pk = key_prefix(key, len);
      const Slot* s = find(pk);
      if (!s || !(s->present & (1u << r))) continue;
      *found = pk;
      if (s->needs7 & (1u << r)) return Missing::BadSeventh;
      // A character after a billable code reads as an attempted 7th character only in 7th
      // position or when it is a letter ("M51.A1A"); "R52.1" is simply not a code.
      const char last = key_char(key, n - 1);
      if ((s->billable & (1u << r)) && len == n - 1 && (n == 7 || (last >= 'A' && last <= 'Z')))
        return Missing::NoSeventh;
      return Missing::Unknown;
    }
    return Missing::Unknown;
  }

  CodeStatus status_key(std::uint64_t key, int n, int r) const noexcept {
    if (const Slot* s = find(key)) return classify(s->present, s->billable, s->needs7, r);
    std::uint64_t found = 0;
    return explain_missing(key, n, r, &found) == Missing::Unknown ? CodeStatus::Unknown
                                                                  : CodeStatus::InvalidExtension;
  }

  // Tabular nodes -------------------------------------------------------------------------
  std::uint32_t node_in(std::size_t t, std::uint64_t key) const noexcept {
    const fmt::Node* b = nodes + tabs[t].node_begin;
    const fmt::Node* e = b + tabs[t].node_count;
    const fmt::Node* it = std::lower_bound(b, e, key, [](const fmt::Node& n, std::uint64_t k) { return n.key < k; });
    return (it != e && it->key == key) ? static_cast<std::uint32_t>(it - nodes) : fmt::kNone;
  }

  // The tabular whose notes apply to a code in release r, and the code's deepest node in it:
  // the newest tabular not after r that lists the code, else the oldest later one that does,
  // else the nearest tabular's deepest ancestor.
  std::pair<int, std::uint32_t> notes_for(std::uint64_t key, int r) const noexcept {
    if (ntabs == 0) return {-1, fmt::kNone};
    int n = key_len(key);
    std::uint64_t stem = key;
    if (n == 7) {
      --n;
      while (n > 3 && key_char(key, n - 1) == 'X') --n;
      stem = key_prefix(key, n);
    }
    int order[fmt::kMaxReleases];
    int count = 0;
    for (std::size_t t = ntabs; t-- > 0;)
      if (static_cast<int>(tabs[t].release) <= r) order[count++] = static_cast<int>(t);
    for (std::size_t t = 0; t < ntabs; ++t)
      if (static_cast<int>(tabs[t].release) > r) order[count++] = static_cast<int>(t);
    for (int i = 0; i < count; ++i)
      if (const auto nd = node_in(static_cast<std::size_t>(order[i]), stem); nd != fmt::kNone) return {order[i], nd};
    for (int len = n - 1; len >= 3; --len)
      if (const auto nd = node_in(static_cast<std::size_t>(order[0]), key_prefix(stem, len)); nd != fmt::kNone)
        return {order[0], nd};
    return {order[0], fmt::kNone};
  }

  // notes_for(key, r).second, cached per code and release.
  std::uint32_t notes_node(std::uint64_t key, int r) const noexcept {
    const Slot* s = find(key);
    if (!s || !notes_cache || r < 0 || static_cast<std::size_t>(r) >= from.size()) return notes_for(key, r).second;
    std::atomic_ref<std::uint32_t> cell(notes_cache[std::size_t{s->index} * from.size() + static_cast<std::size_t>(r)]);
    const std::uint32_t v = cell.load(std::memory_order_relaxed);
    if (v != 0) return v == fmt::kNone ? fmt::kNone : v - 1;
    const std::uint32_t node = notes_for(key, r).second;
    cell.store(node == fmt::kNone ? fmt::kNone : node + 1, std::memory_order_relaxed);
    return node;
  }

  const fmt::MceEntry* mce_entry(std::uint64_t key, Date dos, std::size_t* version) const noexcept {
    if (nmver == 0) return nullptr;
    std::size_t v = 0;
    const std::int32_t d = dos.days();
    for (std::size_t i = 0; i < nmver; ++i)
      if (mver[i].from_days <= d) v = i;
    *version = v;
    if (const Slot* s = find(key); s && !mce_at.empty()) {
      for (std::uint32_t i = mce_at[s->index]; i != fmt::kNone && i < nmce && mce[i].key == key; ++i)
        if (mce[i].version == v) return &mce[i];
      return nullptr;
    }
    const fmt::MceEntry* e = mce + nmce;
    const fmt::MceEntry* it = std::lower_bound(mce, e, std::pair{key, v}, [](const fmt::MceEntry& m, const auto& k) {
      return m.key != k.first ? m.key < k.first : m.version < k.second;
    });
    return (it != e && it->key == key && it->version == v) ? it : nullptr;
  }
};

Icd10Index::Icd10Index(std::unique_ptr<Impl> impl) : impl_(std::move(impl)) {}
Icd10Index::~Icd10Index() = default;

std::variant<std::shared_ptr<const Icd10Index>, std::string> Icd10Index::load(const std::string& path) {
  auto impl = std::make_unique<Impl>();
  const auto fail = [&](const std::string& why) { return path + ": not a usable ICD-10-CM index: " + why; };
  {
    // Not a FIFO or a device (opening a FIFO blocks; a reload would hang on it).
    std::error_code ec;
    if (std::filesystem::exists(path, ec) && !std::filesystem::is_regular_file(path, ec))
      return fail("not a regular file");
    std::ifstream in(path, std::ios::binary | std::ios::ate);
    if (!in) return path + ": cannot open the ICD-10-CM index (build it with `claimgate code-set build`)";
    const std::streamoff len = in.tellg();
    if (len < static_cast<std::streamoff>(sizeof(fmt::FileHeader))) return fail("file too short");
    if (len > (std::streamoff{1} << 31)) return fail("file too large");
    impl->size = static_cast<std::size_t>(len);
    impl->buf.reset(new std::uint64_t[(impl->size + 7) / 8]);
    in.seekg(0);
    if (!in.read(reinterpret_cast<char*>(impl->buf.get()), len)) return fail("read error");
  }
  const auto* base = reinterpret_cast<const unsigned char*>(impl->buf.get());
  fmt::FileHeader h;
  std::memcpy(&h, base, sizeof h);
  if (std::memcmp(h.magic, fmt::kMagic, sizeof h.magic) != 0) return fail("bad magic (not a .cgx file)");
  if (h.version != fmt::kFormatVersion)
    return fail("format version " + std::to_string(h.version) + ", this build reads " + std::to_string(fmt::kFormatVersion));
  if (h.file_size != impl->size) return fail("truncated or padded: header says " + std::to_string(h.file_size) + " bytes, file has " + std::to_string(impl->size));
  if (fmt::payload_hash(base + sizeof h, impl->size - sizeof h) != h.payload_hash) return fail("checksum mismatch (corrupt file)");
  if (h.section_count > 64 || sizeof h + h.section_count * sizeof(fmt::SectionEntry) > impl->size) return fail("bad section table");
  const void* sec[fmt::kSectionLimit] = {};
  std::size_t cnt[fmt::kSectionLimit] = {};
  static constexpr std::size_t kElem[fmt::kSectionLimit] = {
      0, 1, sizeof(fmt::Release), sizeof(fmt::Code), sizeof(fmt::Title), sizeof(std::uint32_t), sizeof(fmt::Tabular),
      sizeof(fmt::Node), sizeof(fmt::Ref), sizeof(fmt::SevenDef), sizeof(fmt::SevenChar), sizeof(fmt::MceVersion),
      sizeof(fmt::MceEntry), sizeof(fmt::Predecessor), sizeof(fmt::Ref), sizeof(fmt::PoaList), sizeof(fmt::PoaEntry)};
  for (std::uint32_t i = 0; i < h.section_count; ++i) {
    fmt::SectionEntry s;
    std::memcpy(&s, base + sizeof h + i * sizeof s, sizeof s);
    if (s.id == 0 || s.id >= fmt::kSectionLimit) continue;  // unknown sections are skipped
    if (s.elem_size != kElem[s.id] || s.offset % 8 != 0 || s.offset > impl->size ||
        s.count > (impl->size - s.offset) / s.elem_size)
      return fail("section " + std::to_string(s.id) + " out of bounds");
    sec[s.id] = base + s.offset;
    cnt[s.id] = s.count;
  }
  for (std::uint32_t id = 1; id < fmt::kSectionLimit; ++id)
    if (!sec[id]) return fail("section " + std::to_string(id) + " missing");
  Impl& m = *impl;
  m.strings = static_cast<const char*>(sec[fmt::kStrings]);
  m.strings_size = cnt[fmt::kStrings];
  m.rel = static_cast<const fmt::Release*>(sec[fmt::kReleases]);
  m.nrel = cnt[fmt::kReleases];
  m.codes = static_cast<const fmt::Code*>(sec[fmt::kCodes]);
  m.ncodes = cnt[fmt::kCodes];
  m.titles = static_cast<const fmt::Title*>(sec[fmt::kTitles]);
  m.ntitles = cnt[fmt::kTitles];
  m.succ = static_cast<const std::uint32_t*>(sec[fmt::kSuccessors]);
  m.nsucc = cnt[fmt::kSuccessors];
  m.tabs = static_cast<const fmt::Tabular*>(sec[fmt::kTabulars]);
  m.ntabs = cnt[fmt::kTabulars];
  m.nodes = static_cast<const fmt::Node*>(sec[fmt::kNodes]);
  m.nnodes = cnt[fmt::kNodes];
  m.refs = static_cast<const fmt::Ref*>(sec[fmt::kRefs]);
  m.nrefs = cnt[fmt::kRefs];
  m.sdefs = static_cast<const fmt::SevenDef*>(sec[fmt::kSevenDefs]);
  m.nsdefs = cnt[fmt::kSevenDefs];
  m.schars = static_cast<const fmt::SevenChar*>(sec[fmt::kSevenChars]);
  m.nschars = cnt[fmt::kSevenChars];
  m.mver = static_cast<const fmt::MceVersion*>(sec[fmt::kMceVersions]);
  m.nmver = cnt[fmt::kMceVersions];
  m.mce = static_cast<const fmt::MceEntry*>(sec[fmt::kMceEntries]);
  m.nmce = cnt[fmt::kMceEntries];
  m.preds = static_cast<const fmt::Predecessor*>(sec[fmt::kPredecessors]);
  m.npreds = cnt[fmt::kPredecessors];
  m.pred_refs = static_cast<const fmt::Ref*>(sec[fmt::kPredecessorRefs]);
  m.npred_refs = cnt[fmt::kPredecessorRefs];
  m.poa_lists = static_cast<const fmt::PoaList*>(sec[fmt::kPoaLists]);
  m.npoa_lists = cnt[fmt::kPoaLists];
  m.poa = static_cast<const fmt::PoaEntry*>(sec[fmt::kPoaEntries]);
  m.npoa = cnt[fmt::kPoaEntries];

  // Every offset and index is checked once here, so lookups need no bounds checks.
  if (m.strings_size == 0 || m.strings[m.strings_size - 1] != '\0') return fail("string pool not terminated");
  const auto sok = [&](std::uint32_t off) { return off < m.strings_size; };
  if (m.nrel == 0 || m.nrel > fmt::kMaxReleases) return fail("bad release count");
  if (m.ntabs > m.nrel) return fail("bad tabular count");
  for (std::size_t i = 0; i < m.nrel; ++i) {
    const auto& r = m.rel[i];
    if (!sok(r.name) || !sok(r.derivation) || r.to_days < r.from_days || (i > 0 && r.from_days <= m.rel[i - 1].to_days))
      return fail("bad release " + std::to_string(i));
    m.releases.push_back(ReleaseInfo{m.str(r.name), Date::from_days(r.from_days), Date::from_days(r.to_days), m.str(r.derivation)});
    m.from.push_back(Date::from_days(r.from_days));
  }
  const std::uint32_t all = m.nrel == 32 ? ~0u : ((1u << m.nrel) - 1u);
  for (std::size_t i = 0; i < m.ncodes; ++i) {
    const auto& c = m.codes[i];
    if (c.key == 0 || (i > 0 && c.key <= m.codes[i - 1].key) || (c.present & ~all) || (c.billable & ~c.present) ||
        (c.needs7 & ~c.present) || c.present == 0 || std::size_t{c.title_begin} + c.title_count > m.ntitles ||
        std::size_t{c.succ_begin} + c.succ_count > m.nsucc)
      return fail("bad code record " + std::to_string(i));
  }
  for (std::size_t i = 0; i < m.ntitles; ++i)
    if (m.titles[i].from_release >= m.nrel || !sok(m.titles[i].short_title) || !sok(m.titles[i].long_title))
      return fail("bad title " + std::to_string(i));
  for (std::size_t i = 0; i < m.nsucc; ++i)
    if (m.succ[i] >= m.ncodes) return fail("bad successor " + std::to_string(i));
  for (std::size_t i = 0; i < m.ntabs; ++i) {
    const auto& t = m.tabs[i];
    if (!sok(t.name) || t.release >= m.nrel || (i > 0 && t.release <= m.tabs[i - 1].release) ||
        std::size_t{t.node_begin} + t.node_count > m.nnodes)
      return fail("bad tabular " + std::to_string(i));
    for (std::uint32_t j = t.node_begin + 1; j < t.node_begin + t.node_count; ++j)
      if (m.nodes[j].key <= m.nodes[j - 1].key) return fail("tabular nodes not sorted");
  }
  for (std::size_t i = 0; i < m.nnodes; ++i) {
    const auto& n = m.nodes[i];
    // Parents are checked to lie in the same tabular and form no cycle (depth bounded).
    if ((n.parent != fmt::kNone && n.parent >= m.nnodes) || !sok(n.name) ||
        std::size_t{n.e1_begin} + n.e1_count > m.nrefs || std::size_t{n.e1_begin} + n.e1_count + n.e2_count > m.nrefs ||
        (n.seven != fmt::kNone && n.seven >= m.nsdefs))
      return fail("bad tabular node " + std::to_string(i));
    std::uint32_t p = n.parent;
    for (int depth = 0; p != fmt::kNone; ++depth, p = m.nodes[p].parent)
      if (depth > 16) return fail("tabular node parents form a cycle");
  }
  for (std::size_t i = 0; i < m.nrefs; ++i)
    if (!sok(m.refs[i].note)) return fail("bad note reference " + std::to_string(i));
  for (std::size_t i = 0; i < m.nsdefs; ++i)
    if (std::size_t{m.sdefs[i].begin} + m.sdefs[i].count > m.nschars) return fail("bad 7th-character definition");
  for (std::size_t i = 0; i < m.nschars; ++i)
    if (!sok(m.schars[i].meaning) || m.schars[i].ch > 0x7F) return fail("bad 7th character");
  for (std::size_t i = 0; i < m.nmver; ++i)
    if (!sok(m.mver[i].name)) return fail("bad MCE version");
  for (std::size_t i = 0; i < m.nmce; ++i)
    if (m.mce[i].version >= m.nmver) return fail("bad MCE entry");
  if (m.npoa_lists > fmt::kMaxPoaLists) return fail("bad POA-exempt list count");
  for (std::size_t i = 0; i < m.npoa_lists; ++i)
    if (!sok(m.poa_lists[i].name) || (i > 0 && m.poa_lists[i].from_days <= m.poa_lists[i - 1].from_days))
      return fail("bad POA-exempt list");
  for (std::size_t i = 0; i < m.npoa; ++i)
    if ((m.npoa_lists < 32 && (m.poa[i].lists >> m.npoa_lists) != 0) || (i > 0 && m.poa[i].key <= m.poa[i - 1].key))
      return fail("bad POA-exempt entry");
  for (std::size_t i = 0; i < m.npreds; ++i) {
    const auto& p = m.preds[i];
    if (p.code >= m.ncodes || (i > 0 && p.code <= m.preds[i - 1].code) ||
        std::size_t{p.ref_begin} + p.ref_count > m.npred_refs)
      return fail("bad predecessor " + std::to_string(i));
  }

  // Open-addressing hash over the codes; the slot carries the status masks so that status()
  // touches one cache line.
  std::size_t cap = 1;
  int bits = 0;
  while (cap < m.ncodes * 2 + 2) cap <<= 1, ++bits;
  m.slots.assign(cap, Impl::Slot{0, 0, 0, 0, 0});
  m.mask = cap - 1;
  m.shift = 64 - bits;
  for (std::size_t i = 0; i < m.ncodes; ++i) {
    const auto& c = m.codes[i];
    std::uint64_t hh = (c.key * 0x9E3779B97F4A7C15ull) >> m.shift;
    while (m.slots[hh].key != 0) hh = (hh + 1) & m.mask;
    m.slots[hh] = Impl::Slot{c.key, c.present, c.billable, c.needs7, static_cast<std::uint32_t>(i)};
  }
  m.mce_at.assign(m.ncodes, fmt::kNone);
  for (std::size_t i = 0; i < m.nmce; ++i) {
    if (i > 0 && m.mce[i].key == m.mce[i - 1].key) continue;
    if (const auto* s = m.find(m.mce[i].key); s && m.mce_at[s->index] == fmt::kNone)
      m.mce_at[s->index] = static_cast<std::uint32_t>(i);
  }
  for (std::size_t i = 0; i < m.nmver; ++i) {
    const Date from = Date::from_days(m.mver[i].from_days);
    m.mce_until.push_back(Date{static_cast<std::int16_t>(from.year + 1), from.month, from.day});
  }
  if (!m.from.empty())
    m.notes_cache.reset(static_cast<std::uint32_t*>(std::calloc(m.ncodes * m.from.size(), sizeof(std::uint32_t))));
  m.chain_bloom.reset(static_cast<std::uint64_t*>(std::calloc(m.nnodes + 1, sizeof(std::uint64_t))));
  auto procedures = ProcedureCodes::attach(base, impl->size);
  if (auto* err = std::get_if<std::string>(&procedures)) return fail(*err);
  impl->procedures = std::move(std::get<std::unique_ptr<const ProcedureCodes>>(procedures));
  return std::shared_ptr<const Icd10Index>(new Icd10Index(std::move(impl)));
}

CodeStatus Icd10Index::status(std::string_view code, Date dos) const noexcept {
  char buf[8];
  const int n = normalize_code(code, buf);
  if (n == 0) return CodeStatus::Unknown;
  return impl_->status_key(pack_code(buf, n), n, impl_->release_index(dos));
}

CodeExplanation Icd10Index::lookup(std::string_view code, Date dos) const {
  const Impl& m = *impl_;
  CodeExplanation e;
  e.dos = dos;
  const int r = m.release_index(dos);
  if (r >= 0) e.release = m.releases[static_cast<std::size_t>(r)].name;
  e.release_in_force_loaded = r >= 0 && !beyond_newest(dos);
  char buf[8];
  const int n = normalize_code(code, buf);
  if (n == 0) {
    std::string_view t = code;
    while (!t.empty() && t.front() == ' ') t.remove_prefix(1);
    while (!t.empty() && t.back() == ' ') t.remove_suffix(1);
    e.code = std::string(t);
    e.status = CodeStatus::Unknown;
    return e;
  }
  const std::uint64_t key = pack_code(buf, n);
  e.code = key_dotted(key);
  e.status = m.status_key(key, n, r);
  const Impl::Slot* slot = m.find(key);
  const std::uint32_t bit = r >= 0 ? (1u << r) : 0u;

  const auto title_of = [&](const fmt::Code& c, bool in_force) {
    const fmt::Title* best = nullptr;
    for (std::uint32_t i = 0; i < c.title_count; ++i) {
      const fmt::Title& t = m.titles[c.title_begin + i];
      if (!in_force || static_cast<int>(t.from_release) <= r) best = &t;
    }
    if (!best && c.title_count) best = &m.titles[c.title_begin + c.title_count - 1];
    return best;
  };
  const auto billable_below = [&](std::uint32_t idx, std::vector<std::string>& out) {
    const std::uint64_t k = m.codes[idx].key;
    const int len = key_len(k);
    for (std::size_t i = idx + 1; i < m.ncodes && key_prefix(m.codes[i].key, len) == k; ++i)
      if (m.codes[i].billable & bit) out.push_back(key_dotted(m.codes[i].key));
  };
  const auto code_index = [&](std::uint64_t k) -> const Impl::Slot* { return m.find(k); };

  // The code the 7th-character and note explanations are about (for a missing code: the
  // longest listed prefix).
  std::uint64_t subject = key;
  std::uint64_t found = 0;
  Impl::Missing missing = Impl::Missing::Unknown;
  if (slot) {
    const fmt::Code& c = m.codes[slot->index];
    const fmt::Title* t = title_of(c, (c.present & bit) != 0);
    if (t) {
      e.title = m.str(t->long_title);
      e.short_title = m.str(t->short_title);
    }
    if ((c.present & bit) && !(c.billable & bit)) billable_below(slot->index, e.billable_children);
    if (c.present & bit) {
      int j = r;
      while (j > 0 && (c.present & (1u << (j - 1)))) --j;
      e.effective_from = m.releases[static_cast<std::size_t>(j)].effective_from;
      if (!(c.billable & bit)) {
        // A header: since when, and until when it was billable before that (M54.5: a header
        // from 2021-10-01, billable until 2021-09-30).
        int h = r;
        while (h > 0 && (c.present & (1u << (h - 1))) && !(c.billable & (1u << (h - 1)))) --h;
        e.header_since = m.releases[static_cast<std::size_t>(h)].effective_from;
        if (h > 0 && (c.billable & (1u << (h - 1)))) e.billable_until = m.releases[static_cast<std::size_t>(h - 1)].effective_to;
      }
    } else if (e.status == CodeStatus::NotYetEffective) {
      for (std::size_t j = static_cast<std::size_t>(r + 1); j < m.nrel; ++j)
        if (c.present & (1u << j)) {
          e.effective_from = m.releases[j].effective_from;
          break;
        }
    } else if (e.status == CodeStatus::Deleted) {
      int j = r - 1;
      while (j >= 0 && !(c.present & (1u << j))) --j;
      if (j >= 0) {
        e.last_valid = m.releases[static_cast<std::size_t>(j)].effective_to;
        int s = j;
        while (s > 0 && (c.present & (1u << (s - 1)))) --s;
        e.effective_from = m.releases[static_cast<std::size_t>(s)].effective_from;
      }
      for (std::uint32_t i = 0; i < c.succ_count; ++i) {
        const std::uint32_t si = m.succ[c.succ_begin + i];
        const fmt::Code& sc = m.codes[si];
        if (sc.billable & bit) e.replacements.push_back(key_dotted(sc.key));
        else if (sc.present & bit) billable_below(si, e.replacements);
      }
      if (e.replacements.empty())
        for (int len = n - 1; len >= 3; --len)
          if (const auto* ps = code_index(key_prefix(key, len)); ps && (ps->present & bit)) {
            billable_below(ps->index, e.related);
            break;
          }
      std::sort(e.replacements.begin(), e.replacements.end());
      e.replacements.erase(std::unique(e.replacements.begin(), e.replacements.end()), e.replacements.end());
    }
    if (e.status == CodeStatus::NotYetEffective && r >= 0) {
      // The conversion table's previous code(s): what to report before it takes effect.
      const fmt::Predecessor* pe = m.preds + m.npreds;
      const fmt::Predecessor* p = std::lower_bound(m.preds, pe, slot->index, [](const fmt::Predecessor& x, std::uint32_t ci) {
        return x.code < ci;
      });
      if (p != pe && p->code == slot->index)
        for (std::uint32_t i = 0; i < p->ref_count; ++i) {
          const fmt::Ref& rf = m.pred_refs[p->ref_begin + i];
          if (!(rf.flags & (fmt::kRefRange | fmt::kRefPrefix))) {
            if (const auto* ps = code_index(rf.first); ps && (ps->present & bit)) {
              if (ps->billable & bit) e.replacements.push_back(key_dotted(rf.first));
              else billable_below(ps->index, e.replacements);
            }
            continue;
          }
          // A family: its billable codes on dos (a conversion row never names a large one).
          const fmt::Code* lo = std::lower_bound(m.codes, m.codes + m.ncodes, rf.first,
                                                 [](const fmt::Code& x, std::uint64_t k) { return x.key < k; });
          for (; lo != m.codes + m.ncodes && e.replacements.size() < 64 &&
                 ref_matches(rf.first, rf.last, (rf.flags & fmt::kRefRange) != 0, lo->key);
               ++lo)
            if (lo->billable & bit) e.replacements.push_back(key_dotted(lo->key));
        }
      std::sort(e.replacements.begin(), e.replacements.end());
      e.replacements.erase(std::unique(e.replacements.begin(), e.replacements.end()), e.replacements.end());
    }
  } else {
    missing = m.explain_missing(key, n, r, &found);
    if (missing != Impl::Missing::Unknown) subject = found;
  }

  // Notes, 7th character, manifestation from the tabular that applies.
  const auto [tab, node] = m.notes_for(subject, r < 0 ? 0 : r);
  if (tab >= 0 && node != fmt::kNone) e.notes_release = m.str(m.tabs[tab].name);
  const std::string subject_name = key_dotted(subject);
  for (std::uint32_t nd = node; nd != fmt::kNone; nd = m.nodes[nd].parent) {
    const fmt::Node& x = m.nodes[nd];
    if (!e.seventh && x.seven != fmt::kNone) {
      SeventhCharRule rule;
      rule.defined_at = m.str(x.name);
      const fmt::SevenDef& d = m.sdefs[x.seven];
      for (std::uint32_t i = 0; i < d.count; ++i) {
        rule.allowed.push_back(static_cast<char>(m.schars[d.begin + i].ch));
        rule.meanings.emplace_back(m.str(m.schars[d.begin + i].meaning));
      }
      e.seventh = std::move(rule);
    }
    if ((x.flags & fmt::kNodeManifestation) && !(x.flags & (fmt::kNodeSection | fmt::kNodeChapter)))
      e.manifestation = true;
    const auto add = [&](std::uint32_t b, std::uint32_t cnt, std::vector<CodeRef>& out) {
      for (std::uint32_t i = 0; i < cnt; ++i) {
        const fmt::Ref& rf = m.refs[b + i];
        CodeRef cr;
        cr.first = key_string(rf.first);
        if (rf.flags & fmt::kRefRange) cr.last = key_string(rf.last);
        cr.prefix = (rf.flags & fmt::kRefPrefix) != 0;
        cr.note = m.str(rf.note);
        cr.declared_at = m.str(x.name);
        cr.with_pattern = rf.with;
        cr.with = with_text(rf.with, key_len(rf.first));
        out.push_back(std::move(cr));
      }
    };
    add(x.e1_begin, x.e1_count, e.excludes1);
    add(x.e1_begin + x.e1_count, x.e2_count, e.excludes2);
  }
  if (!e.manifestation) e.manifestation = is_manifestation(e.code, dos);

  // 7th-character explanations.
  const auto allowed_text = [&](std::uint64_t header) {
    if (e.seventh && !e.seventh->allowed.empty()) return join_chars(e.seventh->allowed);
    std::vector<char> chars;  // from the order file: the 7th characters its codes use
    if (const auto* hs = code_index(header)) {
      const int len = key_len(header);
      for (std::size_t i = hs->index + 1; i < m.ncodes && key_prefix(m.codes[i].key, len) == header; ++i)
        if ((m.codes[i].present & bit) && key_len(m.codes[i].key) == 7) chars.push_back(key_char(m.codes[i].key, 6));
    }
    std::sort(chars.begin(), chars.end());
    chars.erase(std::unique(chars.begin(), chars.end()), chars.end());
    return join_chars(chars);
  };
  const auto placeholder_hint = [&](std::uint64_t header) -> std::string {
    const int len = key_len(header);
    if (len >= 6) return {};
    char b[8] = {};
    for (int i = 0; i < len; ++i) b[i] = key_char(header, i);
    for (int i = len; i < 6; ++i) b[i] = 'X';
    b[6] = 'A';
    const std::uint64_t stem = key_prefix(pack_code(b, 7), 6);
    const auto* hs = code_index(header);
    if (!hs) return {};
    for (std::size_t i = hs->index + 1; i < m.ncodes && key_prefix(m.codes[i].key, len) == header; ++i)
      if ((m.codes[i].present & bit) && key_prefix(m.codes[i].key, 6) == stem)
        return " (with the placeholder X: " + key_dotted(m.codes[i].key) + ")";
    return {};
  };
  if (e.status == CodeStatus::InvalidExtension) {
    if (slot) {
      e.extension_problem = e.code + " needs a 7th character: " + allowed_text(key) + placeholder_hint(key);
    } else if (missing == Impl::Missing::Placeholder) {
      e.extension_problem = e.code + " lacks the placeholder X: the code is " + key_dotted(found);
      e.corrected = key_dotted(found);
      if (const auto* fs = code_index(found)) {
        const fmt::Title* t = title_of(m.codes[fs->index], true);
        if (t) e.title = m.str(t->long_title);
      }
    } else if (missing == Impl::Missing::NoSeventh) {
      e.extension_problem = subject_name + " takes no 7th character";
      e.seventh.reset();
    } else if (missing == Impl::Missing::BadSeventh) {
      const char c = key_char(key, n - 1);
      const std::string allowed = allowed_text(found);
      if (n == 7 && allowed.find(c) != std::string::npos) {
        // The 7th character is fine: what precedes it is not a code of the category.
        std::string six = e.code;
        six.pop_back();
        e.extension_problem = "'" + std::string(1, c) + "' is a valid 7th character for " + subject_name + ", but " +
                              six + " is not a code under it to add it to";
      } else if (n == 7)
        e.extension_problem = "7th character '" + std::string(1, c) + "' is not defined for " + subject_name +
                              ": " + allowed;
      else
        e.extension_problem = subject_name + " needs a 7th character: " + allowed_text(found) + placeholder_hint(found);
    }
  }
  return e;
}

Icd10Index::NotesRef Icd10Index::notes_ref(std::string_view code, Date dos) const noexcept {
  const Impl& m = *impl_;
  NotesRef ref;
  ref.key = code_key(code);
  if (ref.key == 0) return ref;
  ref.release = std::max(m.release_index(dos), 0);
  ref.node = m.notes_node(ref.key, ref.release);
  return ref;
}

namespace {

// The Excludes1 reference on node's chain that names `to`: {node, ref index}, else {kNone, 0}.
std::pair<std::uint32_t, std::uint32_t> excludes1_match(const Icd10Index::Impl& m, std::uint32_t node,
                                                        std::uint64_t to) noexcept {
  if (!m.may_exclude(node, to)) return {fmt::kNone, 0};
  for (std::uint32_t nd = node; nd != fmt::kNone; nd = m.nodes[nd].parent) {
    const fmt::Node& x = m.nodes[nd];
    for (std::uint32_t i = 0; i < x.e1_count; ++i) {
      const fmt::Ref& rf = m.refs[x.e1_begin + i];
      if (ref_matches(rf.first, rf.last, (rf.flags & fmt::kRefRange) != 0, to) && with_matches(rf.with, to))
        return {nd, x.e1_begin + i};
    }
  }
  return {fmt::kNone, 0};
}

std::pair<std::uint32_t, std::uint32_t> excludes1_pair(const Icd10Index::Impl& m, const Icd10Index::NotesRef& a,
                                                       const Icd10Index::NotesRef& b) noexcept {
  if (a.key == 0 || b.key == 0 || a.release != b.release) return {fmt::kNone, 0};
  const auto ab = excludes1_match(m, a.node, b.key);
  return ab.first != fmt::kNone ? ab : excludes1_match(m, b.node, a.key);
}

}  // namespace

bool Icd10Index::excludes1(const NotesRef& a, const NotesRef& b, CodeRef* why) const {
  const Impl& m = *impl_;
  const auto [nd, i] = excludes1_pair(m, a, b);
  if (nd == fmt::kNone) return false;
  if (why) {
    const fmt::Ref& rf = m.refs[i];
    why->first = key_string(rf.first);
    why->last = (rf.flags & fmt::kRefRange) ? key_string(rf.last) : std::string();
    why->prefix = (rf.flags & fmt::kRefPrefix) != 0;
    why->note = m.str(rf.note);
    why->declared_at = m.str(m.nodes[nd].name);
    why->with_pattern = rf.with;
    why->with = with_text(rf.with, key_len(rf.first));
  }
  return true;
}

bool Icd10Index::excludes1(const NotesRef& a, const NotesRef& b, NoteView* why) const noexcept {
  const Impl& m = *impl_;
  const auto [nd, i] = excludes1_pair(m, a, b);
  if (nd == fmt::kNone) return false;
  if (why) {
    why->note = m.str(m.refs[i].note);
    why->declared_at = m.str(m.nodes[nd].name);
  }
  return true;
}

bool Icd10Index::excludes1(std::string_view a, std::string_view b, Date dos, CodeRef* why) const {
  return excludes1(notes_ref(a, dos), notes_ref(b, dos), why);
}

bool Icd10Index::is_manifestation(std::string_view code, Date dos) const noexcept {
  const Impl& m = *impl_;
  const std::uint64_t key = code_key(code);
  if (key == 0) return false;
  int r = m.release_index(dos);
  if (r < 0) r = 0;
  const std::uint32_t node = m.notes_node(key, r);
  for (std::uint32_t nd = node; nd != fmt::kNone; nd = m.nodes[nd].parent) {
    const fmt::Node& x = m.nodes[nd];
    if (x.flags & (fmt::kNodeSection | fmt::kNodeChapter)) break;
    if (x.flags & fmt::kNodeManifestation) return true;
  }
  std::size_t v = 0;
  const fmt::MceEntry* me = m.mce_entry(key, dos, &v);
  return me && (me->flags & fmt::kMcePrincipalManifestation);
}

int Icd10Index::chapter(std::string_view code, Date dos) const noexcept {
  const Impl& m = *impl_;
  const std::uint64_t key = code_key(code);
  if (key == 0) return 0;
  int r = m.release_index(dos);
  if (r < 0) r = 0;
  const std::uint32_t node = m.notes_node(key, r);
  if (node == fmt::kNone) return 0;
  return static_cast<int>((m.nodes[node].flags >> fmt::kNodeChapterShift) & 0xFF);
}

namespace {

Icd10Index::DemographicsRef demographics_of(const Icd10Index::Impl& m, std::uint64_t key, Date dos) noexcept {
  Icd10Index::DemographicsRef d;
  if (key == 0 || m.nmver == 0) return d;
  std::size_t v = 0;
  const fmt::MceEntry* me = m.mce_entry(key, dos, &v);
  d.source = m.str(m.mver[v].name);
  // Each MCE version covers one fiscal year from its effective date.
  d.beyond_list = v + 1 == m.nmver && !(dos < m.mce_until[v]);
  if (!me) return d;
  if (me->sex == fmt::kMceMale) d.sex = DemographicEdits::Sex::MaleOnly;
  if (me->sex == fmt::kMceFemale) d.sex = DemographicEdits::Sex::FemaleOnly;
  switch (me->age) {
    case fmt::kMceNewborn: d.age = std::pair{0, 0}; d.age_category = "newborn"; break;
    case fmt::kMcePediatric: d.age = std::pair{0, 17}; d.age_category = "pediatric"; break;
    case fmt::kMceMaternity: d.age = std::pair{12, 55}; d.age_category = "maternity"; break;
    case fmt::kMceAdult: d.age = std::pair{15, 124}; d.age_category = "adult"; break;
    default: break;
  }
  return d;
}

}  // namespace

Icd10Index::DemographicsRef Icd10Index::demographics_ref(std::string_view code, Date dos) const noexcept {
  return demographics_of(*impl_, code_key(code), dos);
}

Icd10Index::CodeProbe Icd10Index::probe(std::string_view code, Date dos, bool demographics) const noexcept {
  const Impl& m = *impl_;
  CodeProbe p;
  char buf[8];
  const int n = normalize_code(code, buf);
  if (n == 0) return p;
  const std::uint64_t key = pack_code(buf, n);
  const int r = m.release_index(dos);
  p.status = m.status_key(key, n, r);
  p.notes.key = key;
  p.notes.release = std::max(r, 0);
  p.notes.node = m.notes_node(key, p.notes.release);
  if (demographics && p.status == CodeStatus::Billable) p.demographics = demographics_of(m, key, dos);
  return p;
}

DemographicEdits Icd10Index::demographics(std::string_view code, Date dos) const {
  const DemographicsRef r = demographics_ref(code, dos);
  DemographicEdits d;
  d.sex = r.sex;
  d.age = r.age;
  d.age_category = std::string(r.age_category);
  d.source = std::string(r.source);
  d.beyond_list = r.beyond_list;
  return d;
}

PoaExemption Icd10Index::poa_exemption(std::string_view code, Date dos) const {
  const Impl& m = *impl_;
  PoaExemption p;
  if (m.npoa_lists == 0) return p;
  const std::int32_t d = dos.days();
  if (d < m.poa_lists[0].from_days) return p;  // before the first list (before ICD-10-CM)
  std::size_t l = 0;
  for (std::size_t i = 0; i < m.npoa_lists; ++i)
    if (m.poa_lists[i].from_days <= d) l = i;
  p.list = m.str(m.poa_lists[l].name);
  // The newest list covers one fiscal year: until the day before the October 1 after it took
  // effect (a mid-year list, until the end of its fiscal year).
  const Date from = Date::from_days(m.poa_lists[l].from_days);
  const Date fy_end{static_cast<std::int16_t>(from.month >= 10 ? from.year + 1 : from.year), 10, 1};
  p.beyond_list = l + 1 == m.npoa_lists && !(dos < fy_end);
  const std::uint64_t key = code_key(code);
  if (key == 0) return p;
  const fmt::PoaEntry* e = m.poa + m.npoa;
  const fmt::PoaEntry* it =
      std::lower_bound(m.poa, e, key, [](const fmt::PoaEntry& x, std::uint64_t k) { return x.key < k; });
  p.exempt = it != e && it->key == key && ((it->lists >> l) & 1u) != 0;
  return p;
}

const std::vector<ReleaseInfo>& Icd10Index::releases() const noexcept { return impl_->releases; }

const ReleaseInfo* Icd10Index::release_on(Date dos) const noexcept {
  const int r = impl_->release_index(dos);
  return r < 0 ? nullptr : &impl_->releases[static_cast<std::size_t>(r)];
}

bool Icd10Index::beyond_newest(Date dos) const noexcept { return impl_->releases.back().effective_to < dos; }

std::size_t Icd10Index::size_bytes() const noexcept { return impl_->size; }
const ProcedureCodes& Icd10Index::procedures() const noexcept { return *impl_->procedures; }

}  // namespace cg::codesets
