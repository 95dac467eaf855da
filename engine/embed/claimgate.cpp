// libclaimgate: the C ABI (claimgate.h) over the pipeline. Every entry point catches what the
// C++ side may throw (configuration errors, std::bad_alloc) and turns it into a status and the
// handle's error text; nothing else in the product calls these functions.
#include "engine/embed/claimgate.h"

#include "engine/clock.hpp"
#include "engine/code_report.hpp"
#include "engine/config.hpp"
#include "engine/data_paths.hpp"
#include "engine/delivery/control_numbers.hpp"
#include "engine/pipeline.hpp"
#include "engine/pipeline_config.hpp"
#include "engine/report.hpp"
#include "rulesets/codesets/icd10cm.hpp"

#include <dlfcn.h>
#include <rapidjson/document.h>
#include <rapidjson/error/en.h>

#include <chrono>
#include <cstring>
#include <filesystem>
#include <map>
#include <new>
#include <optional>
#include <string>
#include <unordered_map>
#include <vector>

#ifndef CG_VERSION_STRING
#define CG_VERSION_STRING "0.0.0"
#endif

struct cg_engine {
  std::shared_ptr<const cg::engine::Pipeline> pipeline;
  // ISA13 of the interchanges written: durable under <data_dir>/control-numbers when the
  // configuration names a data_dir, else counted per engine from 1.
  std::shared_ptr<cg::engine::ControlNumbers> control_numbers;
};

struct cg_result {
  std::string report;
  std::string ack_999, ack_277ca, ack;
  std::string fhir_answer;
  std::vector<cg::engine::ForwardItem> forward;
  std::size_t counts[5] = {};
  int usable = 0;
  int http_status = 0;
  const char* format = "unknown";
};

namespace {

using namespace cg;
using engine::FhirOperation;

// Error text per handle and per thread: an engine is shared by threads, so "the last error on
// this engine" is the calling thread's. nullptr keys cg_engine_new.
thread_local std::unordered_map<const void*, std::string> t_errors;

int fail(const void* handle, int status, std::string message) {
  t_errors[handle] = std::move(message);
  return status;
}

struct Options {
  rules::Date today;
  std::string sender;
  std::string source = "<input>";
  bool answers = true;
  FhirOperation operation = FhirOperation::Batch;
  std::optional<std::uint64_t> control;
};

// options_json -> Options; an error message naming the key, empty when fine.
std::string parse_options(const char* json, bool stream, Options& o) {
  o.today = engine::local_today();
  if (json == nullptr) return {};
  // RapidJSON's SSE4.2 scanner loads aligned 16-byte blocks and can read past the caller's
  // terminator: parse a NUL-padded copy, never the caller's buffer.
  std::string text(json);
  text.append(16, '\0');
  rapidjson::Document d;
  d.Parse(text.c_str());
  if (d.HasParseError())
    return std::string("options: not JSON: ") + rapidjson::GetParseError_En(d.GetParseError()) + " at offset " +
           std::to_string(d.GetErrorOffset());
  if (!d.IsObject()) return "options: must be a JSON object";
  for (auto it = d.MemberBegin(); it != d.MemberEnd(); ++it) {
    const std::string key = it->name.GetString();
    const auto& v = it->value;
    if (v.IsNull() && (key == "today" || key == "sender" || key == "source" || key == "answers" ||
                       key == "fhir_operation" || key == "control_number"))
      continue;  // null: the default
    if (key == "today") {
      const auto date = v.IsString() ? rules::parse_iso_date(v.GetString()) : std::nullopt;
      if (!date || v.GetStringLength() != 10) return "options.today: must be a date YYYY-MM-DD";
      o.today = *date;
    } else if (key == "sender") {
      if (!v.IsString()) return "options.sender: must be a string";
      o.sender = v.GetString();
    } else if (key == "source") {
      if (!v.IsString()) return "options.source: must be a string";
      o.source = v.GetString();
    } else if (key == "answers" && !stream) {
      if (!v.IsBool()) return "options.answers: must be true or false";
      o.answers = v.GetBool();
    } else if (key == "fhir_operation" && !stream) {
      const std::string op = v.IsString() ? v.GetString() : "";
      if (op == "batch") o.operation = FhirOperation::Batch;
      else if (op == "validate") o.operation = FhirOperation::Validate;
      else if (op == "submit") o.operation = FhirOperation::Submit;
      else if (op == "create") o.operation = FhirOperation::Create;
      else return "options.fhir_operation: must be batch, validate, submit or create";
    } else if (key == "control_number" && !stream) {
      if (!v.IsUint64() || v.GetUint64() == 0 || v.GetUint64() > 999'999'000ull)
        return "options.control_number: must be an integer between 1 and 999999000";
      o.control = v.GetUint64();
    } else {
      return "options: unknown key '" + key + "'";
    }
  }
  return {};
}

const char* out_str(const std::string& s, std::size_t* len) {
  if (len != nullptr) *len = s.size();
  return s.c_str();
}

// The folder of this shared object (or of the program linking the static library).
std::filesystem::path library_dir() {
  Dl_info info{};
  if (dladdr(reinterpret_cast<void*>(&cg_version), &info) == 0 || info.dli_fname == nullptr) return {};
  std::error_code ec;
  const auto p = std::filesystem::canonical(info.dli_fname, ec);
  return ec ? std::filesystem::path(info.dli_fname).parent_path() : p.parent_path();
}

void fill_counts(cg_result& r, const engine::Counts& c) {
  r.counts[CG_COUNT_CLAIMS] = c.claims;
  r.counts[CG_COUNT_ACCEPTED] = c.accepted;
  r.counts[CG_COUNT_REJECTED] = c.rejected;
  r.counts[CG_COUNT_WARNINGS] = c.warnings;
  r.counts[CG_COUNT_INPUT_ERRORS] = c.input_errors;
}

void fill_counts(cg_result& r, const engine::ReportWriter& w) {
  r.counts[CG_COUNT_CLAIMS] = w.claims();
  r.counts[CG_COUNT_ACCEPTED] = w.accepted();
  r.counts[CG_COUNT_REJECTED] = w.rejected();
  r.counts[CG_COUNT_WARNINGS] = w.warnings();
  r.counts[CG_COUNT_INPUT_ERRORS] = w.input_errors();
}

const char* format_name(transforms::InputKind k) {
  switch (k) {
    case transforms::InputKind::X12: return "x12";
    case transforms::InputKind::Fhir: return "fhir";
    case transforms::InputKind::Unknown: break;
  }
  return "unknown";
}

}  // namespace

struct cg_stream {
  const cg_engine* engine = nullptr;
  cg_claim_callback on_claim = nullptr;
  void* user = nullptr;
  std::string source;
  std::unique_ptr<engine::JsonReportBuffer> report;
  std::unique_ptr<engine::ValidationStream> validation;
  bool stopped = false;   // the callback asked to stop
  bool finished = false;
  bool in_callback = false;     // on_claim is running: feed/finish from it are refused
  bool free_requested = false;  // cg_stream_free from on_claim: done when the feed/finish returns
  std::string error;
};

namespace {

// Refuses a cg_stream_feed/finish made from inside on_claim (the reader is mid-chunk).
bool reentered(cg_stream* s, const char* fn) {
  if (!s->in_callback) return false;
  s->error = std::string(fn) + ": called from inside on_claim";
  return true;
}

// The end of a feed/finish: a cg_stream_free asked for by on_claim takes effect now.
int settle(cg_stream* s, int rc) {
  if (!s->free_requested) return rc;
  delete s;
  return CG_E_STATE;
}

}  // namespace

extern "C" {

const char* cg_version(void) { return CG_VERSION_STRING; }

int cg_abi_version(void) { return CG_ABI_VERSION; }

int cg_engine_new(const char* config_json, cg_engine** out) {
  if (out == nullptr) return fail(nullptr, CG_E_ARGUMENT, "cg_engine_new: out is NULL");
  *out = nullptr;
  try {
    const std::string text = config_json == nullptr ? "{}" : config_json;
    const engine::ServerConfig config = engine::parse_config(text);
    const std::filesystem::path anchor = library_dir();
    engine::PipelineOptions po = engine::pipeline_options(config, anchor);
    std::string path = config.code_set;
    if (path.empty()) {
      engine::DataLookup found = engine::find_codeset(anchor);
      if (found.path.empty()) return fail(nullptr, CG_E_CODESET, found.error);
      path = std::move(found.path);
    }
    auto loaded = codesets::Icd10Index::load(path);
    if (auto* err = std::get_if<std::string>(&loaded))
      return fail(nullptr, CG_E_CODESET,
                  std::string(config.code_set.empty() ? "the bundled code set" : "code_set") +
                      ": cannot load the ICD-10-CM code set: " + *err);
    po.codes = std::get<std::shared_ptr<const codesets::Icd10Index>>(loaded);
    auto e = std::make_unique<cg_engine>();
    e->pipeline = std::make_shared<const engine::Pipeline>(std::move(po));
    rapidjson::Document d;
    d.Parse(text.c_str(), text.size());  // parse_config accepted it
    e->control_numbers = d.IsObject() && d.HasMember("data_dir")
                             ? engine::ControlNumbers::durable(config.data_dir + "/control-numbers", 16)
                             : engine::ControlNumbers::counting_from(1);
    *out = e.release();
    t_errors.erase(nullptr);
    return CG_OK;
  } catch (const engine::ConfigError& e) {
    return fail(nullptr, CG_E_CONFIG, e.what());
  } catch (const engine::ControlNumberError& e) {
    return fail(nullptr, CG_E_CONFIG, std::string("data_dir: ") + e.what());
  } catch (const std::bad_alloc&) {
    return fail(nullptr, CG_E_INTERNAL, "out of memory");
  } catch (const std::exception& e) {
    return fail(nullptr, CG_E_INTERNAL, e.what());
  }
}

void cg_engine_free(cg_engine* engine) {
  if (engine == nullptr) return;
  t_errors.erase(engine);
  delete engine;
}

const char* cg_engine_last_error(const cg_engine* engine) {
  const auto it = t_errors.find(engine);
  return it == t_errors.end() ? "" : it->second.c_str();
}

int cg_validate(cg_engine* engine, const char* bytes, size_t len, const char* options_json, cg_result** out) {
  if (out != nullptr) *out = nullptr;
  if (engine == nullptr) return fail(nullptr, CG_E_ARGUMENT, "cg_validate: engine is NULL");
  if (out == nullptr || (bytes == nullptr && len > 0))
    return fail(engine, CG_E_ARGUMENT, "cg_validate: out is NULL, or bytes is NULL with a length");
  Options opt;
  if (std::string err = parse_options(options_json, false, opt); !err.empty())
    return fail(engine, CG_E_ARGUMENT, std::move(err));
  try {
    const std::string_view body(bytes == nullptr ? "" : bytes, len);
    const engine::Pipeline& p = *engine->pipeline;
    auto r = std::make_unique<cg_result>();
    const transforms::InputKind kind = transforms::detect_input(body.substr(0, 8192));
    r->format = format_name(kind);
    // The interchanges written (answers, 837s, the 837s of FHIR claims routed to X12 targets).
    engine::X12DateTime now = engine::local_x12_now();
    engine::Stamp stamp;
    stamp.date = std::move(now.date);
    stamp.time = std::move(now.time);
    if (opt.control) {
      stamp.control = *opt.control;  // the caller keeps track
    } else {
      stamp.allocate = [cn = engine->control_numbers](std::string_view q, std::string_view id) {
        return cn->next(q, id);
      };
    }
    if (opt.answers && kind == transforms::InputKind::X12) {
      engine::X12Result x = p.process_x12(body, opt.source, opt.sender, opt.today, std::move(stamp));
      r->report = std::move(x.report_json);
      r->ack_999 = std::move(x.ack_999);
      r->ack_277ca = std::move(x.ack_277ca);
      r->ack = std::move(x.ack);
      r->forward = std::move(x.forward);
      r->usable = x.usable ? 1 : 0;
      fill_counts(*r, x.counts);
    } else if (opt.answers && kind == transforms::InputKind::Fhir) {
      engine::FhirResult f = p.process_fhir(body, opt.operation, opt.sender, opt.today, {}, opt.source, {}, false,
                                            std::move(stamp));
      r->report = engine::report_json(f.outcomes, f.input_errors, opt.source);
      r->fhir_answer = std::move(f.body);
      r->http_status = f.http_status;
      r->forward = std::move(f.forward);
      r->usable = f.usable ? 1 : 0;
      fill_counts(*r, f.counts);
    } else {
      // The report only (answers=false, or input that is neither X12 nor FHIR).
      engine::JsonReportBuffer report;
      engine::ReportWriter& w = report.writer();
      const auto stream = p.begin_validation(
          opt.source, opt.sender, opt.today, [&](transforms::ClaimVerdict&& v) { w.claim(v, opt.source); },
          [&](rules::Finding&& f) { w.input_error(opt.source, f); });
      stream->feed(body);
      const transforms::ReadSummary s = stream->finish();
      fill_counts(*r, w);
      r->usable = s.usable ? 1 : 0;
      r->report = report.finish();
    }
    *out = r.release();
    return CG_OK;
  } catch (const engine::ControlNumberError& e) {
    return fail(engine, CG_E_INTERNAL, std::string("control numbers: ") + e.what());
  } catch (const std::bad_alloc&) {
    return fail(engine, CG_E_INTERNAL, "out of memory");
  } catch (const std::exception& e) {
    return fail(engine, CG_E_INTERNAL, e.what());
  }
}

const char* cg_result_report_json(const cg_result* r, size_t* len) {
  static const std::string empty;
  return out_str(r != nullptr ? r->report : empty, len);
}

size_t cg_result_count(const cg_result* r, int which) {
  if (r == nullptr || which < 0 || which > CG_COUNT_INPUT_ERRORS) return 0;
  return r->counts[which];
}

int cg_result_usable(const cg_result* r) { return r != nullptr ? r->usable : 0; }

const char* cg_result_format(const cg_result* r) { return r != nullptr ? r->format : "unknown"; }

const char* cg_result_ack_999(const cg_result* r, size_t* len) {
  static const std::string empty;
  return out_str(r != nullptr ? r->ack_999 : empty, len);
}

const char* cg_result_ack_277ca(const cg_result* r, size_t* len) {
  static const std::string empty;
  return out_str(r != nullptr ? r->ack_277ca : empty, len);
}

const char* cg_result_ack(const cg_result* r, size_t* len) {
  static const std::string empty;
  return out_str(r != nullptr ? r->ack : empty, len);
}

size_t cg_result_forward_count(const cg_result* r) { return r != nullptr ? r->forward.size() : 0; }

const char* cg_result_forward_body(const cg_result* r, size_t index, size_t* len) {
  if (r == nullptr || index >= r->forward.size()) {
    if (len != nullptr) *len = 0;
    return nullptr;
  }
  return out_str(r->forward[index].body, len);
}

const char* cg_result_forward_payer(const cg_result* r, size_t index) {
  return r != nullptr && index < r->forward.size() ? r->forward[index].payer_id.c_str() : nullptr;
}

const char* cg_result_forward_content_type(const cg_result* r, size_t index) {
  return r != nullptr && index < r->forward.size() ? r->forward[index].content_type.c_str() : nullptr;
}

const char* cg_result_fhir_answer(const cg_result* r, size_t* len) {
  static const std::string empty;
  return out_str(r != nullptr ? r->fhir_answer : empty, len);
}

int cg_result_http_status(const cg_result* r) { return r != nullptr ? r->http_status : 0; }

void cg_result_free(cg_result* r) { delete r; }

int cg_stream_begin(cg_engine* engine, const char* options_json, cg_claim_callback on_claim, void* user,
                    cg_stream** out) {
  if (out != nullptr) *out = nullptr;
  if (engine == nullptr) return fail(nullptr, CG_E_ARGUMENT, "cg_stream_begin: engine is NULL");
  if (out == nullptr || on_claim == nullptr)
    return fail(engine, CG_E_ARGUMENT, "cg_stream_begin: out or on_claim is NULL");
  Options opt;
  if (std::string err = parse_options(options_json, true, opt); !err.empty())
    return fail(engine, CG_E_ARGUMENT, std::move(err));
  try {
    auto s = std::make_unique<cg_stream>();
    cg_stream* sp = s.get();
    s->engine = engine;
    s->on_claim = on_claim;
    s->user = user;
    s->source = opt.source;
    s->report = std::make_unique<engine::JsonReportBuffer>(false);
    s->validation = engine->pipeline->begin_validation(
        opt.source, opt.sender, opt.today,
        [sp](transforms::ClaimVerdict&& v) {
          sp->report->writer().claim(v, sp->source);
          if (sp->stopped) return;
          const std::string json = engine::claim_report_json(v, sp->source);
          struct Flag {
            bool& f;
            ~Flag() { f = false; }
          } flag{sp->in_callback = true};
          if (sp->on_claim(sp->user, json.data(), json.size(), v.verdict.accepted ? 1 : 0) != 0) sp->stopped = true;
        },
        [sp](rules::Finding&& f) { sp->report->writer().input_error(sp->source, f); });
    *out = s.release();
    return CG_OK;
  } catch (const std::bad_alloc&) {
    return fail(engine, CG_E_INTERNAL, "out of memory");
  } catch (const std::exception& e) {
    return fail(engine, CG_E_INTERNAL, e.what());
  }
}

int cg_stream_feed(cg_stream* s, const char* chunk, size_t len) {
  if (s == nullptr) return CG_E_ARGUMENT;
  if (reentered(s, "cg_stream_feed")) return CG_E_STATE;
  if (chunk == nullptr && len > 0) {
    s->error = "cg_stream_feed: chunk is NULL with a length";
    return CG_E_ARGUMENT;
  }
  if (s->finished || s->stopped) {
    s->error = s->finished ? "cg_stream_feed: the stream is finished" : "cg_stream_feed: stopped by the callback";
    return CG_E_STATE;
  }
  try {
    s->validation->feed(std::string_view(chunk == nullptr ? "" : chunk, len));
    return settle(s, CG_OK);
  } catch (const std::bad_alloc&) {
    s->error = "out of memory";
  } catch (const std::exception& e) {
    s->error = e.what();
  }
  s->finished = true;
  return settle(s, CG_E_INTERNAL);
}

int cg_stream_finish(cg_stream* s, cg_result** out) {
  if (out != nullptr) *out = nullptr;
  if (s == nullptr) return CG_E_ARGUMENT;
  if (reentered(s, "cg_stream_finish")) return CG_E_STATE;
  if (out == nullptr) {
    s->error = "cg_stream_finish: out is NULL";
    return CG_E_ARGUMENT;
  }
  if (s->finished || s->stopped) {
    s->error = s->finished ? "cg_stream_finish: the stream is finished" : "cg_stream_finish: stopped by the callback";
    return CG_E_STATE;
  }
  s->finished = true;
  try {
    const transforms::ReadSummary summary = s->validation->finish();
    if (s->free_requested) return settle(s, CG_E_STATE);
    if (s->stopped) {
      s->error = "cg_stream_finish: stopped by the callback";
      return CG_E_STATE;
    }
    auto r = std::make_unique<cg_result>();
    r->format = format_name(summary.kind);
    r->usable = summary.usable ? 1 : 0;
    fill_counts(*r, s->report->writer());
    r->report = s->report->finish();
    *out = r.release();
    return CG_OK;
  } catch (const std::bad_alloc&) {
    s->error = "out of memory";
  } catch (const std::exception& e) {
    s->error = e.what();
  }
  return settle(s, CG_E_INTERNAL);
}

void cg_stream_free(cg_stream* s) {
  if (s != nullptr && s->in_callback) {
    s->free_requested = true;  // the reader is mid-chunk: freed when the feed/finish returns
    s->stopped = true;
    return;
  }
  delete s;
}

const char* cg_stream_last_error(const cg_stream* s) { return s != nullptr ? s->error.c_str() : ""; }

int cg_code_lookup(cg_engine* engine, const char* code, const char* dos, char** json_out, size_t* len) {
  if (json_out != nullptr) *json_out = nullptr;
  if (engine == nullptr) return fail(nullptr, CG_E_ARGUMENT, "cg_code_lookup: engine is NULL");
  if (code == nullptr || json_out == nullptr)
    return fail(engine, CG_E_ARGUMENT, "cg_code_lookup: code or json_out is NULL");
  rules::Date date;
  if (dos == nullptr) {
    const auto days = std::chrono::floor<std::chrono::days>(std::chrono::system_clock::now()).time_since_epoch();
    date = rules::Date::from_days(static_cast<std::int32_t>(days.count()));
  } else {
    const auto d = rules::parse_iso_date(dos);
    if (!d || std::strlen(dos) != 10)
      return fail(engine, CG_E_ARGUMENT, std::string("cg_code_lookup: '") + dos + "' is not a date (YYYY-MM-DD)");
    date = *d;
  }
  try {
    const codesets::Icd10Index& idx = *engine->pipeline->options().codes;
    const std::string json = engine::code_report_json(idx, idx.lookup(code, date));
    char* s = static_cast<char*>(std::malloc(json.size() + 1));
    if (s == nullptr) return fail(engine, CG_E_INTERNAL, "out of memory");
    std::memcpy(s, json.c_str(), json.size() + 1);
    *json_out = s;
    if (len != nullptr) *len = json.size();
    return CG_OK;
  } catch (const std::bad_alloc&) {
    return fail(engine, CG_E_INTERNAL, "out of memory");
  } catch (const std::exception& e) {
    return fail(engine, CG_E_INTERNAL, e.what());
  }
}

void cg_string_free(char* s) { std::free(s); }

}  // extern "C"
