// The code systems translation writes and reads (../shared/docs/FHIR.md section 2; US Core,
// CARIN Blue Button and HL7 terminology where they name one; the X12 code list URIs for X12
// codes FHIR has no system for). One table, used by the FHIR writer and the FHIR reader, so the
// two directions cannot disagree.
#pragma once

#include "rulesets/core/claim.hpp"

#include <string_view>
#include <utility>

namespace cg::transforms::code_systems {

inline constexpr std::string_view kIcd10Cm = "http://hl7.org/fhir/sid/icd-10-cm";
inline constexpr std::string_view kIcd9Cm = "http://hl7.org/fhir/sid/icd-9-cm";
inline constexpr std::string_view kCpt = "http://www.ama-assn.org/go/cpt";
inline constexpr std::string_view kHcpcs = "http://www.cms.gov/Medicare/Coding/HCPCSReleaseCodeSets";
inline constexpr std::string_view kNpi = "http://hl7.org/fhir/sid/us-npi";
inline constexpr std::string_view kEin = "urn:oid:2.16.840.1.113883.4.4";
inline constexpr std::string_view kSsn = "http://hl7.org/fhir/sid/us-ssn";
inline constexpr std::string_view kV2IdentifierType = "http://terminology.hl7.org/CodeSystem/v2-0203";
inline constexpr std::string_view kC4bbIdentifierType = "http://hl7.org/fhir/us/carin-bb/CodeSystem/C4BBIdentifierType";
inline constexpr std::string_view kC4bbCareTeamRole = "http://hl7.org/fhir/us/carin-bb/CodeSystem/C4BBClaimCareTeamRole";
inline constexpr std::string_view kC4bbSupportingInfoType = "http://hl7.org/fhir/us/carin-bb/CodeSystem/C4BBSupportingInfoType";
inline constexpr std::string_view kC4bbDiagnosisType = "http://hl7.org/fhir/us/carin-bb/CodeSystem/C4BBClaimDiagnosisType";
inline constexpr std::string_view kDiagnosisType = "http://terminology.hl7.org/CodeSystem/ex-diagnosistype";
inline constexpr std::string_view kDiagnosisOnAdmission = "http://terminology.hl7.org/CodeSystem/ex-diagnosis-on-admission";
inline constexpr std::string_view kCmsPoa = "https://www.cms.gov/Medicare/Medicare-Fee-for-Service-Payment/HospitalAcqCond/Coding";
inline constexpr std::string_view kClaimType = "http://terminology.hl7.org/CodeSystem/claim-type";
inline constexpr std::string_view kRelatedClaimRelationship = "http://terminology.hl7.org/CodeSystem/ex-relatedclaimrelationship";
inline constexpr std::string_view kSubscriberRelationship = "http://terminology.hl7.org/CodeSystem/subscriber-relationship";
inline constexpr std::string_view kCoverageClass = "http://terminology.hl7.org/CodeSystem/coverage-class";
inline constexpr std::string_view kDataAbsentReason = "http://hl7.org/fhir/StructureDefinition/data-absent-reason";
inline constexpr std::string_view kPlaceOfService = "https://www.cms.gov/Medicare/Coding/place-of-service-codes/Place_of_Service_Code_Set";
inline constexpr std::string_view kNuccTaxonomy = "http://nucc.org/provider-taxonomy";
inline constexpr std::string_view kNubcRevenue = "https://www.nubc.org/CodeSystem/RevenueCodes";
inline constexpr std::string_view kNubcTypeOfBill = "https://www.nubc.org/CodeSystem/TypeOfBill";
inline constexpr std::string_view kNubcAdmissionType = "https://www.nubc.org/CodeSystem/PriorityTypeOfAdmitOrVisit";
inline constexpr std::string_view kNubcPointOfOrigin = "https://www.nubc.org/CodeSystem/PointOfOrigin";
inline constexpr std::string_view kNubcDischargeStatus = "https://www.nubc.org/CodeSystem/PatDischargeStatus";
inline constexpr std::string_view kNubcOccurrence = "https://www.nubc.org/CodeSystem/OccurrenceCodes";
inline constexpr std::string_view kNubcOccurrenceSpan = "https://www.nubc.org/CodeSystem/OccurrenceSpanCodes";
inline constexpr std::string_view kNubcValue = "https://www.nubc.org/CodeSystem/ValueCodes";
inline constexpr std::string_view kNubcCondition = "https://www.nubc.org/CodeSystem/ConditionCodes";
inline constexpr std::string_view kAdaToothSystem = "http://terminology.hl7.org/CodeSystem/ADAUniversalToothDesignationSystem";
inline constexpr std::string_view kToothSurface = "http://terminology.hl7.org/CodeSystem/ex-surface";
// X12 code lists, by data element number.
inline constexpr std::string_view kX12IdQualifier = "http://codesystem.x12.org/005010/66";    // NM108
inline constexpr std::string_view kX12RefQualifier = "http://codesystem.x12.org/005010/128";  // REF01
inline constexpr std::string_view kX12CodeListQualifier = "http://codesystem.x12.org/005010/1270";  // HI0x-1
inline constexpr std::string_view kX12Relationship = "http://codesystem.x12.org/005010/1069";  // SBR02 / PAT01
inline constexpr std::string_view kX12FilingIndicator = "http://codesystem.x12.org/005010/1032";  // SBR09
inline constexpr std::string_view kX12UnitBasis = "http://codesystem.x12.org/005010/355";  // SV103 / SV204

// FHIR system of a diagnosis code system; "" when FHIR has none we write.
[[nodiscard]] std::string_view diagnosis_system(rules::CodeSystem s);
// Claim.diagnosis.type coding for a role; code "" for DxRole::Other (no type written).
[[nodiscard]] std::pair<std::string_view, std::string_view> diagnosis_type(rules::DxRole r);
// The X12 product/service id qualifier of a line's procedure system (rules::procedure_system of
// its qualifier or FHIR URI): HC for CPT and HCPCS, AD for CDT; "" when an 837 line cannot hold it.
[[nodiscard]] std::string_view line_procedure_qualifier(const rules::Procedure& p);
// The FHIR system of a line's procedure; "" when none.
[[nodiscard]] std::string_view line_procedure_uri(const rules::Procedure& p);
inline constexpr std::string_view kProcedureType = "http://terminology.hl7.org/CodeSystem/ex-procedure-type";
[[nodiscard]] std::string_view modifier_system(std::string_view modifier);
// NM108 / REF01 qualifier -> identifier.system, identifier.type code (and its system); "" none.
[[nodiscard]] std::string_view identifier_system_for(std::string_view qualifier);
[[nodiscard]] std::string_view identifier_type_for(std::string_view qualifier);
[[nodiscard]] std::string_view identifier_type_system_for(std::string_view qualifier);
// SBR02 / PAT01 individual relationship code -> subscriber-relationship; "" when no equivalent.
[[nodiscard]] std::string_view subscriber_relationship(std::string_view x12_code);
// HI qualifier BH / BE / BG / BI -> NUBC code system.
[[nodiscard]] std::string_view nubc_system_for(std::string_view qualifier);

}  // namespace cg::transforms::code_systems
