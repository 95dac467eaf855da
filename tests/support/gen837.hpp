// Deterministic generator of realistic 837P / 837I / 837D batches for benchmarks and large tests:
// the same seed gives the same bytes. Codes come from small lists of real billable ICD-10-CM,
// CPT/HCPCS and CDT codes; names, ids and amounts are synthetic (no real person).
#pragma once

#include <cstdint>
#include <cstdio>
#include <string>

namespace cg::test {

class Gen837 {
 public:
  enum class Kind { Professional, Institutional, Dental };

  explicit Gen837(Kind kind, std::uint64_t seed = 42) : kind_(kind), state_(seed * 2654435761u + 1) {}

  // Interchange header, group header and ST; claims_per_st claims per transaction set.
  void begin(std::string& out, int claims_per_st = 5000) {
    per_st_ = claims_per_st;
    out += "ISA*00*          *00*          *ZZ*CLAIMGATEGEN   *ZZ*PAYERRECEIVER  *240115*1200*^*00501*000000001*0*P*:~\n";
    out += "GS*HC*CLAIMGATEGEN*PAYERRECEIVER*20240115*1200*1*X*";
    out += guide();
    out += "~\n";
    open_st(out);
  }

  // Appends one claim (with its billing provider and subscriber HL); opens a new ST when the
  // current one is full.
  void claim(std::string& out) {
    if (in_st_ == per_st_) {
      close_st(out);
      open_st(out);
    }
    ++in_st_;
    ++claims_;
    const bool inst = kind_ == Kind::Institutional;
    const bool dental = kind_ == Kind::Dental;
    seg(out, "HL*" + std::to_string(hl_ + 1) + "**20*1");
    const int provider_hl = ++hl_;
    seg(out, "PRV*BI*PXC*207Q00000X");
    seg(out, "NM1*85*2*GENERATED CLINIC " + std::to_string(pick(900)) + "*****XX*1234567893");
    seg(out, "N3*" + std::to_string(100 + pick(9000)) + " MAIN STREET");
    seg(out, "N4*NASHVILLE*TN*372031234");
    seg(out, "REF*EI*621234567");
    seg(out, "HL*" + std::to_string(hl_ + 1) + "*" + std::to_string(provider_hl) + "*22*0");
    ++hl_;
    seg(out, "SBR*P*18*GRP" + std::to_string(10000 + pick(89999)) + "******CI");
    seg(out, "NM1*IL*1*TESTPATIENT*SYNTH" + std::to_string(pick(1000)) + "****MI*W" + std::to_string(100000000 + claims_));
    seg(out, "N3*" + std::to_string(1 + pick(9999)) + " OAK AVENUE");
    seg(out, "N4*NASHVILLE*TN*372111186");
    seg(out, "DMG*D8*19" + std::to_string(40 + pick(60)) + "0" + std::to_string(1 + pick(9)) + "1" + std::to_string(pick(9)) + "*" + (pick(2) ? "M" : "F"));
    seg(out, std::string("NM1*PR*2*GENERATED PAYER*****PI*") + (pick(2) ? "87726" : "00590"));
    const int lines = 1 + pick(4);
    const int dx = 1 + pick(inst ? 8 : dental ? 4 : 6);  // 837D: up to four diagnoses
    long total = 0;
    std::string body;
    int lx = 0;
    for (int l = 0; l < lines; ++l) {
      const long charge = 50 + pick(400);
      total += charge;
      body += "LX*" + std::to_string(++lx) + "~\n";
      if (dental) {
        // A CDT procedure, a pointer, and the tooth (ADA universal 1-32) with its surfaces.
        std::string ptr = "1";
        for (int p = 2; p <= dx; ++p)
          if (pick(2)) ptr += ":" + std::to_string(p);
        body += "SV3*AD:" + std::string(kCdt[pick(kCdtCount)]) + "*" + std::to_string(charge) + "****1*****" + ptr +
                "~\n";
        std::string surfaces;
        for (const char* sf : {"M", "O", "D", "B", "L"})
          if (pick(3) == 0) surfaces += (surfaces.empty() ? "*" : ":") + std::string(sf);
        body += "TOO*JP*" + std::to_string(1 + pick(32)) + surfaces + "~\n";
      } else if (inst) {
        body += "SV2*0" + std::to_string(300 + pick(600)) + "*HC:" + kCpt[pick(kCptCount)] + "*" + std::to_string(charge) + "*UN*1~\n";
      } else {
        std::string ptr = "1";
        for (int p = 2; p <= dx && p <= 4; ++p)
          if (pick(2)) ptr += ":" + std::to_string(p);
        body += "SV1*HC:" + std::string(kCpt[pick(kCptCount)]) + "*" + std::to_string(charge) + "*UN*1***" + ptr + "~\n";
      }
      body += "DTP*472*D8*202401" + two(10 + pick(18)) + "~\n";
    }
    seg(out, "CLM*GEN" + std::to_string(claims_) + "*" + std::to_string(total) + "***" + (inst ? "11:A:1**A*Y*Y" : "11:B:1*Y*A*Y*Y"));  // CLM06 is not used in 837I
    if (inst) seg(out, "DTP*434*RD8*20240110-20240127");
    if (inst) seg(out, "CL1*1*7*01");  // admission type, source, patient status: required on 837I
    // 837P: one HI with the principal and the others; 837I: the principal diagnosis HI holds
    // one code, the other diagnoses follow in HI*ABF (X223A2).
    std::string hi = "HI";
    const int first_dental_dx = dental ? pick(kDentalDxCount) : 0;
    for (int d = 0; d < dx; ++d) {
      if (inst && d == 1) {
        seg(out, hi);
        hi = "HI";
      }
      hi += d == 0 ? "*ABK:" : "*ABF:";
      hi += dental ? kDentalDx[(first_dental_dx + d) % kDentalDxCount] : kDx[pick(kDxCount)];  // 837D: distinct
      if (inst) hi += ":::::::Y";
    }
    seg(out, hi);
    out += body;
    st_segments_ += (dental ? 4 : 3) * lines;  // LX, SV1/SV2/SV3, [TOO,] DTP per line
  }

  void end(std::string& out) {
    close_st(out);
    out += "GE*" + std::to_string(st_count_) + "*1~\nIEA*1*000000001~\n";
  }

  [[nodiscard]] long claims() const { return claims_; }

 private:
  static constexpr const char* kDx[] = {"M5450", "M5451", "M5459", "M5416", "M5126", "G8929", "M961",  "I10",
                                        "E119",  "J449",  "Z0000", "R051",  "F329",  "N390",  "M4301", "M51A1",
                                        "S32010A", "K219", "E785", "Z23"};
  static constexpr int kDxCount = sizeof(kDx) / sizeof(kDx[0]);
  static constexpr const char* kCpt[] = {"99213", "99214", "99215", "97110", "97014", "72148", "72158",
                                         "62323", "64483", "63030", "71046", "90686", "36415", "80053"};
  static constexpr int kCptCount = sizeof(kCpt) / sizeof(kCpt[0]);
  static constexpr const char* kCdt[] = {"D0120", "D0150", "D1110", "D2391", "D2392", "D2740", "D3330", "D7140"};
  static constexpr int kCdtCount = sizeof(kCdt) / sizeof(kCdt[0]);
  static constexpr const char* kDentalDx[] = {"K0251", "K0252", "K0262", "K029", "K0401"};
  static constexpr int kDentalDxCount = sizeof(kDentalDx) / sizeof(kDentalDx[0]);

  const char* guide() const {
    return kind_ == Kind::Institutional ? "005010X223A2" : kind_ == Kind::Dental ? "005010X224A2" : "005010X222A1";
  }

  int pick(int n) {
    state_ ^= state_ << 13;
    state_ ^= state_ >> 7;
    state_ ^= state_ << 17;
    return static_cast<int>(state_ % static_cast<std::uint64_t>(n));
  }

  static std::string two(int v) { return (v < 10 ? "0" : "") + std::to_string(v); }

  void seg(std::string& out, const std::string& s) {
    out += s;
    out += "~\n";
    ++st_segments_;
  }

  void open_st(std::string& out) {
    ++st_count_;
    char ctl[16];
    std::snprintf(ctl, sizeof ctl, "%04d", st_count_);
    st_ctl_ = ctl;
    st_segments_ = 0;
    in_st_ = 0;
    hl_ = 0;
    seg(out, "ST*837*" + st_ctl_ + "*" + guide());
    seg(out, "BHT*0019*00*GEN" + st_ctl_ + "*20240115*1200*CH");
    seg(out, "NM1*41*2*CLAIMGATE GENERATOR*****46*GEN001");
    seg(out, "PER*IC*EDI DESK*TE*6155551212");
    seg(out, "NM1*40*2*PAYER RECEIVER*****46*RCV001");
  }

  void close_st(std::string& out) {
    ++st_segments_;
    out += "SE*" + std::to_string(st_segments_) + "*" + st_ctl_ + "~\n";
  }

  Kind kind_;
  std::uint64_t state_;
  int per_st_ = 5000;
  int in_st_ = 0;
  int st_count_ = 0;
  int hl_ = 0;
  long claims_ = 0;
  long st_segments_ = 0;
  std::string st_ctl_;
};

}  // namespace cg::test
