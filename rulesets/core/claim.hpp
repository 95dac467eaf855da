// The canonical Claim model: what X12 837P/I/D and FHIR R4 Claim both become, and all the
// validation rules ever look at. It owns its strings (a claim outlives the read buffer it came
// from when input is streamed), knows nothing of X12 or JSON, and carries a SourceRef on every
// value a rule may point at.
//
// Thread safety: plain values; a Claim is built by one thread and then only read.
#pragma once

#include "rulesets/core/date.hpp"
#include "rulesets/core/source_ref.hpp"

#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <vector>

namespace cg::rules {

enum class Format : std::uint8_t { X12_837P, X12_837I, X12_837D, Fhir };

// What kind of claim it is, whatever the syntax: 837P and FHIR "professional" are both
// Professional. Rules that differ by claim kind (pointers exist on P and D only) use this.
enum class ClaimKind : std::uint8_t { Professional, Institutional, Dental, Other };

enum class CodeSystem : std::uint8_t { Icd10Cm, Icd9Cm, Icd10Who, Other, None };

enum class DxRole : std::uint8_t { Principal, Other, Admitting, ReasonForVisit, ExternalCause };

// Procedure code systems. Hcpcs is HCPCS Level II (a letter and four digits); Cpt is HCPCS
// Level I (five digits, or four digits and F/T/U). X12 sends both with qualifier HC: the code's
// shape tells them apart (procedure_system below).
enum class ProcedureSystem : std::uint8_t { Icd10Pcs, Icd9Cm, Hcpcs, Cpt, Cdt, Other, None };

enum class ProcedureRole : std::uint8_t { Principal, Other };

// Fixed-point amount in 1/10000 of the currency unit: exact for every X12 R value the guides
// allow (two decimals) and for FHIR decimals up to four places, so balancing compares exactly.
struct Amount {
  std::int64_t units = 0;  // value * 10000
  bool present = false;
  static constexpr std::int64_t kScale = 10000;
  [[nodiscard]] std::string to_string() const;  // "125.5" style, no trailing zeros
  friend bool operator==(const Amount&, const Amount&) = default;
};

// Parses an X12 R / FHIR decimal ("125", "-3.50", ".5"); nullopt when not a number or more than
// four decimals or out of range.
[[nodiscard]] std::optional<Amount> parse_amount(std::string_view text);

struct Diagnosis {
  int position = 0;           // 1-based, as pointers see it (HI order / diagnosis.sequence)
  std::string code_as_sent;   // "M54.50" or "M5450" exactly as received
  std::string code;           // normalized: no dot, upper case
  CodeSystem system = CodeSystem::None;
  std::string system_as_sent;  // HI qualifier (ABK, ABF, BK ...) or the FHIR system URI
  DxRole role = DxRole::Other;
  char poa = 0;               // present-on-admission flag (Y N U W 1), 0 when absent
  std::string reference;      // FHIR diagnosisReference that could not be resolved to a code
  SourceRef src;
};

struct DiagnosisPointer {
  std::string raw;  // exactly as sent ("1", "A", "0", "13")
  int value = -1;   // the number when raw is a plain unsigned decimal that fits, else -1
  SourceRef src;
};

// A service line's procedure (837P SV101, 837I SV202, 837D SV301, FHIR item.productOrService).
struct Procedure {
  std::string system;  // X12 qualifier (HC, AD, ER, IV, WK, ...) or the FHIR system URI
  std::string code;
  std::vector<std::string> modifiers;
  std::vector<SourceRef> modifier_src;  // parallel to modifiers: SV101-3.. / item.modifier[k]
  SourceRef src;
};

// A claim-level procedure: 837I HI*BBR (principal) / HI*BBQ (other) ICD-10-PCS, HI*BR / BQ
// ICD-9-CM; FHIR Claim.procedure.
struct ClaimProcedure {
  int position = 0;            // 1-based: order of the HI composites / Claim.procedure.sequence
  std::string code_as_sent;
  std::string code;            // normalized: no dot, upper case
  ProcedureSystem system = ProcedureSystem::None;
  std::string system_as_sent;  // HI qualifier (BBR, BBQ, BR, BQ) or the FHIR system URI
  ProcedureRole role = ProcedureRole::Other;
  std::optional<Date> date;    // HI0n-4 (HI0n-3 D8) / Claim.procedure.date; nullopt when absent
  SourceRef src;               // HI0n-2 / Claim.procedure[n].procedureCodeableConcept.coding[k].code
  SourceRef date_src;          // HI0n-4 / Claim.procedure[n].date
};

// A tooth of an 837D line (loop 2400 TOO) and its surfaces.
struct Tooth {
  std::string code;                   // TOO02 (TOO01 JP: ADA universal numbering)
  std::vector<std::string> surfaces;  // TOO03-1 .. TOO03-5 (M O I D B V L F)
};

struct ServiceLine {
  int number = 0;  // LX01 / item.sequence
  Procedure procedure;
  std::string revenue_code;  // 837I SV201 / item.revenue
  Amount charge;             // SV102 / SV203 / SV302 / item.net
  std::optional<double> units;
  std::string unit_basis;        // SV103 / SV204 (UN units, MJ minutes, DA days); empty for 837D
  std::string place_of_service;  // SV105 / SV303 (only when the line names its own)
  std::vector<Tooth> teeth;      // 837D TOO
  std::optional<Date> service_from;
  std::optional<Date> service_to;
  std::vector<DiagnosisPointer> pointers;  // SV107 / SV311 / diagnosisSequence, as sent
  bool pointers_present = false;           // the element/array was present at all
  SourceRef src;                           // LX / item[n]
  SourceRef date_src;                      // DTP*472 / servicedDate
};

// Where an X12 claim sits in its interchange, for acknowledgments and for re-enveloping.
struct X12Context {
  std::string isa13;   // interchange control number
  std::string gs06;    // group control number
  std::string st02;    // transaction set control number
  std::uint32_t set_index = 0;  // ordinal of the transaction set in the input (unique)
  std::string guide;   // GS08 / ST03 implementation guide id
  std::string sender_qualifier, receiver_qualifier;  // ISA05 / ISA07, trimmed
  std::string sender_id, receiver_id;                // ISA06 / ISA08, trimmed
  std::uint64_t claim_begin = 0;  // byte offset of the CLM segment
  std::uint64_t claim_end = 0;    // byte offset just past the claim's last segment terminator
  std::string isa09, isa10;       // interchange date and time (for the TA1 / 277CA)
  std::string isa15;              // usage indicator: P production, T test
  std::string gs02, gs03;         // application sender / receiver codes
  // Captured only when the reader is asked to (re-enveloping, 277CA): the segments exactly as
  // received, each followed by the segment terminator; HL01 as received for each level.
  std::string raw_header;      // BHT through loop 1000B
  std::string raw_provider;    // loop 2000A: HL*..*20 up to the next HL
  std::string raw_subscriber;  // loop 2000B: HL*..*22 up to the next HL or the CLM
  std::string raw_patient;     // loop 2000C (empty when the patient is the subscriber)
  std::string raw_claim;       // CLM through the claim's last segment
  std::string provider_hl, subscriber_hl, patient_hl;
  char element_sep = '*', component_sep = ':', repetition_sep = '^', segment_term = '~';
  // Names and ids the 277CA echoes (PHI: never logged).
  std::string submitter_name, submitter_id, receiver_name, receiver_nm1_id, billing_name;
  std::string patient_last, patient_first, member_id;
  std::string submitter_contact, submitter_phone;  // 1000A PER02, PER04 (PER03 TE)
  // Segments of the claim's loops the canonical model does not carry ("2300 NTE", "2320 SBR"),
  // each once: translation reports them instead of dropping them silently.
  std::vector<std::string> unmapped;
};

// Where a FHIR claim came from and the Claim elements later FHIR answers (ClaimResponse,
// OperationOutcome, batch-response Bundle) need. Empty for X12. Claim-level FHIRPaths in
// SourceRef are relative to the Claim resource ("Claim.item[0]"); prefix them with
// "Bundle.entry[entry_index].resource." when the Claim came in a Bundle.
struct FhirContext {
  std::string resource_id;        // Claim.id
  std::string identifier;         // Claim.identifier[0].value
  std::string full_url;           // Bundle.entry.fullUrl
  int entry_index = -1;           // Bundle.entry index (the outermost Bundle), -1 when none
  int inner_entry_index = -1;     // entry index inside a Bundle nested in a batch entry, -1 none
  std::string bundle_type;        // batch, transaction, collection; empty when not in a Bundle
  std::string bundle_id;          // Bundle.id
  std::uint32_t ndjson_line = 0;  // 1-based line of NDJSON input, 0 when not NDJSON
  std::string status;             // Claim.status (active, cancelled, draft, entered-in-error)
  std::string use;                // Claim.use (claim, preauthorization, predetermination)
  std::string type_code;          // Claim.type coding code as sent (professional, oral ...)
  std::string priority;           // Claim.priority coding code (stat, normal, deferred)
  std::string created;            // Claim.created as sent (dateTime)
  std::string patient_reference;  // Claim.patient.reference
  std::string provider_reference; // Claim.provider.reference
  std::string insurer_reference;  // Claim.insurer.reference
  std::string coverage_reference; // focal Claim.insurance.coverage.reference
  int focal_insurance = -1;       // index of the insurance used (focal=true, else the first)
  int focal_count = 0;            // how many insurance entries have focal=true
  std::string raw_json;           // the Claim resource as JSON, when the reader captures it
};

// A person or organization as the 837 names it (NM1 with its N3, N4, REF, PRV) and FHIR holds it
// (Patient, Practitioner, Organization, Location). Used for translation; rules look only at the
// Claim fields above it (billing_npi, payer_id ...).
struct Party {
  bool person = false;                // NM102 1 (person) / 2 (non-person entity)
  std::string last_or_org;            // NM103: last name or organization name
  std::string first, middle, suffix;  // NM104, NM105, NM107
  std::string id_qualifier;           // NM108: XX (NPI), MI (member id), PI (payer id) ...
  std::string id;                     // NM109
  std::string tax_qualifier;          // REF01 EI (employer id) or SY (social security number)
  std::string tax_id;                 // REF02
  std::string taxonomy;               // PRV03 (provider taxonomy code)
  std::string address1, address2;     // N301, N302
  std::string city, state, zip, country;  // N401 .. N404
  std::optional<Date> birth_date;     // DMG02 (subscriber, patient)
  char sex = 0;                       // DMG03 M F U
  [[nodiscard]] bool empty() const {
    return last_or_org.empty() && first.empty() && id.empty() && tax_id.empty() && address1.empty();
  }
  friend bool operator==(const Party&, const Party&) = default;
};

// A party as a claim holds it: shared, read-only, by every claim that names it. The X12 reader
// builds the billing provider once per 2000A HL, the subscriber and payer once per 2000B and the
// patient once per 2000C, and each claim under the HL references them (a claim would otherwise
// copy eight parties, a few KB of strings, and pay for them again on every move). Absent reads
// as an empty Party. edit() gives the claim a party of its own to write (copying it first when
// other claims share it), so a writer never changes what another claim sees.
//
// Thread safety: claims that share a party may be read and destroyed on different threads (the
// count is atomic); edit() only on the thread that owns the claim.
class PartyRef {
 public:
  PartyRef() = default;
  PartyRef(Party p) : p_(std::make_shared<Party>(std::move(p))) {}  // NOLINT: a value reads as one
  [[nodiscard]] const Party& operator*() const { return p_ ? *p_ : none(); }
  [[nodiscard]] const Party* operator->() const { return &**this; }
  [[nodiscard]] bool empty() const { return !p_ || p_->empty(); }
  // The party to write: this claim's own (a fresh one when absent or shared).
  Party& edit() {
    if (!p_) p_ = std::make_shared<Party>();
    else if (p_.use_count() != 1) p_ = std::make_shared<Party>(*p_);
    return *p_;
  }
  void reset() { p_.reset(); }
  // Same values (not the same object).
  friend bool operator==(const PartyRef& a, const PartyRef& b) { return *a == *b; }

 private:
  static const Party& none();
  std::shared_ptr<Party> p_;
};

// A UB-04 code of an 837I claim (HI BH occurrence, BE value, BG condition, BI occurrence span).
struct InstitutionalCode {
  std::string qualifier;  // BH / BE / BG / BI (or the BH ABH ... first-of-repeat qualifiers)
  std::string code;
  std::optional<Date> from, to;  // BH, BI (D8 / RD8)
  Amount amount;                 // BE
  friend bool operator==(const InstitutionalCode&, const InstitutionalCode&) = default;
};

// What translation needs beyond what rules look at: the parties (shared: PartyRef), the claim-level
// codes of the 837 CLM / SBR / CL1 / REF / DTP segments. Filled by the X12 and FHIR readers, written
// by transforms/claim_fhir and transforms/claim_x12 (docs/convert.md has the mapping).
struct ClaimParties {
  PartyRef billing;      // 2010AA / Claim.provider
  PartyRef rendering;    // 2310B (P, D), 2310D (I) / careTeam role performing
  PartyRef attending;    // 837I 2310A / careTeam role attending
  PartyRef referring;    // 2310A (P, D), 2310F (I) / careTeam role referring
  PartyRef facility;     // service facility 2310C (P, D), 2310E (I) / Claim.facility
  PartyRef subscriber;   // 2010BA / Coverage.subscriber
  PartyRef patient;      // 2010CA (empty when the patient is the subscriber) / Patient
  PartyRef payer;        // 2010BB / Claim.insurer, Coverage.payor
  friend bool operator==(const ClaimParties&, const ClaimParties&) = default;
};

struct ClaimDetails {
  std::string payer_responsibility;  // SBR01: P primary, S secondary, T tertiary ...
  std::string relationship;          // SBR02 / PAT01 individual relationship code (18 self)
  std::string group_number;          // SBR03
  std::string filing_indicator;      // SBR09 claim filing indicator (CI, MB, MC ...)
  std::string provider_signature;    // CLM06 Y/N
  std::string assignment;            // CLM07 A/B/C (plan participation)
  std::string benefits_assignment;   // CLM08 Y/N/W
  std::string release_of_info;       // CLM09 I/Y
  std::optional<Date> created;       // BHT04: when the 837 was created / Claim.created
  std::string created_time;          // BHT05 (HHMM[SS[D[D]]]) as sent / the x12-claim extension 'BHT05'
  std::string original_reference;    // 2300 REF*F8 payer claim control number / Claim.related
  std::string prior_authorization;   // 2300 REF*G1 / insurance.preAuthRef
  std::optional<Date> admission_date;  // 837I DTP*435 / supportingInfo admissionperiod
  std::string admission_type;        // 837I CL101
  std::string admission_source;      // 837I CL102
  std::string patient_status;        // 837I CL103
  std::vector<InstitutionalCode> codes;  // 837I occurrence, occurrence span, value, condition
  friend bool operator==(const ClaimDetails&, const ClaimDetails&) = default;
};

struct Claim {
  std::string id;  // CLM01 / Claim.identifier[0].value or Claim.id
  Format format = Format::X12_837P;
  ClaimKind kind = ClaimKind::Professional;
  std::string payer_id;     // 2010BB NM109 / Coverage.payor / insurer identifier
  std::string billing_npi;  // 2010AA NM109 (XX) / provider identifier
  std::optional<Date> birth_date;
  char sex = 0;  // 'M', 'F', 'U' or 0 when unknown
  std::optional<Date> date_from;  // statement from / earliest service date / billablePeriod.start
  std::optional<Date> date_to;    // statement through / latest service date / billablePeriod.end
  std::string frequency_code;     // CLM05-3
  std::string facility_code;      // CLM05-1 (place of service or type of bill facility)
  Amount total;                   // CLM02 / Claim.total
  std::vector<Diagnosis> diagnoses;
  std::vector<ServiceLine> lines;
  std::vector<ClaimProcedure> procedures;  // 837I HI BBR/BBQ (BR/BQ) / Claim.procedure
  SourceRef src;       // CLM / Claim
  SourceRef total_src; // CLM02 / Claim.total
  SourceRef billing_npi_src;  // 2010AA NM109 / the provider identifier
  SourceRef birth_date_src;   // 2010BA/2010CA DMG02 / Patient.birthDate
  X12Context x12;      // empty for FHIR
  std::string source_name;  // file name or request id the claim came from (for reports)
  FhirContext fhir;         // empty for X12
  ClaimParties parties;     // for translation (see ClaimParties)
  ClaimDetails details;

  // The date that decides the code set for a diagnosis nobody points at: the through /
  // discharge date, else the from date, else nullopt.
  [[nodiscard]] std::optional<Date> claim_date() const {
    return date_to ? date_to : date_from;
  }
};

[[nodiscard]] std::string_view to_string(Format f);
[[nodiscard]] std::string_view to_string(ClaimKind k);
[[nodiscard]] std::string_view to_string(CodeSystem s);
[[nodiscard]] std::string_view to_string(DxRole r);
[[nodiscard]] std::string_view to_string(ProcedureSystem s);
[[nodiscard]] std::string_view to_string(ProcedureRole r);

// The code system of a service line's procedure from its X12 qualifier or FHIR system URI and,
// for X12 HC (HCPCS Level I or II), the code's first character: a digit is CPT.
[[nodiscard]] ProcedureSystem procedure_system(std::string_view system_as_sent, std::string_view code);
// The FHIR system URI of a procedure code system ("" for Other / None).
[[nodiscard]] std::string_view fhir_system_uri(ProcedureSystem s);

// Normalizes a diagnosis code as rules compare it: dots and surrounding blanks dropped,
// upper case.
[[nodiscard]] std::string normalize_code(std::string_view code);

}  // namespace cg::rules
