#include "parsers/x12/guide_837.hpp"

#include <algorithm>
#include <array>

namespace cg::x12 {
namespace {

bool starts_with(std::string_view s, std::string_view p) { return s.substr(0, p.size()) == p; }

template <std::size_t N>
bool in(std::string_view v, const std::array<std::string_view, N>& set) {
  return std::find(set.begin(), set.end(), v) != set.end();
}

// Segments that occur in the 837P, 837I and 837D transaction sets (all loops).
constexpr std::array<std::string_view, 53> kSegments = {
    "BHT", "NM1", "PER", "HL",  "PRV", "CUR", "N3",  "N4",  "REF", "SBR", "PAT",
    "DMG", "CLM", "DTP", "DN1", "DN2", "PWK", "CN1", "AMT", "K3",  "NTE", "CR1",
    "CR2", "CRC", "HI",  "HCP", "CL1", "CR6", "CR3", "CR4", "CR5", "MOA", "MIA",
    "OI",  "CAS", "LX",  "SV1", "SV2", "SV3", "SV5", "TOO", "MEA", "PS1", "QTY",
    "LIN", "CTP", "SVD", "LQ",  "FRM", "CR7", "HSD", "CR8", "N2"};

// Segments of the other 005010 HIPAA transaction sets and envelopes (835, 834, 820, 270/271,
// 276/277, 278, 999, TA1): known X12 segments that are not part of an 837.
constexpr std::array<std::string_view, 62> kOtherSegments = {
    "AAA", "ACT", "ADX", "AK1", "AK2", "AK3", "AK4", "AK5", "AK9", "BGN", "BPR", "BGF", "CLP",
    "COB", "CTX", "DSB", "EB",  "EC",  "EQ",  "G61", "HCR", "HLH", "ICM", "IDC", "III", "IK3",
    "IK4", "IK5", "INS", "INV", "LE",  "LS",  "LUI", "MPI", "MSG", "N1",  "PDG", "PDP", "PLA",
    "PLB", "QTY", "RDM", "RMR", "SE",  "ST",  "STC", "SVC", "TA1", "TRN", "TS2", "TS3", "UM",
    "ENT", "NX1", "NX2", "HD",  "HSD", "ISA", "IEA", "GS",  "GE",  "BHT"};

// CMS place of service code set (assigned codes; the rest are "unassigned").
constexpr std::array<std::string_view, 52> kPlaceOfService = {
    "01", "02", "03", "04", "05", "06", "07", "08", "09", "10", "11", "12", "13",
    "14", "15", "16", "17", "18", "19", "20", "21", "22", "23", "24", "25", "26",
    "27", "31", "32", "33", "34", "41", "42", "49", "50", "51", "52", "53", "54",
    "55", "56", "57", "58", "60", "61", "62", "65", "66", "71", "72", "81", "99"};

constexpr std::uint32_t pack_id(std::string_view id) {
  std::uint32_t v = 0;
  for (char c : id) v = (v << 8) | static_cast<unsigned char>(c);
  return v;
}

}  // namespace

TransactionType guide_type(std::string_view g) {
  // Only the errata HIPAA adopted (X222A1, X223A2, X224A2) and the A1/A2 errata whose
  // structure is the same; the pre-errata guides (no suffix) and the later A3 errata differ.
  const auto errata = [](std::string_view rest) { return rest == "A1" || rest == "A2"; };
  if (starts_with(g, "005010X222") && errata(g.substr(10))) return TransactionType::Professional;
  if (starts_with(g, "005010X223") && errata(g.substr(10))) return TransactionType::Institutional;
  if (starts_with(g, "005010X224") && errata(g.substr(10))) return TransactionType::Dental;
  return TransactionType::Unknown;
}

// Segment ids are 2-3 characters of A-Z and 0-9: a direct index into a bit set (37^3 ids, the
// third character 0 for a 2-character id) answers in a few instructions, once per segment.
class IdSet {
 public:
  template <std::size_t N>
  explicit IdSet(const std::array<std::string_view, N>& ids) {
    for (std::string_view id : ids) {
      const std::size_t k = index(id);
      bits_[k / 64] |= std::uint64_t{1} << (k % 64);
    }
  }
  [[nodiscard]] bool has(std::string_view id) const {
    const std::size_t k = index(id);
    return k != kNone && (bits_[k / 64] >> (k % 64) & 1u) != 0;
  }

 private:
  static constexpr std::size_t kNone = 37 * 37 * 37;
  static std::size_t digit(char c) {
    if (c >= 'A' && c <= 'Z') return static_cast<std::size_t>(c - 'A') + 1;
    if (c >= '0' && c <= '9') return static_cast<std::size_t>(c - '0') + 27;
    return 0;
  }
  static std::size_t index(std::string_view id) {
    if (id.size() < 2 || id.size() > 3) return kNone;
    const std::size_t a = digit(id[0]), b = digit(id[1]), c = id.size() == 3 ? digit(id[2]) : 0;
    if (a == 0 || b == 0 || (id.size() == 3 && c == 0)) return kNone;
    return (a * 37 + b) * 37 + c;
  }
  std::array<std::uint64_t, kNone / 64 + 1> bits_{};
};

// The 837 segment ids by a perfect hash of their packed bytes and length: one multiply, one
// load and one compare per segment. The multiplier is found at compile time.
namespace {
constexpr std::uint32_t segment_key(std::string_view id) {
  std::uint32_t v = 0;
  for (char c : id) v = (v << 8) | static_cast<unsigned char>(c);
  return v | static_cast<std::uint32_t>(id.size()) << 24;  // ids of 2-3 characters
}
constexpr std::size_t kSegmentHashBits = 8;
constexpr std::size_t segment_slot(std::uint32_t key, std::uint32_t mul) {
  return static_cast<std::uint32_t>(key * mul) >> (32 - kSegmentHashBits);
}
constexpr std::uint32_t segment_multiplier() {
  for (std::uint32_t mul = 0x9E3779B1u;; mul += 2) {
    std::array<bool, std::size_t{1} << kSegmentHashBits> used{};
    bool ok = true;
    for (std::string_view id : kSegments) {
      const std::size_t k = segment_slot(segment_key(id), mul);
      ok = ok && !used[k];
      used[k] = true;
    }
    if (ok) return mul;
  }
}
constexpr std::uint32_t kSegmentMul = segment_multiplier();
constexpr std::array<std::uint32_t, std::size_t{1} << kSegmentHashBits> segment_table() {
  std::array<std::uint32_t, std::size_t{1} << kSegmentHashBits> t{};  // 0: no id (every key has a length)
  for (std::string_view id : kSegments) t[segment_slot(segment_key(id), kSegmentMul)] = segment_key(id);
  return t;
}
constexpr auto kSegmentTable = segment_table();
}  // namespace

bool is_837_segment(std::string_view id) {
  if (id.size() < 2 || id.size() > 3) return false;
  const std::uint32_t k = segment_key(id);
  return kSegmentTable[segment_slot(k, kSegmentMul)] == k;
}

bool is_x12_segment(std::string_view id) {
  static const IdSet set(kOtherSegments);
  return is_837_segment(id) || set.has(id);
}

std::string_view nm1_loop(TransactionType type, std::string_view cur, std::string_view entity) {
  // Called for every NM1: compare packed integers rather than strings.
  const std::uint32_t head = cur.size() >= 4 ? pack_id(cur.substr(0, 4)) : 0;
  const char tail = cur.size() > 4 ? cur[4] : 0;
  const bool level2 = head == pack_id("2000") || head == pack_id("2010");
  const bool billing = level2 && tail == 'A';
  const bool subscriber = level2 && tail == 'B';
  const bool patient = level2 && tail == 'C';
  const bool claim = head == pack_id("2300") || head == pack_id("2310");
  const bool other_sub = head == pack_id("2320") || head == pack_id("2330");
  const bool line = cur.size() >= 2 && cur[0] == '2' && cur[1] == '4';
  if (entity.size() > 2) return "";
  const std::uint32_t e = pack_id(entity);
  constexpr auto E = [](const char* s) { return pack_id(s); };
  if (billing) return e == E("85") ? "2010AA" : e == E("87") ? "2010AB" : e == E("PE") ? "2010AC" : "";
  if (subscriber) return e == E("IL") ? "2010BA" : e == E("PR") ? "2010BB" : "";
  if (patient) return e == E("QC") ? "2010CA" : "";
  if (other_sub) {
    if (e == E("IL")) return "2330A";
    if (e == E("PR")) return "2330B";
    if (e == E("DN") || e == E("P3")) return "2330C";
    if (e == E("82")) return "2330D";
    if (type == TransactionType::Dental) {  // X224A2: supervising, billing, facility, assistant
      if (e == E("DQ")) return "2330E";
      if (e == E("85")) return "2330F";
      if (e == E("77")) return "2330G";
      if (e == E("DD")) return "2330H";
      return "";
    }
    if (e == E("77")) return "2330E";
    if (e == E("DQ")) return "2330F";
    if (e == E("85")) return "2330G";
    return "";
  }
  switch (type) {
    case TransactionType::Institutional:
      if (claim) {
        if (e == E("71")) return "2310A";
        if (e == E("72")) return "2310B";
        if (e == E("ZZ")) return "2310C";
        if (e == E("82")) return "2310D";
        if (e == E("77")) return "2310E";
        if (e == E("DN")) return "2310F";
      }
      if (line) {
        if (e == E("72")) return "2420A";
        if (e == E("ZZ")) return "2420B";
        if (e == E("82")) return "2420C";
        if (e == E("DN")) return "2420D";
      }
      return "";
    case TransactionType::Dental:
      if (claim) {
        if (e == E("DN") || e == E("P3")) return "2310A";
        if (e == E("82")) return "2310B";
        if (e == E("77")) return "2310C";
        if (e == E("DD")) return "2310D";
        if (e == E("DQ")) return "2310E";
      }
      if (line) {
        if (e == E("82")) return "2420A";
        if (e == E("DD")) return "2420B";
        if (e == E("DQ")) return "2420C";
        if (e == E("77")) return "2420D";
      }
      return "";
    default:
      if (claim) {
        if (e == E("DN") || e == E("P3")) return "2310A";
        if (e == E("82")) return "2310B";
        if (e == E("77")) return "2310C";
        if (e == E("DQ")) return "2310D";
        if (e == E("PW")) return "2310E";
        if (e == E("45")) return "2310F";
      }
      if (line) {
        if (e == E("82")) return "2420A";
        if (e == E("QB")) return "2420B";
        if (e == E("77")) return "2420C";
        if (e == E("DQ")) return "2420D";
        if (e == E("DK")) return "2420E";
        if (e == E("DN") || e == E("P3")) return "2420F";
        if (e == E("PW")) return "2420G";
        if (e == E("45")) return "2420H";
      }
      return "";
  }
}

DxKind dx_kind(TransactionType type, std::string_view q) {
  if (q == "ABK" || q == "BK") return DxKind::Principal;
  if (q == "ABF" || q == "BF") return DxKind::Other;
  if (type == TransactionType::Institutional) {
    if (q == "ABJ" || q == "BJ") return DxKind::Admitting;
    if (q == "APR" || q == "PR") return DxKind::ReasonForVisit;
    if (q == "ABN" || q == "BN") return DxKind::ExternalCause;
    static constexpr std::array<std::string_view, 14> kOther = {
        "BBR", "BBQ", "BR", "BQ", "BI", "BH", "BE", "BG", "TC", "DR", "CAH", "BP", "BO", "BN1"};
    if (in(q, kOther)) return DxKind::NotDiagnosis;
    return DxKind::Unknown;
  }
  // 837P: anesthesia related procedures (BP/BO), condition information (BG)
  static constexpr std::array<std::string_view, 3> kOther = {"BP", "BO", "BG"};
  if (in(q, kOther)) return DxKind::NotDiagnosis;
  return DxKind::Unknown;
}

bool is_icd9_qualifier(std::string_view q) {
  return q == "BK" || q == "BF" || q == "BJ" || q == "PR" || q == "BN";
}

bool valid_d8(std::string_view t) {
  if (t.size() != 8 || !std::all_of(t.begin(), t.end(), [](char c) { return c >= '0' && c <= '9'; }))
    return false;
  const int y = (t[0] - '0') * 1000 + (t[1] - '0') * 100 + (t[2] - '0') * 10 + (t[3] - '0');
  const int m = (t[4] - '0') * 10 + (t[5] - '0');
  const int d = (t[6] - '0') * 10 + (t[7] - '0');
  if (y < 1800 || m < 1 || m > 12 || d < 1) return false;
  static constexpr int kDays[] = {31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
  const bool leap = (y % 4 == 0 && y % 100 != 0) || y % 400 == 0;
  return d <= (m == 2 && leap ? 29 : kDays[m - 1]);
}

bool valid_decimal(std::string_view t) {
  if (!t.empty() && t[0] == '-') t.remove_prefix(1);
  bool digit = false, dot = false;
  for (char c : t) {
    if (c >= '0' && c <= '9') digit = true;
    else if (c == '.' && !dot) dot = true;
    else return false;
  }
  return digit;
}

bool valid_place_of_service(std::string_view code) { return in(code, kPlaceOfService); }

}  // namespace cg::x12
