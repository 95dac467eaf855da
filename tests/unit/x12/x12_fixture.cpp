#include "x12_fixture.hpp"

#include <algorithm>

namespace cg::test {

std::string isa(const std::string& control, char rep, char comp) {
  auto pad = [](std::string s, std::size_t n) {
    s.resize(n, ' ');
    return s;
  };
  std::string out = "ISA*00*" + pad("", 10) + "*00*" + pad("", 10) + "*ZZ*" + pad("SUBMITTERID", 15) +
                    "*ZZ*" + pad("RECEIVERID", 15) + "*240115*1200*" + std::string(1, rep) +
                    "*00501*" + control + "*0*P*" + std::string(1, comp) + "~";
  return out;
}

std::string interchange(const std::vector<std::vector<std::string>>& bodies, const std::string& guide) {
  std::string out = isa() + "GS*HC*SUBMITTERID*RECEIVERID*20240115*1200*1*X*" + guide + "~";
  int st = 1;
  for (const auto& body : bodies) {
    char ctl[16];
    std::snprintf(ctl, sizeof ctl, "%04d", st++);
    out += "ST*837*" + std::string(ctl) + "*" + guide + "~";
    for (const auto& s : body) out += s + "~";
    out += "SE*" + std::to_string(body.size() + 2) + "*" + ctl + "~";
  }
  out += "GE*" + std::to_string(bodies.size()) + "*1~IEA*1*000000001~";
  return out;
}

// Positions (ST = 1): BHT 2, NM1*41 3, PER 4, NM1*40 5, HL*1 6, NM1*85 7, N3 8, N4 9, REF 10,
// HL*2 11, SBR 12, NM1*IL 13, DMG 14, NM1*PR 15, HL*3 16, PAT 17, NM1*QC 18, N3 19, N4 20,
// DMG 21, CLM 22, HI 23, LX 24, SV1 25, DTP 26, LX 27, SV1 28, DTP 29; SE 30.
std::vector<std::string> professional_body() {
  return {"BHT*0019*00*244579*20240115*1200*CH",
          "NM1*41*2*SUBMITTER*****46*TGJ23",
          "PER*IC*CONTACT*TE*3055552222",
          "NM1*40*2*RECEIVER*****46*66783JJT",
          "HL*1**20*1",
          "NM1*85*2*CLINIC*****XX*1234567893",
          "N3*123 MAIN ST",
          "N4*NASHVILLE*TN*372031234",
          "REF*EI*587654321",
          "HL*2*1*22*1",
          "SBR*P**GRP01******CI",
          "NM1*IL*1*SUBSCRIBER*TEST****MI*M123",
          "DMG*D8*19700101*M",
          "NM1*PR*2*ACME HEALTH*****PI*87726",
          "HL*3*2*23*0",
          "PAT*19",
          "NM1*QC*1*PATIENT*TEST",
          "N3*9 ELM ST",
          "N4*NASHVILLE*TN*37203",
          "DMG*D8*20100505*F",
          "CLM*PCN1*150***11:B:1*Y*A*Y*Y",
          "HI*ABK:M5450*ABF:M5416*ABF:G8929",
          "LX*1",
          "SV1*HC:99213:25*100*UN*1***1:2",
          "DTP*472*D8*20240110",
          "LX*2",
          "SV1*HC:97110*50*UN*2***3",
          "DTP*472*D8*20240111"};
}

// Positions: ... CLM 16, DTP*434 17, CL1 18, HI(ABK) 19, HI(ABJ) 20, HI(APR) 21, HI(ABN) 22,
// HI(ABF) 23, LX 24, SV2 25, DTP 26; SE 27.
std::vector<std::string> institutional_body() {
  return {"BHT*0019*00*244579*20240115*1200*CH",
          "NM1*41*2*SUBMITTER*****46*TGJ23",
          "PER*IC*CONTACT*TE*3055552222",
          "NM1*40*2*RECEIVER*****46*66783JJT",
          "HL*1**20*1",
          "NM1*85*2*HOSPITAL*****XX*1234567893",
          "N3*1 HOSPITAL WAY",
          "N4*NASHVILLE*TN*372031234",
          "REF*EI*587654321",
          "HL*2*1*22*0",
          "SBR*P*18*GRP01******CI",
          "NM1*IL*1*SUBSCRIBER*TEST****MI*M123",
          "DMG*D8*19500101*F",
          "NM1*PR*2*ACME HEALTH*****PI*87726",
          "CLM*INST1*2500***11:A:1**A*Y*Y",
          "DTP*434*RD8*20240101-20240105",
          "CL1*1*7*01",
          "HI*ABK:S32010A:::::::Y",
          "HI*ABJ:R1031",
          "HI*APR:R1031",
          "HI*ABN:W010XXA:::::::Y",
          "HI*ABF:M5450:::::::N*ABF:I10:::::::Y",
          "LX*1",
          "SV2*0450*HC:99284*2500*UN*1",
          "DTP*472*D8*20240101"};
}

// Positions: ... CLM 16, DTP*472 17, HI 18, LX 19, SV3 20, TOO 21; SE 22.
std::vector<std::string> dental_body() {
  return {"BHT*0019*00*244579*20240115*1200*CH",
          "NM1*41*2*SUBMITTER*****46*TGJ23",
          "PER*IC*CONTACT*TE*3055552222",
          "NM1*40*2*RECEIVER*****46*66783JJT",
          "HL*1**20*1",
          "NM1*85*2*DENTAL OFFICE*****XX*1234567893",
          "N3*1 TOOTH LANE",
          "N4*NASHVILLE*TN*372031234",
          "REF*EI*587654321",
          "HL*2*1*22*0",
          "SBR*P*18*GRP01******CI",
          "NM1*IL*1*SUBSCRIBER*TEST****MI*M123",
          "DMG*D8*19800101*M",
          "NM1*PR*2*ACME DENTAL*****PI*60054",
          "CLM*DEN1*200***11:B:1*Y*A*Y*Y",
          "DTP*472*D8*20240110",
          "HI*ABK:K0251*ABF:K029",
          "LX*1",
          "SV3*AD:D2391*200****1*****1:2",
          "TOO*JP*30*M:O"};
}

std::vector<std::string> dental_cob_body() {
  return {"BHT*0019*00*244580*20240115*1200*CH",
          "NM1*41*2*SUBMITTER*****46*TGJ23",
          "PER*IC*CONTACT*TE*3055552222",
          "NM1*40*2*RECEIVER*****46*66783JJT",
          "HL*1**20*1",
          "PRV*BI*PXC*1223G0001X",
          "NM1*85*2*DENTAL OFFICE*****XX*1234567893",
          "N3*1 TOOTH LANE",
          "N4*NASHVILLE*TN*372031234",
          "REF*EI*587654321",
          "PER*IC*OFFICE*TE*6155551212",
          "HL*2*1*22*1",
          "SBR*S********CI",
          "NM1*IL*1*SUBSCRIBER*JANE****MI*M124",
          "N3*2 MAIN ST",
          "N4*NASHVILLE*TN*37203",
          "DMG*D8*19800101*F",
          "NM1*PR*2*ACME DENTAL*****PI*60054",
          "HL*3*2*23*0",
          "PAT*19",
          "NM1*QC*1*PATIENT*TED",
          "N3*2 MAIN ST",
          "N4*NASHVILLE*TN*37203",
          "DMG*D8*20100505*M",
          "CLM*DEN2*450***11:B:1*Y*A*Y*Y",
          "DTP*452*D8*20230101",
          "DN1*24*12",
          "DN2*1*M****JP",
          "DN2*32*E****JP",
          "AMT*F5*50",
          "REF*G3*PRED123",
          "REF*D9*CH7788",
          "NTE*ADD*FOLLOW UP",
          "HI*ABK:K0251*ABF:K029",
          "NM1*82*1*DENTIST*DAN****XX*1234567893",
          "PRV*PE*PXC*1223G0001X",
          "NM1*77*2*DENTAL CLINIC*****XX*1234567893",
          "N3*3 SMILE RD",
          "N4*NASHVILLE*TN*372031234",
          "SBR*P*19*GRP01******CI",
          "CAS*PR*1*50",
          "AMT*D*300",
          "OI***Y***Y",
          "NM1*IL*1*OTHER*SUB****MI*X998",
          "NM1*PR*2*FIRST DENTAL*****PI*11111",
          "DTP*573*D8*20240201",
          "NM1*82*1",
          "REF*G2*PROV77",
          "LX*1",
          "SV3*AD:D2391*200****1*****1:2",
          "TOO*JP*30*M:O",
          "DTP*472*D8*20240110",
          "REF*6R*LINE1",
          "LX*2",
          "SV3*AD:D8080*250****1*****1",
          "TOO*JP*8",
          "DTP*472*D8*20240110",
          "DTP*441*D8*20200101",
          "NM1*82*1*DENTIST*DAN****XX*1234567893",
          "PRV*PE*PXC*1223G0001X",
          "SVD*11111*200*AD:D8080**1",
          "CAS*CO*45*50",
          "DTP*573*D8*20240201"};
}

std::string redelimit(std::string x12, char element, char component, char repetition, char segment) {
  for (char& c : x12) {
    if (c == '*') c = element;
    else if (c == ':') c = component;
    else if (c == '^') c = repetition;
    else if (c == '~') c = segment;
  }
  return x12;
}

Collected read_x12(std::string_view text, std::size_t chunk) {
  Collected out;
  transforms::X12ClaimReader reader(
      "test", transforms::InputLimits{},
      [&](rules::Claim&& c, rules::Findings&& f) {
        out.claims.push_back(std::move(c));
        out.claim_findings.push_back(std::move(f));
      },
      [&](rules::Finding&& f) { out.errors.push_back(std::move(f)); },
      [&](const x12::SyntaxError& e) { out.syntax.push_back(e); });
  if (chunk == 0) {
    reader.feed(text);
  } else {
    for (std::size_t i = 0; i < text.size(); i += chunk) reader.feed(text.substr(i, chunk));
  }
  reader.finish();
  out.interchanges = reader.interchanges();
  return out;
}

}  // namespace cg::test
