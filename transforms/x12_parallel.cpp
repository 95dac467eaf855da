#include "transforms/x12_parallel.hpp"

#include <sched.h>

#include <atomic>
#include <cctype>
#include <cstring>
#include <type_traits>
#include <variant>

namespace cg::transforms {

// ---------------------------------------------------------------------------------------------
// WorkPool

WorkPool::WorkPool(unsigned threads, std::size_t run_bytes) : run_bytes_(run_bytes) {
  threads_.reserve(threads);
  for (unsigned i = 0; i < threads; ++i)
    threads_.emplace_back([this] {
      for (;;) {
        std::function<void()> task;
        {
          std::unique_lock lock(m_);
          cv_.wait(lock, [this] { return stop_ || !tasks_.empty(); });
          if (tasks_.empty()) return;  // stopping
          task = std::move(tasks_.front());
          tasks_.pop_front();
        }
        task();
      }
    });
}

WorkPool::~WorkPool() {
  {
    std::lock_guard lock(m_);
    stop_ = true;
  }
  cv_.notify_all();
  for (auto& t : threads_) t.join();
}

void WorkPool::submit(std::function<void()> task, bool first) {
  {
    std::lock_guard lock(m_);
    if (first)
      tasks_.push_front(std::move(task));
    else
      tasks_.push_back(std::move(task));
  }
  cv_.notify_one();
}

unsigned WorkPool::available_cpus() {
  cpu_set_t set;
  CPU_ZERO(&set);
  if (sched_getaffinity(0, sizeof set, &set) == 0 && CPU_COUNT(&set) > 0)
    return static_cast<unsigned>(CPU_COUNT(&set));
  const unsigned hc = std::thread::hardware_concurrency();
  return hc == 0 ? 1 : hc;
}

// ---------------------------------------------------------------------------------------------
// A run read on the pool: what it handed over, recorded for replay in order.

namespace {

struct TransactionStart {
  x12::Envelope env;
  x12::TransactionType type;
};
struct TransactionEnd {
  x12::Envelope env;
  x12::TransactionResult result;
};
struct ObserverError {
  x12::SyntaxError error;
};
struct SyntaxSeen {
  x12::SyntaxError error;
};
// What a run hands over, in order. A claim's verdict is the event of almost every step, so the
// recording is a vector of ClaimVerdicts (96 bytes) with the rest (envelopes of 700 bytes, whole
// claims of 6.5 KB) behind a pointer.
using Other = std::variant<TransactionStart, TransactionEnd, ObserverError, SyntaxSeen, rules::Finding, ClaimOutcome>;
using Event = std::variant<ClaimVerdict, std::unique_ptr<Other>>;

bool is_blank(char c) { return c == '\r' || c == '\n' || c == ' ' || c == '\t' || c == '\0'; }

}  // namespace

struct ParallelX12Reader::Shared {
  std::string source;
  InputLimits limits;
  ClaimEvaluator evaluate;
  bool verdicts = false;  // record ClaimVerdicts (the claims die on the pool thread)
  bool capture_raw = false;
  bool observed = false;  // replay observer events
  bool syntax = false;    // replay on_syntax
  std::mutex m;           // guards Job::state changes to done, for cv
  std::condition_variable cv;
};

struct ParallelX12Reader::Job {
  enum State : int { Queued, Running, Done, Cancelled };
  std::string prefix;  // the ISA and GS segments of the run's group
  std::string bytes;   // the run: ST of its first set through the terminator of its last SE
  std::uint64_t offset = 0, isa_offset = 0, gs_offset = 0;
  std::uint32_t sets_before = 0, sets = 0;
  bool submitted = false;
  bool on_pool = false;  // read by a pool thread: its memory is that thread's to free
  std::atomic<int> state{Queued};
  // Results (written by the thread that ran it, read after state == Done).
  bool ok = false;
  std::vector<Event> events;

  template <class T>
  void record(T&& e) {
    if constexpr (std::is_same_v<std::decay_t<T>, ClaimVerdict>)
      events.emplace_back(std::forward<T>(e));
    else
      events.emplace_back(std::make_unique<Other>(std::forward<T>(e)));
  }
  x12::Reader::SetsRead run;
  std::size_t claims = 0, errors = 0;

  // Reads the run as the reader of the whole stream would; ok false when it could not tell.
  void read(const Shared& sh) {
    struct Recorder final : x12::Handler {
      Job& job;
      const Shared& sh;
      bool on = false, bad = false;
      Recorder(Job& j, const Shared& s) : job(j), sh(s) {}
      void on_interchange(const x12::Envelope&) override { bad = bad || on; }
      void on_group(const x12::Envelope&) override { bad = bad || on; }
      void on_group_end(const x12::Envelope&, const x12::GroupResult&) override { bad = bad || on; }
      void on_interchange_end(const x12::Envelope&, bool) override { bad = bad || on; }
      void on_transaction(const x12::Envelope& env, x12::TransactionType type) override {
        if (!on) return;
        job.run.st02.push_back(env.st02);
        job.run.last = env;
        if (sh.observed) job.record(TransactionStart{env, type});
      }
      void on_transaction_end(const x12::Envelope& env, const x12::TransactionResult& r) override {
        if (!on) return;
        if (r.accepted) ++job.run.accepted;
        if (sh.observed) job.record(TransactionEnd{env, r});
      }
      void on_error(const x12::SyntaxError& e) override {
        if (!on) return;
        if (e.level == x12::ErrorLevel::Interchange || e.level == x12::ErrorLevel::Group) bad = true;
        if (sh.observed) job.record(ObserverError{e});
      }
    } recorder(*this, sh);

    SyntaxErrorCallback on_syntax;
    if (sh.syntax) on_syntax = [this](const x12::SyntaxError& e) { record(SyntaxSeen{e}); };
    X12ClaimReader reader(
        sh.source, sh.limits,
        [this, &sh](rules::Claim&& c, rules::Findings&& prior) {
          rules::Verdict v = sh.evaluate(c, std::move(prior));
          if (sh.verdicts)
            record(ClaimVerdict::of(std::move(c), std::move(v)));
          else
            record(ClaimOutcome{std::move(c), std::move(v)});
        },
        [this](rules::Finding&& f) { record(std::move(f)); }, std::move(on_syntax),
        X12ReadOptions{&recorder, sh.capture_raw});
    reader.feed(prefix);
    if (!reader.reader().between_sets()) return;
    events.clear();
    const std::size_t claims0 = reader.claims(), errors0 = reader.errors();
    recorder.on = true;
    reader.reader().resume_at(offset, sets_before, isa_offset, gs_offset);
    reader.feed(bytes);
    ok = !recorder.bad && reader.reader().between_sets() && run.st02.size() == sets &&
         reader.reader().sets_read() == sets_before + sets;
    run.bytes = bytes.size();
    claims = reader.claims() - claims0;
    errors = reader.errors() - errors0;
  }

  // Runs it when no one has; true when this call did.
  bool try_run(Shared& sh, bool pool_thread) {
    int expected = Queued;
    if (!state.compare_exchange_strong(expected, Running)) return false;
    on_pool = pool_thread;
    read(sh);
    {
      std::lock_guard lock(sh.m);
      state = Done;
    }
    sh.cv.notify_all();
    return true;
  }
};

// ---------------------------------------------------------------------------------------------

ParallelX12Reader::ParallelX12Reader(std::string_view source_name, const InputLimits& limits, ClaimEvaluator evaluate,
                                     OutcomeSink on_outcome, VerdictSink on_verdict, ErrorCallback on_error,
                                     SyntaxErrorCallback on_syntax, X12ReadOptions options, WorkPool* pool)
    : shared_(std::make_shared<Shared>()),
      on_outcome_(on_outcome),
      on_verdict_(on_verdict),
      on_error_(on_error),
      on_syntax_(on_syntax),
      observer_(options.observer),
      main_(
          source_name, limits,
          [evaluate, on_outcome, on_verdict](rules::Claim&& c, rules::Findings&& prior) {
            rules::Verdict v = evaluate(c, std::move(prior));
            if (on_verdict)
              on_verdict(ClaimVerdict::of(std::move(c), std::move(v)));
            else
              on_outcome(ClaimOutcome{std::move(c), std::move(v)});
          },
          std::move(on_error), std::move(on_syntax), options),
      pool_(pool != nullptr && pool->threads() > 0 ? pool : nullptr),
      window_(pool_ != nullptr ? pool_->threads() + 2 : 0) {
  shared_->source = std::string(source_name);
  shared_->limits = limits;
  shared_->evaluate = std::move(evaluate);
  shared_->verdicts = static_cast<bool>(on_verdict_);
  shared_->capture_raw = options.capture_raw;
  shared_->observed = options.observer != nullptr;
  shared_->syntax = static_cast<bool>(on_syntax_);
}

ParallelX12Reader::~ParallelX12Reader() {
  // Runs still queued on the pool must not start; running ones use shared_: wait for them.
  for (auto& item : queue_) {
    if (!item.job) continue;
    int expected = Job::Queued;
    if (item.job->state.compare_exchange_strong(expected, Job::Cancelled)) continue;
    std::unique_lock lock(shared_->m);
    shared_->cv.wait(lock, [&] { return item.job->state.load() == Job::Done; });
  }
}

void ParallelX12Reader::feed(std::string_view chunk) {
  if (pool_ == nullptr) {
    main_.feed(chunk);
    return;
  }
  buf_.append(chunk);
  scan(false);
  hand_on(run_open_ ? run_start_ : scan_);
  compact();
}

void ParallelX12Reader::finish() {
  if (pool_ != nullptr) {
    scan(true);
    close_run();
    hand_on(buf_.size());
    while (!queue_.empty()) drain_front();
  }
  main_.finish();
}

// The ISA at scan_ (after blanks and junk, which go on as bytes): its delimiters. False when
// more bytes are needed.
bool ParallelX12Reader::scan_isa(bool final) {
  const std::size_t at = buf_.find("ISA", scan_);
  if (at == std::string::npos) {
    scan_ = buf_.size() > 2 && !final ? buf_.size() - 2 : buf_.size();
    return false;
  }
  scan_ = at;
  const std::string_view rest = std::string_view(buf_).substr(at);
  if (rest.size() < 4) return false;
  const char sep = rest[3];
  std::size_t q = 3;
  for (int i = 0; i < 15; ++i) {
    const std::size_t next = rest.find(sep, q + 1);
    if (next == std::string_view::npos || next > 400) {
      if (!final && rest.size() < 400) return false;
      scan_ = at + 3;  // not an ISA the reader takes: on as bytes
      return true;
    }
    q = next;
  }
  if (rest.size() < q + 3) {
    if (final) scan_ = buf_.size();
    return false;
  }
  term_ = rest[q + 2];
  sep_ = sep;
  if (term_ == sep_ || std::isalnum(static_cast<unsigned char>(term_)) || term_ == ' ' || sep_ == ' ' ||
      std::isalnum(static_cast<unsigned char>(sep_))) {
    term_ = sep_ = 0;
    scan_ = at + 3;
    return true;
  }
  isa_.assign(rest.substr(0, q + 3));
  isa_at_ = buf_at_ + at;
  in_gs_ = false;
  scan_ = at + q + 3;
  return true;
}

void ParallelX12Reader::scan(bool final) {
  while (scan_ < buf_.size()) {
    if (term_ == 0) {
      if (!scan_isa(final)) break;
      continue;
    }
    std::size_t s = scan_;
    while (s < buf_.size() && is_blank(buf_[s]) && buf_[s] != term_ && buf_[s] != sep_) ++s;
    const void* t = std::memchr(buf_.data() + s, term_, buf_.size() - s);
    if (t == nullptr) {
      if (run_open_ && in_set_ && buf_.size() - run_start_ > kMaxRunBytes) close_run();
      break;
    }
    const std::size_t end = static_cast<std::size_t>(static_cast<const char*>(t) - buf_.data());
    const std::string_view seg(buf_.data() + s, end - s);
    std::size_t id_len = 0;  // an id longer than 3 is none of those below
    while (id_len < 4 && id_len < seg.size() && seg[id_len] != sep_) ++id_len;
    const std::string_view id = seg.substr(0, id_len);
    if (id == "ISA") {  // a new interchange (its delimiters may differ)
      close_run();
      term_ = sep_ = 0;
      in_gs_ = false;
      scan_ = s;
      continue;
    }
    scan_ = end + 1;
    if (id == "ST") {
      if (in_set_) close_run();  // the set before has no SE
      if (!in_gs_) {
        close_run();
        continue;
      }
      ++sets_seen_;
      if (!run_open_) {
        run_open_ = true;
        run_start_ = s;
        run_sets_ = 0;
        run_base_ = sets_seen_ - 1;
      }
      in_set_ = true;
    } else if (id == "SE" && in_set_) {
      in_set_ = false;
      ++run_sets_;
      run_end_ = scan_;
      if (run_end_ - run_start_ >= pool_->run_bytes()) close_run();
    } else if (id == "GS") {
      close_run();
      gs_.assign(buf_, s, scan_ - s);
      gs_at_ = buf_at_ + s;
      in_gs_ = true;
    } else if (id == "IEA") {
      close_run();
      in_gs_ = false;
      term_ = sep_ = 0;  // the reader looks for the next ISA
    } else if (id == "GE" || !in_set_ || seg.size() > kMaxRunSegment ||
               (in_set_ && scan_ - run_start_ > kMaxRunBytes)) {
      close_run();
      if (id == "GE") in_gs_ = false;
    }
  }
}

// Ends the open run: its whole sets go to the pool, the rest on as bytes.
void ParallelX12Reader::close_run() {
  if (run_open_ && run_sets_ > 0) {
    hand_on(run_start_);
    hand_on_run();
  }
  run_open_ = in_set_ = false;
}

// Bytes up to `end` (an index into buf_) go on to be read here.
void ParallelX12Reader::hand_on(std::size_t end) {
  if (end <= handed_) return;
  const std::string_view bytes(buf_.data() + handed_, end - handed_);
  handed_ = end;
  if (queue_.empty())
    main_.feed(bytes);
  else
    queue_.push_back(Item{std::string(bytes), nullptr});
}

void ParallelX12Reader::hand_on_run() {
  auto job = std::make_shared<Job>();
  job->prefix = isa_ + gs_;
  if (!spare_.empty()) {  // a buffer of a run replayed before: no fresh pages to fault in
    job->bytes = std::move(spare_.back());
    spare_.pop_back();
  }
  job->bytes.assign(buf_, run_start_, run_end_ - run_start_);
  job->offset = buf_at_ + run_start_;
  job->isa_offset = isa_at_;
  job->gs_offset = gs_at_;
  job->sets_before = run_base_;
  job->sets = run_sets_;
  handed_ = run_end_;
  // The first run waits for a second one, so that an input of one run is read here with no
  // hand-over at all; from then on every run goes to the pool at once (an idle pool thread
  // would make this thread the bottleneck).
  queue_.push_back(Item{{}, std::move(job)});
  if (!first_run_) {
    for (auto& item : queue_)
      if (item.job && !item.job->submitted) {
        item.job->submitted = true;
        pool_->submit([sh = shared_, j = item.job] { j->try_run(*sh, true); });
      }
  }
  first_run_ = false;
  std::size_t jobs = 0;
  for (const auto& item : queue_) jobs += item.job ? 1 : 0;
  while (jobs > window_ && !queue_.empty()) {
    if (queue_.front().job) --jobs;
    drain_front();
  }
}

void ParallelX12Reader::drain_front() {
  Item item = std::move(queue_.front());
  queue_.pop_front();
  if (!item.job) {
    main_.feed(item.bytes);
    return;
  }
  Job& job = *item.job;
  if (!job.submitted) {
    main_.feed(job.bytes);
    return;
  }
  wait(job);
  replay(job);
  if (spare_.size() <= window_) spare_.push_back(std::move(job.bytes));
  // What a pool thread allocated is freed by a pool thread, first thing: this thread freeing it
  // would take the lock of that thread's malloc arena against it, claim after claim.
  if (job.on_pool) pool_->submit([j = std::move(item.job)] {}, true);
}

// Until the run is read: reads it here when no pool thread has started it, else helps with a
// later run, else waits.
void ParallelX12Reader::wait(Job& job) {
  while (job.state.load() != Job::Done) {
    if (job.try_run(*shared_, false)) return;
    bool helped = false;
    for (auto& item : queue_)
      if (item.job && item.job->submitted && item.job->try_run(*shared_, false)) {
        helped = true;
        break;
      }
    if (helped) continue;
    std::unique_lock lock(shared_->m);
    shared_->cv.wait(lock, [&] { return job.state.load() == Job::Done; });
  }
}

void ParallelX12Reader::replay(Job& job) {
  x12::Reader& r = main_.reader();
  bool ok = job.ok && r.between_sets() && r.bytes_seen() == job.offset && r.sets_read() == job.sets_before &&
            r.envelope().isa_offset == job.isa_offset && r.envelope().gs_offset == job.gs_offset;
  for (std::size_t i = 0; ok && i < job.run.st02.size(); ++i) ok = !r.st02_used(job.run.st02[i]);
  if (!ok) {
    main_.feed(job.bytes);  // read here, as without the split
    return;
  }
  for (auto& e : job.events) {
    if (auto* cv = std::get_if<ClaimVerdict>(&e)) {
      // A copy, made and later freed on this thread (its malloc cache recycles the same blocks),
      // when the original is the pool thread's to free (drain_front).
      on_verdict_(job.on_pool ? ClaimVerdict(*cv) : std::move(*cv));
      continue;
    }
    Other& other = *std::get<std::unique_ptr<Other>>(e);
    if (auto* o = std::get_if<ClaimOutcome>(&other)) {
      on_outcome_(std::move(*o));
    } else if (auto* f = std::get_if<rules::Finding>(&other)) {
      on_error_(std::move(*f));
    } else if (auto* s = std::get_if<SyntaxSeen>(&other)) {
      on_syntax_(s->error);
    } else if (auto* ts = std::get_if<TransactionStart>(&other)) {
      observer_->on_transaction(ts->env, ts->type);
    } else if (auto* te = std::get_if<TransactionEnd>(&other)) {
      observer_->on_transaction_end(te->env, te->result);
    } else if (auto* oe = std::get_if<ObserverError>(&other)) {
      observer_->on_error(oe->error);
    }
  }
  r.skip_sets(job.run);
  main_.add_counts(job.claims, job.errors);
  ++replayed_;
}

// Drops the bytes handed on from the front of buf_ (not on every feed: a run waiting for its
// end would be moved again and again).
void ParallelX12Reader::compact() {
  if (handed_ == 0 || handed_ < buf_.size() / 2) return;
  buf_.erase(0, handed_);
  buf_at_ += handed_;
  scan_ -= handed_;
  if (run_open_) {
    run_start_ -= handed_;
    run_end_ = run_end_ >= handed_ ? run_end_ - handed_ : 0;
  }
  handed_ = 0;
}

}  // namespace cg::transforms
