// X12 837 on every core: the input is cut at transaction-set boundaries and runs of whole sets
// are parsed, mapped and validated on the threads of a WorkPool while this thread reads the
// envelopes; everything comes out on the calling thread in input order, exactly as one
// X12ClaimReader with the same callbacks would hand it over (the claims' outcomes, input errors,
// syntax errors, observer events): the same bytes, counts and control numbers downstream.
//
// How: a boundary pre-scan (the ISA's delimiters, then segment ids only) gathers runs of whole
// transaction sets (ST..SE) of one functional group, about WorkPool::run_bytes each. The newest
// run waits; once a later one exists it goes to the pool, where a second X12ClaimReader reads
// the ISA and GS of its group, resumes at the run's stream offset and set ordinal
// (x12::Reader::resume_at) and records what it hands over. In order, this thread checks that
// its own reader stands at that very place (between sets of the same group, same offset, same
// set count, no ST02 reused across runs) and that the run read cleanly (no envelope events or
// errors inside), replays the recording and skips the run (x12::Reader::skip_sets); otherwise
// it reads the run itself. Input the pre-scan does not follow (junk, truncation, sets without
// SE, giant sets or segments) is read here as bytes, as before. Memory: at most pool threads + 2
// runs in flight (each at most kMaxRunBytes of input), with the outcomes of their claims (with a
// VerdictSink: ClaimVerdicts of about 100 bytes, the claims destroyed on the thread that built
// them), and as many replayed runs whose memory waits to be freed by a pool thread (first thing).
//
// CPU: only small results cross threads. A run read on a pool thread is freed by a pool thread
// (else this thread would take that thread's malloc arena lock claim after claim: futex storms),
// its ClaimVerdicts are copied here (this thread's malloc cache recycles the copies), its input
// buffer is reused for the next run (no fresh pages to fault in).
//
// The observer (X12ReadOptions::observer) sees every event but on_segment for runs read on the
// pool. Thread safety: one reader belongs to one thread at a time; `evaluate` runs on pool
// threads and must be safe to call concurrently.
#pragma once

#include "transforms/x12_claims.hpp"
#include "transforms/x12_out.hpp"

#include <condition_variable>
#include <deque>
#include <functional>
#include <memory>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

namespace cg::transforms {

// Threads running the runs of any number of ParallelX12Readers (the CLI: one pool per run, the
// server: one per process). A reader's own thread works on runs too: `threads` = jobs - 1.
class WorkPool {
 public:
  // run_bytes: a run of transaction sets is handed on once this long (tests: 1, every set).
  explicit WorkPool(unsigned threads, std::size_t run_bytes = std::size_t{1} << 20);
  ~WorkPool();
  WorkPool(const WorkPool&) = delete;
  WorkPool& operator=(const WorkPool&) = delete;

  // first: before the tasks waiting (freeing memory), else after them.
  void submit(std::function<void()> task, bool first = false);
  [[nodiscard]] unsigned threads() const { return static_cast<unsigned>(threads_.size()); }
  [[nodiscard]] std::size_t run_bytes() const { return run_bytes_; }

  // The CPUs this process may run on (its affinity mask, e.g. under taskset), at least 1.
  [[nodiscard]] static unsigned available_cpus();

 private:
  std::mutex m_;
  std::condition_variable cv_;
  std::deque<std::function<void()>> tasks_;
  bool stop_ = false;
  std::size_t run_bytes_;
  std::vector<std::thread> threads_;
};

using ClaimEvaluator = std::function<rules::Verdict(const rules::Claim&, rules::Findings&&)>;
// Where each judged claim goes, on the reader's thread in input order: the whole claim with its
// verdict (answers need it), or only its ClaimVerdict (a report): then the claim is destroyed
// on the thread that built and judged it, and a run's recording holds ClaimVerdicts only.
using OutcomeSink = std::function<void(ClaimOutcome&&)>;
using VerdictSink = std::function<void(ClaimVerdict&&)>;

class ParallelX12Reader {
 public:
  static constexpr std::size_t kMaxRunBytes = 16u << 20;   // a longer set is read here
  static constexpr std::size_t kMaxRunSegment = 64u << 10; // a longer segment is read here

  // pool null (or without threads): one thread, exactly an X12ClaimReader whose claims are
  // evaluated and handed to on_outcome (or on_verdict: exactly one of the two is set). The
  // observer and callbacks are used on this thread only.
  ParallelX12Reader(std::string_view source_name, const InputLimits& limits, ClaimEvaluator evaluate,
                    OutcomeSink on_outcome, VerdictSink on_verdict, ErrorCallback on_error,
                    SyntaxErrorCallback on_syntax, X12ReadOptions options, WorkPool* pool);
  ~ParallelX12Reader();
  ParallelX12Reader(const ParallelX12Reader&) = delete;
  ParallelX12Reader& operator=(const ParallelX12Reader&) = delete;

  void feed(std::string_view chunk);
  void finish();

  [[nodiscard]] std::size_t claims() const { return main_.claims(); }
  [[nodiscard]] std::size_t errors() const { return main_.errors(); }
  [[nodiscard]] std::uint32_t interchanges() const { return main_.interchanges(); }
  // Runs read on the pool and replayed (for tests: the split happened).
  [[nodiscard]] std::size_t runs_replayed() const { return replayed_; }

 private:
  struct Job;
  struct Shared;
  struct Item {
    std::string bytes;         // read here, or
    std::shared_ptr<Job> job;  // a run
  };

  void scan(bool final);
  bool scan_isa(bool final);
  void close_run();
  void hand_on(std::size_t end);
  void hand_on_run();
  void drain_front();
  void wait(Job& job);
  void replay(Job& job);
  void compact();

  std::shared_ptr<Shared> shared_;
  OutcomeSink on_outcome_;
  VerdictSink on_verdict_;
  ErrorCallback on_error_;
  SyntaxErrorCallback on_syntax_;
  x12::Handler* observer_ = nullptr;
  X12ClaimReader main_;
  WorkPool* pool_;
  std::size_t window_;
  std::size_t replayed_ = 0;

  // Pre-scan: buf_ holds the bytes from stream offset buf_at_ not yet handed on (before
  // handed_ they are); scan_ is where the next segment starts.
  std::string buf_;
  std::uint64_t buf_at_ = 0;
  std::size_t handed_ = 0, scan_ = 0;
  char term_ = 0, sep_ = 0;  // 0: looking for an ISA
  bool in_gs_ = false;
  std::string isa_, gs_;     // the segments (with terminator) of the open interchange and group
  std::uint64_t isa_at_ = 0, gs_at_ = 0;
  std::uint32_t sets_seen_ = 0;  // STs inside groups so far
  bool run_open_ = false, in_set_ = false;
  std::size_t run_start_ = 0, run_end_ = 0;
  std::uint32_t run_sets_ = 0, run_base_ = 0;

  std::deque<Item> queue_;  // handed on, not yet read here; in input order
  std::vector<std::string> spare_;  // the byte buffers of runs replayed, for the next runs
  bool first_run_ = true;
};

}  // namespace cg::transforms
