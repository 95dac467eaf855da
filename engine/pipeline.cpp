#include "engine/pipeline.hpp"

#include "engine/ids.hpp"
#include "engine/clock.hpp"
#include "engine/ids.hpp"

#include <algorithm>
#include <cstdio>
#include <ctime>
#include <iterator>
#include <map>
#include <optional>
#include <span>
#include <type_traits>

#include "engine/report.hpp"
#include "transforms/fhir_answers.hpp"
#include "transforms/fhir_claims.hpp"
#include "transforms/input_stream.hpp"
#include "transforms/x12_ack.hpp"
#include "transforms/x12_claims.hpp"
#include "transforms/x12_out.hpp"

namespace cg::engine {
namespace {

void count(Counts& c, const rules::Verdict& v) {
  ++c.claims;
  (v.accepted ? c.accepted : c.rejected) += 1;
  c.warnings += v.warnings;
  for (const auto& f : v.findings) {
    ++c.findings_by_rule[f.rule];
    if (f.severity == rules::Severity::Reject) ++c.rejections_by_rule[f.rule];
  }
}

// Pipeline::judge for the claims of one input; safe on any thread.
transforms::ClaimEvaluator evaluator(const Pipeline& p, const std::string& sender, const rules::RuleEnv& env) {
  return [&p, &sender, &env](const rules::Claim& c, rules::Findings&& prior) {
    return p.judge(c, sender, env, std::move(prior));
  };
}

// A Claim is moved, never copied, from the reader to the report and the answers: vectors of
// outcomes relocate by moving. A move still walks a few hundred strings, so each stage below
// moves a claim at most once (into the hold) and hands held claims over a set at a time.
static_assert(std::is_nothrow_move_constructible_v<transforms::ClaimOutcome>);
static_assert(std::is_nothrow_move_assignable_v<transforms::ClaimOutcome>);

rules::Format format_of(const transforms::ClaimOutcome& o) { return o.claim.format; }
rules::Format format_of(const transforms::ClaimVerdict& v) { return v.format; }
std::uint32_t set_of(const transforms::ClaimOutcome& o) { return o.claim.x12.set_index; }
std::uint32_t set_of(const transforms::ClaimVerdict& v) { return v.set_index; }

// Claims of the open X12 transaction set are held until the next set starts (or the input ends),
// so that a transaction-level error (SE count, control numbers) reaches them too; FHIR claims
// pass straight through. Released one by one, or a set at a time (the receiver may take them:
// swap or move them out; the hold clears the vector after the call and keeps its capacity).
// Outcome: ClaimOutcome (answers) or ClaimVerdict (a validation stream).
template <class Outcome>
class TransactionHold {
 public:
  using Release = std::function<void(Outcome&&)>;
  using ReleaseSet = std::function<void(std::vector<Outcome>&)>;
  explicit TransactionHold(Release release, ReleaseSet release_set = {})
      : release_(std::move(release)), release_set_(std::move(release_set)) {}

  void claim(Outcome&& o) {
    if (format_of(o) == rules::Format::Fhir) {
      release_(std::move(o));
      return;
    }
    open(set_of(o));
    held_.push_back(std::move(o));
  }

  void syntax(const x12::SyntaxError& e) {
    last_ = e;
    has_syntax_ = true;
  }

  // The Finding of an input error; true when it belongs to the open transaction set and was
  // added to its claims (then rejected).
  bool attach(const rules::Finding& f) {
    const bool transaction_level = has_syntax_ && last_.level == x12::ErrorLevel::Transaction;
    has_syntax_ = false;
    if (!transaction_level || held_.empty() || open_ != last_.set_index)
      return false;
    for (auto& o : held_) {
      o.verdict.findings.push_back(f);
      ++o.verdict.rejects;
      o.verdict.accepted = false;
    }
    return true;
  }

  void flush() {
    if (held_.empty()) return;
    if (release_set_) {
      release_set_(held_);
    } else {
      for (auto& o : held_) release_(std::move(o));
    }
    held_.clear();
  }

  [[nodiscard]] std::size_t held() const { return held_.size(); }

 private:
  // By the set's ordinal in the input: control numbers may repeat (IK502 23).
  void open(std::uint32_t set_index) {
    if (set_index != open_) {
      flush();
      open_ = set_index;
    }
  }

  Release release_;
  ReleaseSet release_set_;
  std::vector<Outcome> held_;
  std::uint32_t open_ = 0;
  x12::SyntaxError last_;
  bool has_syntax_ = false;
};

// The answers written transaction set by transaction set, for both the whole-body session and
// the streaming one: the 277CA, and per payer id the re-enveloped 837 of the accepted claims of
// the transaction sets the 999 accepted (payers in order of first appearance).
class SetAnswers {
 public:
  using PayerSink = std::function<void(const std::string& payer, std::string_view bytes)>;
  using ClaimSink = std::function<void(const std::string& payer, const transforms::ClaimOutcome& claim)>;
  using ConvertedSink = std::function<void(const transforms::ClaimOutcome& claim, const RoutedBody& body)>;

  SetAnswers(const PipelineOptions& opt, const transforms::AckCollector& acks, transforms::X12Stamp& stamp,
             transforms::Ack277Writer::Sink ack277, PayerSink payer_837, ClaimSink forwarded, ConvertedSink converted)
      : opt_(opt),
        acks_(acks),
        stamp_(stamp),
        me_{opt.identity.sender_qualifier, opt.identity.sender_id, opt.identity.organization_name, ""},
        ack277_(acks, me_, stamp, std::move(ack277)),
        payer_837_(std::move(payer_837)),
        forwarded_(std::move(forwarded)),
        converted_(std::move(converted)) {}

  // The outcomes of one received transaction set, after the reader has seen its SE.
  void add_set(std::span<const transforms::ClaimOutcome> set) {
    if (set.empty()) return;
    std::vector<const transforms::ClaimOutcome*> all;
    all.reserve(set.size());
    for (const auto& o : set) all.push_back(&o);
    ack277_.add_set(all);
    const rules::X12Context& x = set.front().claim.x12;
    if (!acks_.transaction_accepted(x.set_index)) return;
    std::vector<std::string> payers;
    for (const auto& o : set)
      if (o.verdict.accepted && std::find(payers.begin(), payers.end(), o.claim.payer_id) == payers.end())
        payers.push_back(o.claim.payer_id);
    for (const auto& payer : payers) {
      std::vector<const rules::Claim*> claims;
      for (const auto& o : set) {
        if (o.claim.payer_id != payer || !o.verdict.accepted) continue;
        if (opt_.routing.conversion_for(o.claim) != WireFormat::AsReceived) {
          converted_(o, routed_body(opt_, o.claim, stamp_));
          continue;
        }
        claims.push_back(&o.claim);
        forwarded_(payer, o);
      }
      if (!claims.empty()) writer_for(payer).add(claims);
    }
  }

  void finish() {
    ack277_.finish();
    for (auto& [payer, w] : writers_) w->finish();
  }

 private:
  transforms::Split837Writer& writer_for(const std::string& payer) {
    auto it = writers_.find(payer);
    if (it != writers_.end()) return *it->second;
    const TradingPartner partner = opt_.identity.partner_for(payer);
    auto w = std::make_unique<transforms::Split837Writer>(
        partner.sender.id.empty() ? me_ : partner.sender, partner.receiver, stamp_,
        [this, payer](std::string_view bytes) { payer_837_(payer, bytes); });
    return *writers_.emplace(payer, std::move(w)).first->second;
  }

  const PipelineOptions& opt_;
  const transforms::AckCollector& acks_;
  transforms::X12Stamp& stamp_;
  transforms::X12Party me_;
  transforms::Ack277Writer ack277_;
  PayerSink payer_837_;
  ClaimSink forwarded_;
  ConvertedSink converted_;
  std::map<std::string, std::unique_ptr<transforms::Split837Writer>> writers_;
};

class X12SessionImpl final : public X12Session {
 public:
  X12SessionImpl(const Pipeline& p, std::string_view source, std::string_view sender, rules::Date today,
                 Stamp stamp, std::optional<X12Outputs> outputs = std::nullopt, std::string_view key_prefix = {})
      : pipeline_(p),
        source_(source),
        sender_(sender),
        key_prefix_(key_prefix),
        stamp_(stamp),
        outputs_(std::move(outputs)),
        reader_(
            source, limits(), evaluator(p, sender_, env_),
            [this](transforms::ClaimOutcome&& o) { hold_.claim(std::move(o)); }, transforms::VerdictSink{},
            [this](rules::Finding&& f) { on_error(std::move(f)); },
            [this](const x12::SyntaxError& e) { hold_.syntax(e); },
            transforms::X12ReadOptions{&acks_, true}, p.options().pool.get()) {
    env_.codes = p.options().codes;
    env_.today = today;
  }

  void feed(std::string_view chunk) override { reader_.feed(chunk); }
  std::string refuse(std::string_view note) override { return transforms::render_refusal_ta1(acks_, stamp_, note); }
  std::size_t claims_so_far() const override { return outcomes_.size() + counts_.claims + set_.size() + hold_.held(); }

  X12Result finish() override {
    reader_.finish();
    hold_.flush();
    X12Result r;
    r.usable = reader_.interchanges() > 0;
    for (const auto& ic : acks_.interchanges()) r.control_numbers.push_back(ic.env.isa13);
    if (outputs_) {
      // Streaming: every set but the last is already answered.
      answer_set();
      r.ack_999 = transforms::render_999(acks_, stamp_);
      if (streamed_) streamed_->finish();  // nothing to answer when no claim was read
      r.counts = std::move(counts_);
      r.counts.input_errors = streamed_errors_;
      r.ack = r.ack_999;
      return r;
    }
    for (const auto& o : outcomes_) count(r.counts, o.verdict);
    r.counts.input_errors = errors_.size();
    r.ack_999 = transforms::render_999(acks_, stamp_);
    std::vector<std::size_t> item_of_outcome(outcomes_.size(), SIZE_MAX);  // index in r.forward

    std::map<std::string, std::size_t> item_of;  // payer -> index in r.forward
    const auto item = [&](const std::string& payer) -> ForwardItem& {
      auto [it, fresh] = item_of.emplace(payer, r.forward.size());
      if (fresh) {
        r.forward.emplace_back();
        r.forward.back().payer_id = payer;
        r.forward.back().content_type = "application/edi-x12";
      }
      return r.forward[it->second];
    };
    SetAnswers answers(
        pipeline_.options(), acks_, stamp_, [&](std::string_view b) { r.ack_277ca.append(b); },
        [&](const std::string& payer, std::string_view b) { item(payer).body.append(b); },
        [&](const std::string& payer, const transforms::ClaimOutcome& o) {
          item(payer).claim_ids.push_back(o.claim.id);
          item_of_outcome[static_cast<std::size_t>(&o - outcomes_.data())] = item_of[payer];
        },
        [&](const transforms::ClaimOutcome& o, const RoutedBody& b) {  // one item per converted claim
          item_of_outcome[static_cast<std::size_t>(&o - outcomes_.data())] = r.forward.size();
          ForwardItem f;
          f.payer_id = o.claim.payer_id;
          f.content_type = b.content_type;
          f.body = b.body;
          f.claim_ids.push_back(o.claim.id);
          r.forward.push_back(std::move(f));
        });
    std::size_t i = 0;
    while (i < outcomes_.size()) {
      std::size_t j = i;
      while (j < outcomes_.size() && same_set(outcomes_[j].claim, outcomes_[i].claim)) ++j;
      answers.add_set(std::span<const transforms::ClaimOutcome>(outcomes_.data() + i, j - i));
      i = j;
    }
    answers.finish();
    if (key_prefix_.empty()) {
      r.report_json = report_json(outcomes_, errors_, source_);
    } else {
      for (std::size_t k = 0; k < r.forward.size(); ++k) r.forward[k].key = key_prefix_ + "-" + std::to_string(k + 1);
      std::vector<std::string> keys(outcomes_.size());
      for (std::size_t k = 0; k < keys.size(); ++k)
        if (item_of_outcome[k] != SIZE_MAX) keys[k] = r.forward[item_of_outcome[k]].key;
      r.report_json = report_json(outcomes_, errors_, source_, &keys);
    }
    r.ack = r.ack_999 + r.ack_277ca;
    r.outcomes = std::move(outcomes_);
    r.input_errors = std::move(errors_);
    return r;
  }

 private:
  static transforms::InputLimits limits() { return transforms::InputLimits{}; }

  void on_error(rules::Finding&& f) {
    if (hold_.attach(f)) return;
    if (!outputs_) {
      errors_.push_back(std::move(f));
      return;
    }
    ++streamed_errors_;
    if (outputs_->on_error) outputs_->on_error(std::move(f));
  }

  static bool same_set(const rules::Claim& a, const rules::Claim& b) {
    return a.x12.set_index == b.x12.set_index;  // control numbers may repeat (IK502 23)
  }

  // The final outcomes of one transaction set (the hold releases a set at a time). Streaming:
  // they are kept until the next set starts, then reported and answered, and let go.
  void released(std::vector<transforms::ClaimOutcome>& set) {
    if (!outputs_) {
      append(outcomes_, set);
      return;
    }
    if (!set_.empty() && !same_set(set_.front().claim, set.front().claim)) answer_set();
    append(set_, set);
  }

  static void append(std::vector<transforms::ClaimOutcome>& to, std::vector<transforms::ClaimOutcome>& from) {
    if (to.empty()) {
      to.swap(from);  // no claim moves; `from` gets to's capacity back
      return;
    }
    to.insert(to.end(), std::make_move_iterator(from.begin()), std::make_move_iterator(from.end()));
  }

  void answer_set() {
    if (set_.empty()) return;
    if (!streamed_) {
      streamed_ = std::make_unique<SetAnswers>(
          pipeline_.options(), acks_, stamp_, outputs_->ack_277ca,
          [this](const std::string& payer, std::string_view b) { outputs_->payer_837(payer, b); },
          [](const std::string&, const transforms::ClaimOutcome&) {},
          [this](const transforms::ClaimOutcome& o, const RoutedBody& b) { outputs_->payer_converted(o, b); });
    }
    streamed_->add_set(set_);
    for (auto& o : set_) {
      count(counts_, o.verdict);
      if (outputs_->on_outcome) outputs_->on_outcome(std::move(o));
    }
    set_.clear();
  }

  const Pipeline& pipeline_;
  std::string source_;
  std::string sender_;
  std::string key_prefix_;
  Stamp stamp_;
  std::optional<X12Outputs> outputs_;
  rules::RuleEnv env_;
  transforms::AckCollector acks_;
  std::vector<transforms::ClaimOutcome> outcomes_;
  rules::Findings errors_;
  std::vector<transforms::ClaimOutcome> set_;  // streaming: the claims of the last set released
  std::unique_ptr<SetAnswers> streamed_;
  Counts counts_;
  std::size_t streamed_errors_ = 0;
  TransactionHold<transforms::ClaimOutcome> hold_{[](transforms::ClaimOutcome&&) {},  // FHIR never reaches an X12 session
                        [this](std::vector<transforms::ClaimOutcome>& set) { released(set); }};
  transforms::ParallelX12Reader reader_;
};

class ValidationStreamImpl final : public ValidationStream {
 public:
  ValidationStreamImpl(const Pipeline& p, std::string_view source, std::string_view sender, rules::Date today,
                       VerdictCallback on_verdict, transforms::ErrorCallback on_error)
      : pipeline_(p),
        sender_(sender),
        on_error_(std::move(on_error)),
        hold_(std::move(on_verdict)),
        input_(
            source, transforms::InputLimits{},
            [this](rules::Claim&& c, rules::Findings&& prior) {
              rules::Verdict v = evaluate_(c, std::move(prior));
              hold_.claim(transforms::ClaimVerdict::of(std::move(c), std::move(v)));
            },
            [this](rules::Finding&& f) {
              if (!hold_.attach(f)) on_error_(std::move(f));
            },
            [this](const x12::SyntaxError& e) { hold_.syntax(e); }) {
    env_.codes = p.options().codes;
    env_.today = today;
    input_.read_x12_with(p.options().pool.get(), evaluate_,
                         [this](transforms::ClaimVerdict&& v) { hold_.claim(std::move(v)); });
  }

  void feed(std::string_view chunk) override { input_.feed(chunk); }

  transforms::ReadSummary finish() override {
    const transforms::ReadSummary s = input_.finish();
    hold_.flush();
    return s;
  }

 private:
  const Pipeline& pipeline_;
  std::string sender_;
  rules::RuleEnv env_;
  transforms::ClaimEvaluator evaluate_ = evaluator(pipeline_, sender_, env_);
  transforms::ErrorCallback on_error_;
  TransactionHold<transforms::ClaimVerdict> hold_;
  transforms::InputStream input_;
};

}  // namespace

TradingPartner AckIdentity::partner_for(const std::string& payer_id) const {
  if (auto it = trading_partners.find(payer_id); it != trading_partners.end()) return it->second;
  TradingPartner p;
  p.receiver = transforms::X12Party{payer_receiver_qualifier, payer_receiver_id, "", ""};
  return p;
}

Pipeline::Pipeline(PipelineOptions options) : options_(std::move(options)) {
  if (!options_.default_rules) options_.default_rules = rules::RuleSet::builtins();
}

std::shared_ptr<const rules::RuleSet> Pipeline::rules_for(std::string_view payer_id,
                                                          std::string_view sender) const {
  if (auto it = options_.rules_by_payer.find(std::string(payer_id)); it != options_.rules_by_payer.end())
    return it->second;
  if (auto it = options_.rules_by_sender.find(std::string(sender)); it != options_.rules_by_sender.end())
    return it->second;
  return options_.default_rules;
}

rules::Verdict Pipeline::judge(const rules::Claim& c, std::string_view sender, const rules::RuleEnv& env,
                               rules::Findings&& prior) const {
  rules::Verdict v = rules_for(c.payer_id, sender)->evaluate(c, env, std::move(prior));
  check_route(options_, c, v);
  return v;
}

std::unique_ptr<X12Session> Pipeline::begin_x12(std::string_view source, std::string_view sender,
                                                rules::Date today, Stamp stamp, std::string_view entry_key_prefix) const {
  return std::make_unique<X12SessionImpl>(*this, source, sender, today, stamp, std::nullopt, entry_key_prefix);
}

std::unique_ptr<ValidationStream> Pipeline::begin_validation(std::string_view source, std::string_view sender,
                                                             rules::Date today, VerdictCallback on_verdict,
                                                             transforms::ErrorCallback on_error) const {
  return std::make_unique<ValidationStreamImpl>(*this, source, sender, today, std::move(on_verdict),
                                                std::move(on_error));
}

std::unique_ptr<X12Session> Pipeline::begin_x12_streaming(std::string_view source, std::string_view sender,
                                                          rules::Date today, Stamp stamp, X12Outputs outputs) const {
  return std::make_unique<X12SessionImpl>(*this, source, sender, today, std::move(stamp), std::move(outputs));
}

X12Result Pipeline::process_x12(std::string_view body, std::string_view source, std::string_view sender,
                                rules::Date today, Stamp stamp) const {
  auto session = begin_x12(source, sender, today, stamp);
  session->feed(body);
  return session->finish();
}

FhirResult Pipeline::process_fhir(std::string_view body, FhirOperation op, std::string_view sender,
                                  rules::Date today, std::string_view now, std::string_view source,
                                  std::string_view id_prefix, bool entry_keys, Stamp x12_stamp) const {
  using Item = transforms::ClaimOutcome;
  std::vector<Item> items;
  std::vector<transforms::BatchEntry> order;  // batch-response entries, claims filled below
  std::vector<int> entry_item;                // -1: an unreadable entry
  rules::Findings doc_errors;
  rules::RuleEnv env;
  env.codes = options_.codes;
  env.today = today;
  transforms::InputLimits limits;
  limits.capture_raw = true;
  const transforms::ReadSummary summary = transforms::read_fhir_claims(
      body, source, limits,
      [&](rules::Claim&& c, rules::Findings&& prior) {
        rules::Verdict v = judge(c, sender, env, std::move(prior));
        entry_item.push_back(static_cast<int>(items.size()));
        items.emplace_back(std::move(c), std::move(v));
      },
      [&](rules::Finding&& f) {
        entry_item.push_back(-1);
        transforms::BatchEntry e;
        e.input_errors.push_back(f);
        order.push_back(std::move(e));
        doc_errors.push_back(std::move(f));
      });

  transforms::FhirAnswerStamp stamp;
  stamp.now = now.empty() ? utc_datetime_now() : std::string(now);
  stamp.id_prefix = id_prefix.empty() ? unique_id() : std::string(id_prefix);
  stamp.entry_keys = entry_keys;
  FhirResult result = [&] {
    FhirResult r;
    for (const auto& it : items) count(r.counts, it.verdict);
    r.counts.input_errors = doc_errors.size();

    if (items.empty()) {
      r.http_status = 400;
      r.body = transforms::input_error_outcome_json(doc_errors, stamp);
      if (!summary.usable && doc_errors.empty()) r.http_status = 400;
      return r;
    }
    const auto forward = [&](const Item& it, std::string key) {
      ForwardItem f;
      if (stamp.entry_keys) f.key = std::move(key);
      f.payer_id = it.claim.payer_id;
      if (options_.routing.conversion_for(it.claim) != WireFormat::AsReceived) {
        RoutedBody b = routed_body(options_, it.claim, x12_stamp);
        f.content_type = std::move(b.content_type);
        f.body = std::move(b.body);
      } else {
        f.content_type = "application/fhir+json";
        f.body = it.claim.fhir.raw_json;
      }
      f.claim_ids.push_back(it.claim.id);
      r.forward.push_back(std::move(f));
    };

    if (op == FhirOperation::Batch || (op == FhirOperation::Submit && items.size() > 1)) {
      std::vector<transforms::BatchEntry> entries;
      std::size_t unreadable = 0;
      for (int idx : entry_item) {
        if (idx < 0) {
          entries.push_back(order[unreadable++]);
          continue;
        }
        transforms::BatchEntry e;
        e.claim = &items[static_cast<std::size_t>(idx)].claim;
        e.verdict = &items[static_cast<std::size_t>(idx)].verdict;
        entries.push_back(std::move(e));
      }
      std::vector<std::string> ids;
      r.http_status = 200;
      r.body = transforms::batch_response_json(entries, stamp, &ids);
      std::size_t accepted = 0;
      for (const auto& it : items)
        if (it.verdict.accepted) forward(it, accepted < ids.size() ? ids[accepted++] : std::string());
      return r;
    }
    if (items.size() > 1) {
      rules::Finding f;
      f.rule = "fhir.not-supported";
      f.message =
          "this endpoint takes one Claim; send several as a batch Bundle to POST /fhir or to Claim/$submit";
      r.http_status = 400;
      r.body = transforms::input_error_outcome_json({f}, stamp);
      return r;
    }
    const Item& it = items.front();
    if (op == FhirOperation::Validate) {
      r.http_status = 200;
      rules::Findings all = it.verdict.findings;
      all.insert(all.end(), doc_errors.begin(), doc_errors.end());
      r.body = transforms::operation_outcome_json(all, stamp);
      return r;
    }
    if (!it.verdict.accepted) {
      r.http_status = 422;
      r.body = transforms::operation_outcome_json(it.verdict.findings, stamp);
      return r;
    }
    forward(it, transforms::resource_id(stamp, stamp.sequence));
    r.http_status = op == FhirOperation::Create ? 201 : 200;
    r.body = transforms::claim_response_json(it.claim, it.verdict, stamp, "queued");
    return r;
  }();
  result.usable = summary.usable;
  result.outcomes = std::move(items);
  result.input_errors = std::move(doc_errors);
  return result;
}

}  // namespace cg::engine
