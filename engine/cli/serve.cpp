// claimgate serve [--config FILE] [--listen ADDR:PORT] [--data-dir DIR] [--port-file FILE]
// claimgate dead-letter list|replay [KEY] [--config FILE] [--data-dir DIR] [--json]
#include "engine/cli/commands.hpp"
#include "engine/cli/setup.hpp"
#include "engine/clock.hpp"
#include "engine/config.hpp"
#include "engine/data_paths.hpp"
#include "engine/delivery/control_numbers.hpp"
#include "engine/delivery/dead_letter.hpp"
#include "engine/delivery/forwarder.hpp"
#include "engine/delivery/receipts.hpp"
#include "engine/log.hpp"
#include "engine/metrics.hpp"
#include "engine/pipeline.hpp"
#include "engine/pipeline_config.hpp"
#include "engine/server/audit.hpp"
#include "engine/server/idempotency.hpp"
#include "engine/server/server.hpp"
#include "engine/delivery/spool.hpp"
#include "rulesets/codesets/icd10cm.hpp"
#include "transforms/x12_parallel.hpp"

#include <fcntl.h>
#include <unistd.h>

#include <rapidjson/document.h>

#include <chrono>
#include <cstdio>
#include <fstream>
#include <functional>
#include <map>
#include <optional>
#include <set>
#include <sstream>

namespace cg::engine {
namespace {

// A duration in nanoseconds as Prometheus seconds.
std::string seconds(std::uint64_t ns) {
  char b[32];
  std::snprintf(b, sizeof b, "%.6f", static_cast<double>(ns) / 1e9);
  return b;
}

constexpr const char* kServeHelp =
    "usage: claimgate serve [options]\n"
    "\n"
    "Runs the claim gateway: HTTP/1.1 (HTTPS when tls is configured) with POST /x12,\n"
    "POST /fhir/Claim, /fhir/Claim/$submit, /fhir/Claim/$validate, POST /fhir (batch),\n"
    "GET /fhir/metadata, /fhir/ClaimResponse/KEY, /claims/KEY (what became of a claim),\n"
    "/openapi.json (every endpoint), /healthz, /readyz, /metrics, and for admins the\n"
    "operations console at /admin/console (docs/server.md). Accepted claims are written to\n"
    "the durable spool and forwarded (outbox folder or HTTP upstream). SIGTERM/SIGINT:\n"
    "graceful shutdown; SIGHUP: reload the configuration, rule packs and code set (a bad\n"
    "file keeps the running ones; docs/server.md). Without options: the embedded default (127.0.0.1:8080, the bundled\n"
    "code set, data under ./var, accepted claims to var/outbox), which is UNAUTHENTICATED:\n"
    "configure senders, admins and tls before exposing the port (docs/security.md).\n"
    "\n"
    "options:\n"
    "  --config FILE       the configuration (JSON with comments; see deploy/claimgate.sample.json)\n"
    "  --listen ADDR:PORT  overrides \"listen\" (port 0: any free port)\n"
    "  --data-dir DIR      overrides \"data_dir\" (spool, outbox, dead-letter, control numbers\n"
    "                      beneath it)\n"
    "  --port-file FILE    write the bound port to FILE once listening (for supervisors, tests)\n"
    "  --log-format F      text (one readable line per event), json (one JSON object per\n"
    "                      line) or auto (default: text when the log goes to a terminal)\n"
    "\n"
    "exit codes: 0 after a graceful shutdown, 2 bad options or configuration, 1 startup failure.\n";

constexpr const char* kDeadLetterHelp =
    "usage: claimgate dead-letter list [--json] [--config FILE | --data-dir DIR]\n"
    "       claimgate dead-letter replay [KEY] [--config FILE | --data-dir DIR]\n"
    "\n"
    "Lists the spool entries the forwarder gave up on (with the reason), or puts them back in\n"
    "the spool (all, or the one with idempotency key KEY) under their original key. replay needs\n"
    "the spool to itself: with the server running use POST /admin/dead-letters/replay[?key=KEY].\n";

struct CommonOptions {
  std::string config_file, listen, data_dir, port_file, log_format = "auto";
  std::vector<std::string> positional;
  bool json = false;
  bool help = false;
};

std::string parse_common(const Args& args, CommonOptions& o, bool serve) {
  for (std::size_t i = 0; i < args.size(); ++i) {
    const std::string& a = args[i];
    auto value = [&](std::string& out) {
      if (i + 1 >= args.size()) return false;
      out = args[++i];
      return !out.empty();
    };
    if (a == "--help" || a == "-h") o.help = true;
    else if (a == "--config") { if (!value(o.config_file)) return "--config needs a file"; }
    else if (a == "--data-dir") { if (!value(o.data_dir)) return "--data-dir needs a directory"; }
    else if (serve && a == "--listen") { if (!value(o.listen)) return "--listen needs ADDR:PORT"; }
    else if (serve && a == "--port-file") { if (!value(o.port_file)) return "--port-file needs a file"; }
    else if (serve && a == "--log-format") {
      if (!value(o.log_format) || (o.log_format != "text" && o.log_format != "json" && o.log_format != "auto"))
        return "--log-format needs text, json or auto";
    }
    else if (!serve && a == "--json") o.json = true;
    else if (!a.empty() && a[0] == '-') return "unknown option '" + a + "'";
    else if (serve) return "unexpected argument '" + a + "'";
    else o.positional.push_back(a);
  }
  return {};
}

// Loads the configuration and applies the command-line overrides. Throws ConfigError.
ServerConfig effective_config(const CommonOptions& o) {
  ServerConfig c = o.config_file.empty() ? parse_config("{}") : load_config(o.config_file);
  if (!o.listen.empty()) parse_listen(o.listen, "--listen", c);
  if (!o.data_dir.empty()) c.data_dir = o.data_dir;
  c.resolve();
  return c;
}

std::string config_text(const CommonOptions& o) {
  if (o.config_file.empty()) return "{}";
  return read_config_text(o.config_file);
}

// The settings that differ between two configuration texts, except those a reload applies
// (code_set, rules, identity, trading_partners, senders, admins, limits but
// limits.spool_max_bytes, log.level, log.requests) and comments ("_..."): they take effect only
// at a restart. Named by their top-level key, or "limits.spool_max_bytes" / "log.file".
std::vector<std::string> restart_only_changes(const std::string& before, const std::string& after) {
  constexpr unsigned kFlags = rapidjson::kParseCommentsFlag | rapidjson::kParseTrailingCommasFlag;
  rapidjson::Document a, b;
  a.Parse<kFlags>(before.data(), before.size());
  b.Parse<kFlags>(after.data(), after.size());
  std::vector<std::string> changed;
  if (a.HasParseError() || b.HasParseError() || !a.IsObject() || !b.IsObject()) return changed;
  std::set<std::string> keys;
  for (const auto* d : {&a, &b})
    for (auto it = d->MemberBegin(); it != d->MemberEnd(); ++it) keys.emplace(it->name.GetString(), it->name.GetStringLength());
  // Sections a reload applies but for some members: only those are compared.
  const std::map<std::string, std::vector<const char*>> partly{{"limits", {"spool_max_bytes"}}, {"log", {"file"}}};
  static const rapidjson::Value kNull;
  const auto find = [](const rapidjson::Value& o, const char* k) -> const rapidjson::Value& {
    if (!o.IsObject()) return kNull;
    const auto it = o.FindMember(k);
    return it == o.MemberEnd() ? kNull : it->value;
  };
  for (const auto& k : keys) {
    if (k.empty() || k[0] == '_' || k == "code_set" || k == "rules" || k == "identity" || k == "trading_partners" ||
        k == "senders" || k == "admins")
      continue;
    const rapidjson::Value& va = find(a, k.c_str());
    const rapidjson::Value& vb = find(b, k.c_str());
    if (const auto p = partly.find(k); p != partly.end()) {
      for (const char* member : p->second)
        if (find(va, member) != find(vb, member)) changed.push_back(k + "." + member);
    } else if (va != vb) {
      changed.push_back(k);
    }
  }
  return changed;
}

// The start of `claimgate serve` and `claimgate dead-letter`: options, --help, configuration
// (and for serve the pipeline options). Returns the exit code when the command is done (help
// printed: 0; bad options or configuration: 2), nullopt to go on.
std::optional<int> start_command(const Args& args, bool serve, CommonOptions& opt, ServerConfig& config,
                                 PipelineOptions* popts, const std::function<std::string(const CommonOptions&)>& check = {}) {
  const char* name = serve ? "serve" : "dead-letter";
  const char* help = serve ? kServeHelp : kDeadLetterHelp;
  if (const std::string err = parse_common(args, opt, serve); !err.empty()) {
    std::fprintf(stderr, "claimgate %s: %s\n\n%s", name, err.c_str(), help);
    return 2;
  }
  if (opt.help) {
    std::fputs(help, stdout);
    return 0;
  }
  // The command line is checked whole before the configuration is read.
  if (const std::string err = check ? check(opt) : std::string(); !err.empty()) {
    std::fprintf(stderr, "claimgate %s: %s\n\n%s", name, err.c_str(), help);
    return 2;
  }
  try {
    config = effective_config(opt);
    if (popts) *popts = pipeline_options(config);
  } catch (const ConfigError& e) {
    std::fprintf(stderr, "claimgate %s: bad configuration: %s\n", name, e.what());
    return 2;
  }
  return std::nullopt;
}

}  // namespace

int cmd_serve(const Args& args) {
  CommonOptions opt;
  ServerConfig config;
  PipelineOptions popts;
  if (const auto done = start_command(args, true, opt, config, &popts)) return *done;

  std::string error;
  const int log_fd = open_log(config, error);
  if (log_fd < 0) {
    std::fprintf(stderr, "claimgate serve: bad configuration: %s\n", error.c_str());
    return 2;
  }
  (void)log::choose_format(opt.log_format, log_fd);  // checked by parse_common

  const auto t0 = std::chrono::steady_clock::now();
  if (!load_code_set(config, popts, error)) {
    std::fprintf(stderr, "claimgate serve: %s\n", error.c_str());
    return 1;
  }
  // Large X12 bodies are cut at transaction-set boundaries and validated on every core
  // (transforms/x12_parallel.hpp): the request's io thread and these threads; the answers are
  // the bytes one thread writes. Runs of 256 KiB (about 450 claims), so that a body of a few
  // MB is spread over the cores. One pool for the process, kept across reloads.
  const unsigned cores = config.threads > 0 ? config.threads : transforms::WorkPool::available_cpus();
  const auto x12_pool = cores > 1 ? std::make_shared<transforms::WorkPool>(cores - 1, std::size_t{256} << 10) : nullptr;
  popts.pool = x12_pool;
  auto pipeline = std::make_shared<const Pipeline>(std::move(popts));

  SpoolOptions sopts;
  sopts.dir = config.spool_dir;
  sopts.max_pending_bytes = config.limits.spool_max_bytes;
  std::unique_ptr<Spool> spool = Spool::open(sopts, error);
  if (!spool) {
    std::fprintf(stderr, "claimgate serve: %s\n", error.c_str());
    return 1;
  }

  Metrics metrics(Forwarder::target_names(config.forward));
  metrics.set_extra([s = spool.get(), dead_letter_dir = config.dead_letter_dir](std::string& out) {
    const SpoolStats st = s->stats();
    out += "# HELP claimgate_spool_pending_entries Spool entries not yet forwarded.\n"
           "# TYPE claimgate_spool_pending_entries gauge\n"
           "claimgate_spool_pending_entries " + std::to_string(st.pending_entries) + "\n";
    out += "# HELP claimgate_spool_pending_bytes Bytes of the spool entries not yet forwarded.\n"
           "# TYPE claimgate_spool_pending_bytes gauge\n"
           "claimgate_spool_pending_bytes " + std::to_string(st.pending_bytes) + "\n";
    out += "# HELP claimgate_spool_appended_total Entries appended to the spool.\n"
           "# TYPE claimgate_spool_appended_total counter\n"
           "claimgate_spool_appended_total " + std::to_string(st.appended) + "\n";
    out += "# HELP claimgate_spool_fsyncs_total Journal fsyncs (group commits).\n"
           "# TYPE claimgate_spool_fsyncs_total counter\n"
           "claimgate_spool_fsyncs_total " + std::to_string(st.fsyncs) + "\n";
    out += "# HELP claimgate_spool_fsync_seconds_total Time spent in those fsyncs (the disk's latency).\n"
           "# TYPE claimgate_spool_fsync_seconds_total counter\n"
           "claimgate_spool_fsync_seconds_total " + seconds(st.fsync_ns) + "\n";
    out += "# HELP claimgate_spool_healthy 1 while the journal can be written.\n"
           "# TYPE claimgate_spool_healthy gauge\n"
           "claimgate_spool_healthy " + std::string(st.healthy ? "1" : "0") + "\n";
    out += "# HELP claimgate_spool_write_failures_total Journal writes or fsyncs that failed (disk full, I/O error).\n"
           "# TYPE claimgate_spool_write_failures_total counter\n"
           "claimgate_spool_write_failures_total " + std::to_string(st.write_failures) + "\n";
    out += "# HELP claimgate_spool_unwritten_record_bytes Done/dead/void/attempt records waiting for the disk.\n"
           "# TYPE claimgate_spool_unwritten_record_bytes gauge\n"
           "claimgate_spool_unwritten_record_bytes " + std::to_string(st.unwritten_record_bytes) + "\n";
    out += "# HELP claimgate_forward_retrying_entries Pending entries with at least one failed attempt.\n"
           "# TYPE claimgate_forward_retrying_entries gauge\n"
           "claimgate_forward_retrying_entries " + std::to_string(st.retrying) + "\n";
    const auto now_ms = static_cast<std::uint64_t>(std::chrono::duration_cast<std::chrono::milliseconds>(
                                                       std::chrono::system_clock::now().time_since_epoch()).count());
    const std::uint64_t age_s =
        st.oldest_retrying_ms != 0 && now_ms > st.oldest_retrying_ms ? (now_ms - st.oldest_retrying_ms) / 1000 : 0;
    out += "# HELP claimgate_forward_oldest_retrying_age_seconds Age of the oldest entry still being retried (0: none); "
           "dead-lettered at forward.retry_for_s.\n"
           "# TYPE claimgate_forward_oldest_retrying_age_seconds gauge\n"
           "claimgate_forward_oldest_retrying_age_seconds " + std::to_string(age_s) + "\n";
    out += "# HELP claimgate_dead_letters_present Dead letters in the dead-letter folder now (not yet replayed).\n"
           "# TYPE claimgate_dead_letters_present gauge\n"
           "claimgate_dead_letters_present " + std::to_string(count_dead_letters(dead_letter_dir)) + "\n";
  });

  std::unique_ptr<AuditLog> audit;
  if (config.audit.enabled) {
    audit = AuditLog::open(config.audit.file, config.audit.key_file, error);
    if (!audit) {
      std::fprintf(stderr, "claimgate serve: %s\n", error.c_str());
      return 1;
    }
  }
  std::unique_ptr<IdempotencyStore> idempotency = IdempotencyStore::open(config.idempotency.dir, config.idempotency.ttl_s, error);
  if (!idempotency) {
    std::fprintf(stderr, "claimgate serve: %s\n", error.c_str());
    return 1;
  }

  std::unique_ptr<Forwarder> forwarder_owner;
  try {
    forwarder_owner = std::make_unique<Forwarder>(config.forward, *spool, metrics, config.dead_letter_dir);
  } catch (const ConfigError& e) {
    std::fprintf(stderr, "claimgate serve: bad configuration: %s\n", e.what());
    return 2;
  }
  Forwarder& forwarder = *forwarder_owner;
  // What became of forwarded entries (GET /claims/{key}): the last 100,000 to 200,000.
  std::unique_ptr<Receipts> receipts = Receipts::open(config.data_dir + "/receipts", 100000, error);
  if (!receipts) {
    std::fprintf(stderr, "claimgate serve: %s\n", error.c_str());
    return 1;
  }
  forwarder.set_receipts(receipts.get());
  forwarder.start();

  // Control numbers of the interchanges the server writes, durable in the data dir; a block of
  // 64 per disk write (a crash skips at most 63 numbers, never repeats one).
  std::shared_ptr<ControlNumbers> control_numbers;
  try {
    control_numbers = ControlNumbers::durable(config.data_dir + "/control-numbers", 64);
  } catch (const ControlNumberError& e) {
    std::fprintf(stderr, "claimgate serve: %s\n", e.what());
    return 1;
  }

  ServerParts parts;
  parts.pipeline = pipeline;
  parts.spool = spool.get();
  parts.metrics = &metrics;
  parts.control_numbers = control_numbers;
  parts.audit = audit.get();
  parts.idempotency = idempotency.get();
  parts.receipts = receipts.get();
  // SIGHUP and POST /admin/reload: the configuration file, its rule packs and the code set again.
  const std::string started_with = config_text(opt);
  parts.reload = [&opt, &started_with, x12_pool]() {
    Reload r;
    try {
      const ServerConfig next = effective_config(opt);
      PipelineOptions po = pipeline_options(next);
      if (std::string err; !load_code_set(next, po, err)) {
        r.error = err;
        return r;
      }
      r.restart_needed = restart_only_changes(started_with, config_text(opt));
      po.pool = x12_pool;
      r.pipeline = std::make_shared<const Pipeline>(std::move(po));
      r.config = std::make_shared<const ServerConfig>(next);
    } catch (const ConfigError& e) {
      r.error = std::string("bad configuration: ") + e.what();
    }
    return r;
  };
  Server server(config, std::move(parts));
  if (std::string err = server.start(); !err.empty()) {
    std::fprintf(stderr, "claimgate serve: %s\n", err.c_str());
    forwarder.stop();
    return 1;
  }
  log::Line(log::Level::Info, "ready")
      .num("port", server.port())
      .str("data_dir", config.data_dir)
      .real("startup_ms", std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - t0).count());
  if (!opt.port_file.empty()) {
    std::string err;
    const auto slash = opt.port_file.rfind('/');
    const std::string dir = slash == std::string::npos ? "." : opt.port_file.substr(0, slash);
    const std::string name = slash == std::string::npos ? opt.port_file : opt.port_file.substr(slash + 1);
    if (!write_file_durable(dir, name, std::to_string(server.port()) + "\n", err)) {
      std::fprintf(stderr, "claimgate serve: --port-file: %s\n", err.c_str());
    }
  }
  server.wait();
  forwarder.stop();
  const SpoolStats st = spool->stats();
  spool->close();
  log::Line(log::Level::Info, "shutdown.complete")
      .num("spool_pending_entries", static_cast<std::int64_t>(st.pending_entries));
  if (log_fd != 2) ::close(log_fd);
  return 0;
}

int cmd_dead_letter(const Args& args) {
  CommonOptions opt;
  ServerConfig config;
  const auto subcommand = [](const CommonOptions& o) -> std::string {
    if (o.positional.empty()) return "expected 'list' or 'replay [KEY]'";
    if (o.positional[0] != "list" && o.positional[0] != "replay")
      return "unknown subcommand '" + o.positional[0] + "': expected 'list' or 'replay [KEY]'";
    if (o.positional.size() > (o.positional[0] == "replay" ? 2u : 1u))
      return "unexpected argument '" + o.positional.back() + "' after '" + o.positional[0] + "'";
    return {};
  };
  if (const auto done = start_command(args, false, opt, config, nullptr, subcommand)) return *done;
  log::configure(2, log::Level::Warn);
  std::string error;
  if (opt.positional[0] == "list") {
    const auto letters = list_dead_letters(config.dead_letter_dir, error);
    if (opt.json) {
      std::fputs(dead_letters_json(letters).c_str(), stdout);
    } else {
      for (const auto& d : letters) {
        std::printf("%s  dead=%s  payer=%s target=%s attempts=%u claims=%zu bytes=%llu  %s\n", d.key.c_str(),
                    utc_iso_from_ms(d.dead_ms).c_str(), d.payer_id.empty() ? "-" : d.payer_id.c_str(),
                    d.target.c_str(), d.attempts, d.claim_ids.size(), static_cast<unsigned long long>(d.body_bytes),
                    d.reason.c_str());
      }
      std::printf("%zu dead letter%s in %s\n", letters.size(), letters.size() == 1 ? "" : "s",
                  config.dead_letter_dir.c_str());
    }
    if (!error.empty()) std::fprintf(stderr, "claimgate dead-letter: %s\n", error.c_str());
    return error.empty() ? 0 : 1;
  }
  SpoolOptions sopts;
  sopts.dir = config.spool_dir;
  std::unique_ptr<Spool> spool = Spool::open(sopts, error);
  if (!spool) {
    std::fprintf(stderr, "claimgate dead-letter: %s (with the server running use POST /admin/dead-letters/replay)\n",
                 error.c_str());
    return 1;
  }
  const std::string key = opt.positional.size() > 1 ? opt.positional[1] : std::string();
  const std::size_t n = replay_dead_letters(config.dead_letter_dir, *spool, key, error);
  spool->close();
  std::printf("%zu dead letter(s) back in the spool %s\n", n, config.spool_dir.c_str());
  if (!error.empty()) std::fprintf(stderr, "claimgate dead-letter: %s\n", error.c_str());
  return error.empty() ? 0 : 1;
}

}  // namespace cg::engine
