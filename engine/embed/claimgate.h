/* claimgate.h - the C ABI of libclaimgate: claimgate inside another program (an interface
 * engine, a Java or Python service) without a network hop. docs/plugins.md is the reference.
 *
 * Contract
 * - Opaque handles; no C++ types or exceptions cross this boundary. Text is UTF-8 in and out.
 * - Input buffers belong to the caller and are only read during the call.
 * - Results belong to the library: every pointer a cg_result_* accessor returns stays valid
 *   until cg_result_free(result); strings from cg_code_lookup until cg_string_free().
 * - Every function that can fail returns a status: CG_OK (0) or a CG_E_* code. The detail
 *   text of a failure is per handle, never a global: cg_engine_last_error(engine) for calls on
 *   an engine (per calling thread), cg_engine_last_error(NULL) for the calling thread's last
 *   failed cg_engine_new, cg_stream_last_error(stream) for a stream.
 *
 * Threads
 * - A cg_engine is immutable once created: any number of threads may call cg_validate,
 *   cg_stream_begin and cg_code_lookup on one engine at the same time (an interface engine's
 *   channels in parallel). Results are independent of each other and of the engine; a result
 *   may be read from any thread, one cg_result_free per result.
 * - A cg_stream belongs to one thread at a time. cg_engine_free only once no call on the engine
 *   and no stream begun on it is in progress.
 *
 * Versions
 * - CG_ABI_VERSION is the major version of this ABI and the SONAME (libclaimgate.so.1). Within
 *   one major version functions are only added, never removed or changed; enum values and
 *   option keys are only added. A program built against major N runs with any later library
 *   of major N: check cg_abi_version() == CG_ABI_VERSION at start-up.
 * - cg_version() is the release of claimgate ("0.1.0"), for logs.
 */
#ifndef CLAIMGATE_H
#define CLAIMGATE_H

#include <stddef.h>

#ifdef __cplusplus
extern "C" {
#endif

#define CG_ABI_VERSION 1

/* Status codes. */
#define CG_OK 0
#define CG_E_ARGUMENT 1 /* a NULL pointer, a bad options document, a bad date */
#define CG_E_CONFIG 2   /* the engine configuration is invalid (unknown key, bad pack ...) */
#define CG_E_CODESET 3  /* the ICD-10-CM index cannot be loaded */
#define CG_E_STATE 4    /* a stream used after cg_stream_finish, or stopped by its callback */
#define CG_E_INTERNAL 5 /* out of memory or a bug; the detail says which */

typedef struct cg_engine cg_engine;
typedef struct cg_result cg_result;
typedef struct cg_stream cg_stream;

/* The claimgate release ("0.1.0") and the ABI major version of the loaded library. */
const char* cg_version(void);
int cg_abi_version(void);

/* An engine: the code set, rule packs and identity of a configuration document with the keys
 * and errors of `claimgate serve --config` (deploy/claimgate.sample.json): "code_set",
 * "rules" {default, by_payer, by_sender, packs_dir}, "identity"; the server-only keys are
 * accepted and unused. NULL or "{}" is the default: the bundled code set and packs, found by
 * $CLAIMGATE_CODESET / $CLAIMGATE_PACKS, else beside the library, else under the install prefix
 * (<libdir>/../share/claimgate/); a program linking the static library names them. ISA13
 * control numbers of the interchanges written are durable under <data_dir>/control-numbers
 * when the configuration names "data_dir" (unique per sender identity across restarts, as the
 * server's), else counted per engine from 1.
 * On success *out is a new engine; on failure *out is NULL and cg_engine_last_error(NULL)
 * says why, e.g. "rules.default: unknown pack 'x'". */
int cg_engine_new(const char* config_json, cg_engine** out);
void cg_engine_free(cg_engine* engine);
/* The detail of the calling thread's last failed call on engine (NULL: of cg_engine_new), or
 * "" when there was none. Valid until that thread's next call on the same engine. */
const char* cg_engine_last_error(const cg_engine* engine);

/* Validates one input: X12 837 (P/I/D) or FHIR R4 (Claim, Bundle, NDJSON), recognized by
 * content as `claimgate validate` does. options_json (NULL = "{}"), every key optional:
 *   "today":          "YYYY-MM-DD", the day the claims are received (default: today, local)
 *   "sender":         the trading partner, selects rules.by_sender
 *   "source":         the name claims carry in the report (default "<input>")
 *   "answers":        true (default): also build the answers below; false: the report only
 *   "fhir_operation": "batch" (default) | "validate" | "submit" | "create": which FHIR answer
 *   "control_number": ISA13 of the first X12 interchange written, +1 for each next one (the
 *                     caller keeps track; default: the engine's control numbers)
 * A key with the value null takes its default. Unknown keys and bad values fail with
 * CG_E_ARGUMENT. Unusable input (neither X12 nor FHIR)
 * is not a failure: the result reports it (cg_result_usable() == 0, the input.unrecognized
 * error in the report). */
int cg_validate(cg_engine* engine, const char* bytes, size_t len, const char* options_json, cg_result** out);

/* The JSON report, byte for byte what `claimgate validate --format json` prints for the same
 * input and options (same "today", and --pack/--code-set matching the engine; "source" in the
 * place of the file name), with its final newline. len (may be NULL) receives the length. */
const char* cg_result_report_json(const cg_result* result, size_t* len);

/* Counts. */
enum cg_count {
  CG_COUNT_CLAIMS = 0,
  CG_COUNT_ACCEPTED = 1,
  CG_COUNT_REJECTED = 2,
  CG_COUNT_WARNINGS = 3,
  CG_COUNT_INPUT_ERRORS = 4 /* input errors not tied to one claim */
};
size_t cg_result_count(const cg_result* result, int which);
/* 1 when the input was X12 or FHIR that could be read at all, 0 otherwise. */
int cg_result_usable(const cg_result* result);
/* "x12", "fhir" or "unknown". */
const char* cg_result_format(const cg_result* result);

/* X12 answers (empty strings for FHIR input or answers=false):
 * the 999 interchange (with a TA1 first when an interchange envelope is bad); the 277CA
 * interchange (empty when no transaction set was accepted); both, as `claimgate ack` prints. */
const char* cg_result_ack_999(const cg_result* result, size_t* len);
const char* cg_result_ack_277ca(const cg_result* result, size_t* len);
const char* cg_result_ack(const cg_result* result, size_t* len);

/* What goes on to payers: for X12 one re-enveloped 837 per payer id (accepted claims of
 * accepted transaction sets only), for FHIR one Claim resource per accepted claim. With
 * routing by target format configured (forward.targets.NAME.format), a claim whose payer's
 * target takes the other format is converted: one 837 interchange per FHIR claim
 * ("application/edi-x12"), one FHIR batch Bundle per 837 claim ("application/fhir+json").
 * index in 0 .. cg_result_forward_count()-1; out of range: NULL. */
size_t cg_result_forward_count(const cg_result* result);
const char* cg_result_forward_body(const cg_result* result, size_t index, size_t* len);
const char* cg_result_forward_payer(const cg_result* result, size_t index); /* "" = default */
const char* cg_result_forward_content_type(const cg_result* result, size_t index);

/* FHIR answer (empty for X12 input or answers=false): by fhir_operation, the batch-response
 * Bundle, the OperationOutcome ($validate, or a rejected Claim) or the ClaimResponse; and the
 * HTTP status the server would answer with (0 for X12). */
const char* cg_result_fhir_answer(const cg_result* result, size_t* len);
int cg_result_http_status(const cg_result* result);

void cg_result_free(cg_result* result);

/* Streaming for large batches, memory bounded by one claim (X12; a FHIR document is read whole
 * up to 64 MiB): feed the input in chunks of any size; each claim's entry of the report is
 * handed to on_claim as soon as its verdict is final, in input order:
 *   claim_json: the claim's object of the report's "claims" array (not NUL-terminated beyond
 *   len; valid during the call only), accepted: 1 or 0.
 * Returning non-zero from on_claim stops the stream: later claims are not handed over and the
 * next cg_stream_feed/finish returns CG_E_STATE. Options as for cg_validate ("answers" and
 * "fhir_operation" do not apply: a stream builds no answers). cg_stream_finish ends the input
 * and returns a result whose counts are those of the whole input and whose report is the CLI's
 * with an empty "claims" array (the entries went to on_claim; joined with commas they are that
 * array). cg_stream_free frees a stream, finished or not (one call per cg_stream_begin).
 * From inside on_claim, cg_stream_feed/finish on the same stream return CG_E_STATE, and
 * cg_stream_free stops the stream and frees it when the running feed/finish returns (which then
 * returns CG_E_STATE; the stream must not be used after). */
typedef int (*cg_claim_callback)(void* user, const char* claim_json, size_t len, int accepted);
int cg_stream_begin(cg_engine* engine, const char* options_json, cg_claim_callback on_claim, void* user,
                    cg_stream** out);
int cg_stream_feed(cg_stream* stream, const char* chunk, size_t len);
int cg_stream_finish(cg_stream* stream, cg_result** out);
void cg_stream_free(cg_stream* stream);
const char* cg_stream_last_error(const cg_stream* stream);

/* An ICD-10-CM code on a date of service ("YYYY-MM-DD"; NULL: today, UTC): *json_out receives
 * what `claimgate code CODE --dos DOS --format json` prints (status "unknown" for a code no
 * loaded release has), freed with cg_string_free. */
int cg_code_lookup(cg_engine* engine, const char* code, const char* dos, char** json_out, size_t* len);
void cg_string_free(char* s);

#ifdef __cplusplus
}
#endif

#endif /* CLAIMGATE_H */
