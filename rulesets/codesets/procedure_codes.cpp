// The date-aware procedure code sets (see procedure_codes.hpp for the contract).
#include "rulesets/codesets/procedure_codes.hpp"

#include "rulesets/codesets/code_key.hpp"
#include "rulesets/codesets/icd10cm_format.hpp"
#include "rulesets/codesets/procedure_format.hpp"

#include <algorithm>
#include <array>
#include <cstring>

namespace cg::codesets {

using rules::Date;

std::string_view to_string(ProcedureStatus s) {
  switch (s) {
    case ProcedureStatus::Valid: return "valid";
    case ProcedureStatus::Header: return "header";
    case ProcedureStatus::NotYetEffective: return "not-yet-effective";
    case ProcedureStatus::Deleted: return "deleted";
    case ProcedureStatus::Unknown: return "unknown";
    case ProcedureStatus::NotLoaded: return "code-set-not-loaded";
  }
  return "?";
}

std::string_view to_string(ProcedureCatalog c) {
  switch (c) {
    case ProcedureCatalog::Icd10Pcs: return "icd10pcs";
    case ProcedureCatalog::Hcpcs: return "hcpcs";
    case ProcedureCatalog::HcpcsModifier: return "hcpcs-modifier";
    case ProcedureCatalog::Cpt: return "cpt";
  }
  return "?";
}

std::string normalize_procedure_code(std::string_view in) {
  std::string out;
  std::size_t b = 0, e = in.size();
  while (b < e && (in[b] == ' ' || in[b] == '\t')) ++b;
  while (e > b && (in[e - 1] == ' ' || in[e - 1] == '\t')) --e;
  for (std::size_t i = b; i < e; ++i) {
    char c = in[i];
    if (c == '.') continue;
    if (c >= 'a' && c <= 'z') c = static_cast<char>(c - 'a' + 'A');
    if (!((c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9')) || out.size() == kMaxCodeLen) return {};
    out.push_back(c);
  }
  return out;
}

namespace {

// Modifiers share the HCPCS releases.
int release_catalog(ProcedureCatalog c) {
  return c == ProcedureCatalog::HcpcsModifier ? static_cast<int>(ProcedureCatalog::Hcpcs) : static_cast<int>(c);
}

}  // namespace

struct ProcedureCodes::Impl {
  const char* strings = nullptr;
  std::size_t strings_size = 0;
  const pfmt::Code* codes = nullptr;
  std::size_t ncodes = 0;
  const pfmt::Title* titles = nullptr;
  std::size_t ntitles = 0;
  const pfmt::Dates* dates = nullptr;
  std::size_t ndates = 0;
  const std::uint32_t* succ = nullptr;
  std::size_t nsucc = 0;
  std::array<std::vector<ProcedureRelease>, kProcedureCatalogs> releases;

  const char* str(std::uint32_t off) const { return off < strings_size ? strings + off : ""; }

  // Index of the release in force on dos, -1 when none covers it.
  int release_index(ProcedureCatalog c, Date dos) const noexcept {
    const auto& rs = releases[static_cast<std::size_t>(release_catalog(c))];
    int r = -1;
    for (std::size_t i = 0; i < rs.size(); ++i)
      if (!(dos < rs[i].effective_from)) r = static_cast<int>(i);
    if (r >= 0 && rs[static_cast<std::size_t>(r)].effective_to < dos) return -1;
    return r;
  }

  const pfmt::Code* find(ProcedureCatalog c, std::uint64_t key) const noexcept {
    const auto cat = static_cast<std::uint32_t>(c);
    const pfmt::Code* end = codes + ncodes;
    const pfmt::Code* it = std::lower_bound(codes, end, std::pair{cat, key}, [](const pfmt::Code& a, const auto& k) {
      return a.catalog != k.first ? a.catalog < k.first : a.key < k.second;
    });
    return it != end && it->catalog == cat && it->key == key ? it : nullptr;
  }

  // Codes of the catalog under `key` (itself excluded) valid in release r: count, and up to
  // `sample` of them.
  std::size_t children(ProcedureCatalog c, std::uint64_t key, int len, int r, std::vector<std::string>* sample,
                       std::size_t max_sample, bool stop_at_first) const {
    const auto cat = static_cast<std::uint32_t>(c);
    const pfmt::Code* end = codes + ncodes;
    const pfmt::Code* it = std::upper_bound(codes, end, std::pair{cat, key}, [](const auto& k, const pfmt::Code& a) {
      return k.first != a.catalog ? k.first < a.catalog : k.second < a.key;
    });
    std::size_t n = 0;
    const std::uint32_t bit = 1u << r;
    for (; it != end && it->catalog == cat && key_prefix(it->key, len) == key; ++it) {
      if (!(it->valid & bit)) continue;
      ++n;
      if (sample && sample->size() < max_sample) sample->push_back(key_string(it->key));
      if (stop_at_first) break;
    }
    return n;
  }

  // The HCPCS dates of a code in release r, nullptr when it is not listed there.
  const pfmt::Dates* dates_in(const pfmt::Code& c, int r) const noexcept {
    for (std::uint32_t i = 0; i < c.date_count; ++i) {
      const auto& d = dates[c.date_begin + i];
      if (d.release == static_cast<std::uint32_t>(r)) return &d;
    }
    return nullptr;
  }

  struct Answer {
    ProcedureStatus status = ProcedureStatus::Unknown;
    const pfmt::Code* code = nullptr;
    int release = -1;
    std::optional<Date> from, last;
  };

  Answer answer(ProcedureCatalog c, std::string_view text, Date dos) const noexcept {
    Answer a;
    a.release = release_index(c, dos);
    if (a.release < 0) {
      a.status = ProcedureStatus::NotLoaded;
      return a;
    }
    char buf[8] = {};
    int n = 0;
    for (char ch : text) {
      if (ch == '.' || ch == ' ' || ch == '\t') continue;
      if (ch >= 'a' && ch <= 'z') ch = static_cast<char>(ch - 'a' + 'A');
      if (!((ch >= 'A' && ch <= 'Z') || (ch >= '0' && ch <= '9')) || n == kMaxCodeLen) return a;
      buf[n++] = ch;
    }
    if (n == 0) return a;
    const std::uint64_t key = pack_code(buf, n);
    const auto& rs = releases[static_cast<std::size_t>(release_catalog(c))];
    const int r = a.release;
    const std::uint32_t bit = 1u << r;
    a.code = find(c, key);
    const bool dated = c == ProcedureCatalog::Hcpcs || c == ProcedureCatalog::HcpcsModifier;
    if (a.code && dated) {
      // HCPCS: the release's own ADD DT / TERM DT decide; a code added after the release was
      // published is found in a later file with its ADD DT.
      const pfmt::Code& k = *a.code;
      for (int j = r; j < static_cast<int>(rs.size()); ++j) {
        const pfmt::Dates* d = dates_in(k, j);
        if (!d) continue;
        if (d->add_days != pfmt::kNoDate && dos.days() < d->add_days) {
          if (j == r || !(k.present & ((1u << r) - 1u))) {
            a.status = ProcedureStatus::NotYetEffective;
            a.from = Date::from_days(d->add_days);
            return a;
          }
          break;
        }
        if (d->term_days != pfmt::kNoDate && dos.days() > d->term_days) {
          a.status = ProcedureStatus::Deleted;
          a.last = Date::from_days(d->term_days);
          return a;
        }
        a.status = ProcedureStatus::Valid;
        if (d->add_days != pfmt::kNoDate) a.from = Date::from_days(d->add_days);
        return a;
      }
      // Dropped from the files: valid before, no longer listed.
      for (int j = r - 1; j >= 0; --j) {
        const pfmt::Dates* d = dates_in(k, j);
        if (!d) continue;
        a.status = ProcedureStatus::Deleted;
        a.last = d->term_days != pfmt::kNoDate ? Date::from_days(d->term_days)
                                                 : Date::from_days(rs[static_cast<std::size_t>(j)].effective_to.days());
        return a;
      }
      return a;
    }
    if (a.code) {
      const pfmt::Code& k = *a.code;
      if (k.valid & bit) {
        a.status = ProcedureStatus::Valid;
        return a;
      }
      if (k.present & bit) {
        a.status = ProcedureStatus::Header;
        return a;
      }
    }
    if (c == ProcedureCatalog::Icd10Pcs && n < kMaxCodeLen && children(c, key, n, r, nullptr, 0, true) > 0) {
      a.status = ProcedureStatus::Header;
      return a;
    }
    if (!a.code) return a;
    const pfmt::Code& k = *a.code;
    const std::uint32_t later = k.valid & ~((bit << 1) - 1u);
    const std::uint32_t earlier = k.valid & (bit - 1u);
    if (earlier) {
      int j = 31;
      while (!(earlier & (1u << j))) --j;
      a.status = ProcedureStatus::Deleted;
      a.last = rs[static_cast<std::size_t>(j)].effective_to;
      if (later) {
        int f = 0;
        while (!(later & (1u << f))) ++f;
        a.from = rs[static_cast<std::size_t>(f)].effective_from;
      }
      return a;
    }
    if (later) {
      int f = 0;
      while (!(later & (1u << f))) ++f;
      a.status = ProcedureStatus::NotYetEffective;
      a.from = rs[static_cast<std::size_t>(f)].effective_from;
    }
    return a;
  }
};

ProcedureCodes::ProcedureCodes(std::unique_ptr<Impl> impl) : impl_(std::move(impl)) {}
ProcedureCodes::~ProcedureCodes() = default;

std::variant<std::unique_ptr<const ProcedureCodes>, std::string> ProcedureCodes::attach(const unsigned char* base,
                                                                                      std::size_t size) {
  auto impl = std::make_unique<Impl>();
  const auto fail = [](const std::string& why) {
    return std::variant<std::unique_ptr<const ProcedureCodes>, std::string>(std::string("procedure code sets: ") + why);
  };
  fmt::FileHeader h{};
  if (size < sizeof h) return fail("file too short");
  std::memcpy(&h, base, sizeof h);
  if (sizeof h + static_cast<std::size_t>(h.section_count) * sizeof(fmt::SectionEntry) > size)
    return fail("bad section table");
  std::array<const void*, 6> sec{};
  std::array<std::size_t, 6> cnt{};
  for (std::uint32_t i = 0; i < h.section_count; ++i) {
    fmt::SectionEntry s{};
    std::memcpy(&s, base + sizeof h + i * sizeof s, sizeof s);
    if (s.id < pfmt::kStrings || s.id > pfmt::kSuccessors) continue;
    const std::size_t slot = s.id - pfmt::kStrings;
    static constexpr std::array<std::size_t, 6> kElem = {1, sizeof(pfmt::Release), sizeof(pfmt::Code),
                                                         sizeof(pfmt::Title), sizeof(pfmt::Dates), 4};
    if (s.elem_size != kElem[slot] || s.offset % 8 != 0 || s.offset > size || s.count > (size - s.offset) / s.elem_size)
      return fail("section " + std::to_string(s.id) + " out of bounds");
    sec[slot] = base + s.offset;
    cnt[slot] = s.count;
  }
  if (!sec[1]) return std::unique_ptr<const ProcedureCodes>(new ProcedureCodes(std::move(impl)));
  for (std::size_t i = 0; i < sec.size(); ++i)
    if (!sec[i] && i != 4 && i != 5) return fail("section " + std::to_string(pfmt::kStrings + i) + " missing");
  Impl& m = *impl;
  m.strings = static_cast<const char*>(sec[0]);
  m.strings_size = cnt[0];
  if (m.strings_size == 0 || m.strings[m.strings_size - 1] != '\0') return fail("string section not terminated");
  m.codes = static_cast<const pfmt::Code*>(sec[2]);
  m.ncodes = cnt[2];
  m.titles = static_cast<const pfmt::Title*>(sec[3]);
  m.ntitles = cnt[3];
  m.dates = static_cast<const pfmt::Dates*>(sec[4]);
  m.ndates = cnt[4];
  m.succ = static_cast<const std::uint32_t*>(sec[5]);
  m.nsucc = cnt[5];
  const auto* rel = static_cast<const pfmt::Release*>(sec[1]);
  for (std::size_t i = 0; i < cnt[1]; ++i) {
    if (rel[i].catalog >= kProcedureCatalogs || rel[i].catalog == static_cast<std::uint32_t>(ProcedureCatalog::HcpcsModifier))
      return fail("release with a bad catalog");
    auto& list = m.releases[rel[i].catalog];
    if (list.size() == pfmt::kMaxReleases) return fail("too many releases");
    list.push_back(ProcedureRelease{m.str(rel[i].name), Date::from_days(rel[i].from_days),
                                    Date::from_days(rel[i].to_days), m.str(rel[i].derivation)});
  }
  for (std::size_t i = 0; i < m.ncodes; ++i) {
    const auto& c = m.codes[i];
    const bool ordered = i == 0 || m.codes[i - 1].catalog < c.catalog ||
                         (m.codes[i - 1].catalog == c.catalog && m.codes[i - 1].key < c.key);
    if (!ordered || c.catalog >= kProcedureCatalogs ||
        static_cast<std::size_t>(c.title_begin) + c.title_count > m.ntitles ||
        static_cast<std::size_t>(c.date_begin) + c.date_count > m.ndates ||
        static_cast<std::size_t>(c.succ_begin) + c.succ_count > m.nsucc)
      return fail("code table corrupt at entry " + std::to_string(i));
  }
  for (std::size_t i = 0; i < m.nsucc; ++i)
    if (m.succ[i] >= m.ncodes) return fail("successor out of range");
  return std::unique_ptr<const ProcedureCodes>(new ProcedureCodes(std::move(impl)));
}

const std::vector<ProcedureRelease>& ProcedureCodes::releases(ProcedureCatalog c) const noexcept {
  return impl_->releases[static_cast<std::size_t>(release_catalog(c))];
}

const ProcedureRelease* ProcedureCodes::release_on(ProcedureCatalog c, Date dos) const noexcept {
  const int r = impl_->release_index(c, dos);
  return r < 0 ? nullptr : &releases(c)[static_cast<std::size_t>(r)];
}

ProcedureStatus ProcedureCodes::status(ProcedureCatalog c, std::string_view code, Date dos) const noexcept {
  return impl_->answer(c, code, dos).status;
}

std::size_t ProcedureCodes::code_count() const noexcept { return impl_->ncodes; }

ProcedureExplanation ProcedureCodes::lookup(ProcedureCatalog c, std::string_view code, Date dos) const {
  const Impl& m = *impl_;
  ProcedureExplanation e;
  e.code = normalize_procedure_code(code);
  if (e.code.empty()) e.code = std::string(code.substr(0, 16));
  e.catalog = c;
  e.dos = dos;
  const Impl::Answer a = m.answer(c, code, dos);
  e.status = a.status;
  e.effective_from = a.from;
  e.last_valid = a.last;
  if (a.release >= 0) e.release = releases(c)[static_cast<std::size_t>(a.release)].name;
  if (a.code) {
    const pfmt::Code& k = *a.code;
    // The title of the release in force, else the latest one.
    const pfmt::Title* best = nullptr;
    for (std::uint32_t i = 0; i < k.title_count; ++i) {
      const pfmt::Title& t = m.titles[k.title_begin + i];
      if (!best || a.release < 0 || static_cast<int>(t.from_release) <= a.release) best = &t;
    }
    if (best) {
      e.title = m.str(best->long_title);
      e.short_title = m.str(best->short_title);
    }
    if (e.status == ProcedureStatus::Deleted)
      for (std::uint32_t i = 0; i < k.succ_count; ++i) e.replacements.push_back(key_string(m.codes[m.succ[k.succ_begin + i]].key));
  }
  if (e.status == ProcedureStatus::Header) {
    const std::uint64_t key = a.code ? a.code->key : pack_code(e.code.data(), static_cast<int>(e.code.size()));
    e.valid_children = m.children(c, key, static_cast<int>(e.code.size()), a.release, &e.children_sample, 12, false);
  }
  return e;
}

}  // namespace cg::codesets
