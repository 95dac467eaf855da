// Who is calling and what they may do: API keys and client-certificate names mapped to senders
// and admins (ServerConfig::senders / admins), the sender's bindings (X12 submitter ids, payer
// ids), and per-sender rate limits and daily claim quotas.
//
// Keys are held only as SHA-256 digests and looked up by digest, so the lookup time does not
// depend on how much of a guessed key is right.
//
// Thread safety: Authenticator is immutable after construction; RateLimiter takes a mutex.
#pragma once

#include "engine/config.hpp"
#include "engine/pipeline.hpp"

#include <chrono>
#include <cstdint>
#include <map>
#include <mutex>
#include <string>
#include <string_view>
#include <vector>

namespace cg::engine {

[[nodiscard]] std::string hex(const unsigned char* bytes, std::size_t n);  // lowercase
[[nodiscard]] std::string sha256_hex(std::string_view data);
[[nodiscard]] std::string hmac_sha256_hex(std::string_view key, std::string_view data);

// Incremental SHA-256 (request bodies as they stream in).
class Sha256 {
 public:
  Sha256();
  ~Sha256();
  Sha256(const Sha256&) = delete;
  Sha256& operator=(const Sha256&) = delete;
  void update(std::string_view data);
  [[nodiscard]] std::string hex();  // once

 private:
  void* ctx_;
};

// The password of an "Authorization: Basic base64(user:password)" value (the user name is
// ignored), empty when the value is not Basic or not decodable. Admins may present their API
// key this way, so that a browser can open the operations console (docs/security.md).
[[nodiscard]] std::string basic_password(std::string_view authorization);

struct Principal {
  enum class Kind { Anonymous, Sender, Admin } kind = Kind::Anonymous;
  std::string id;                       // sender or admin id; "anonymous" / X-Claimgate-Sender without auth
  std::string method;                   // api_key | client_cert | header | none
  const SenderConfig* sender = nullptr;  // the bindings and limits of a sender
};

class Authenticator {
 public:
  explicit Authenticator(const ServerConfig& config);

  enum class Result { Ok, Missing, Unknown };
  struct Outcome {
    Result result = Result::Missing;
    Principal who;
  };
  // api_key: as presented (empty: none); cert_cn: the subject CN of a client certificate that
  // the TLS layer verified against tls.client_ca_file (empty: none). A key wins over a
  // certificate when both are presented.
  [[nodiscard]] Outcome identify(std::string_view api_key, std::string_view cert_cn) const;

 private:
  std::map<std::string, Principal, std::less<>> by_key_digest_;
  std::map<std::string, Principal, std::less<>> by_cert_cn_;
};

// The reason a sender may not submit what the pipeline found (empty: allowed). X12: every
// claim's ISA06, GS02 and NM1*41 NM109 must be among submitter_ids; every forward item's payer
// id among payers (each list empty = anything).
[[nodiscard]] std::string binding_violation(const SenderConfig& sender, const std::vector<transforms::ClaimOutcome>& outcomes,
                                            const std::vector<ForwardItem>& forward);

// Token bucket of requests per sender, and claims per UTC day.
class RateLimiter {
 public:
  // 0: allowed (one token taken); otherwise the seconds until a token is there.
  [[nodiscard]] std::uint32_t take_request(const SenderConfig& sender, std::chrono::steady_clock::time_point now);
  // 0: the day's quota has room for `claims` more (counted); otherwise the seconds until the next
  // UTC day. claims = 0 asks whether anything is left.
  [[nodiscard]] std::uint32_t take_claims(const SenderConfig& sender, std::uint64_t claims, std::int64_t unix_seconds);

 private:
  struct State {
    double tokens = -1;
    std::chrono::steady_clock::time_point refilled;
    std::int64_t day = -1;
    std::uint64_t claims = 0;
  };
  std::mutex mutex_;
  std::map<std::string, State, std::less<>> states_;
};

}  // namespace cg::engine
