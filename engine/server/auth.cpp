#include "engine/server/auth.hpp"

#include <openssl/evp.h>
#include <openssl/hmac.h>

#include <algorithm>
#include <cctype>
#include <cmath>

namespace cg::engine {

std::string hex(const unsigned char* p, std::size_t n) {
  static constexpr char kDigits[] = "0123456789abcdef";
  std::string out(n * 2, '0');
  for (std::size_t i = 0; i < n; ++i) {
    out[2 * i] = kDigits[p[i] >> 4];
    out[2 * i + 1] = kDigits[p[i] & 15];
  }
  return out;
}

namespace {

bool listed(const std::vector<std::string>& list, std::string_view value) {
  return list.empty() || std::find(list.begin(), list.end(), value) != list.end();
}

}  // namespace

std::string sha256_hex(std::string_view data) {
  unsigned char md[EVP_MAX_MD_SIZE];
  unsigned int n = 0;
  EVP_Digest(data.data(), data.size(), md, &n, EVP_sha256(), nullptr);
  return hex(md, n);
}

std::string hmac_sha256_hex(std::string_view key, std::string_view data) {
  unsigned char md[EVP_MAX_MD_SIZE];
  unsigned int n = 0;
  HMAC(EVP_sha256(), key.data(), static_cast<int>(key.size()), reinterpret_cast<const unsigned char*>(data.data()),
       data.size(), md, &n);
  return hex(md, n);
}

Sha256::Sha256() : ctx_(EVP_MD_CTX_new()) { EVP_DigestInit_ex(static_cast<EVP_MD_CTX*>(ctx_), EVP_sha256(), nullptr); }
Sha256::~Sha256() { EVP_MD_CTX_free(static_cast<EVP_MD_CTX*>(ctx_)); }
void Sha256::update(std::string_view data) { EVP_DigestUpdate(static_cast<EVP_MD_CTX*>(ctx_), data.data(), data.size()); }
std::string Sha256::hex() {
  unsigned char md[EVP_MAX_MD_SIZE];
  unsigned int n = 0;
  EVP_DigestFinal_ex(static_cast<EVP_MD_CTX*>(ctx_), md, &n);
  return engine::hex(md, n);
}

Authenticator::Authenticator(const ServerConfig& config) {
  const auto add = [this](const Credential& c, Principal p) {
    if (!c.api_key.empty()) by_key_digest_[sha256_hex(c.api_key)] = p;
    if (!c.api_key_sha256.empty()) by_key_digest_[c.api_key_sha256] = p;
    if (!c.client_cert_cn.empty()) by_cert_cn_[c.client_cert_cn] = p;
  };
  for (const auto& s : config.senders) add(s.credential, Principal{Principal::Kind::Sender, s.id, {}, &s});
  for (const auto& a : config.admins) add(a.credential, Principal{Principal::Kind::Admin, a.id, {}, nullptr});
}

std::string basic_password(std::string_view authorization) {
  constexpr std::string_view kBasic = "basic ";
  if (authorization.size() <= kBasic.size() || authorization.size() > 4096) return {};
  for (std::size_t i = 0; i < kBasic.size(); ++i)
    if (std::tolower(static_cast<unsigned char>(authorization[i])) != kBasic[i]) return {};
  std::string_view b64 = authorization.substr(kBasic.size());
  while (!b64.empty() && b64.front() == ' ') b64.remove_prefix(1);
  while (!b64.empty() && b64.back() == ' ') b64.remove_suffix(1);
  if (b64.empty() || b64.size() % 4 != 0) return {};
  std::string out(b64.size() / 4 * 3, '\0');
  const int n = EVP_DecodeBlock(reinterpret_cast<unsigned char*>(out.data()), reinterpret_cast<const unsigned char*>(b64.data()),
                                static_cast<int>(b64.size()));
  if (n < 0) return {};
  std::size_t len = static_cast<std::size_t>(n);
  // EVP_DecodeBlock counts the padding as zero bytes.
  for (std::size_t i = b64.size(); i > 0 && b64[i - 1] == '='; --i) --len;
  out.resize(len);
  const auto colon = out.find(':');
  if (colon == std::string::npos) return {};
  return out.substr(colon + 1);
}

Authenticator::Outcome Authenticator::identify(std::string_view api_key, std::string_view cert_cn) const {
  Outcome o;
  if (api_key.empty() && cert_cn.empty()) return o;
  const bool by_key = !api_key.empty();
  const auto& table = by_key ? by_key_digest_ : by_cert_cn_;
  const std::string digest = by_key ? sha256_hex(api_key) : std::string();
  const auto it = table.find(by_key ? std::string_view(digest) : cert_cn);
  if (it == table.end()) {
    o.result = Result::Unknown;
    return o;
  }
  o.result = Result::Ok;
  o.who = it->second;
  o.who.method = by_key ? "api_key" : "client_cert";
  return o;
}

std::string binding_violation(const SenderConfig& sender, const std::vector<transforms::ClaimOutcome>& outcomes,
                              const std::vector<ForwardItem>& forward) {
  if (!sender.submitter_ids.empty()) {
    for (const auto& o : outcomes) {
      const auto& x = o.claim.x12;
      if (x.isa13.empty()) continue;  // not X12
      const std::pair<const char*, const std::string*> ids[] = {
          {"ISA06", &x.sender_id}, {"GS02", &x.gs02}, {"NM1*41 NM109", &x.submitter_id}};
      for (const auto& [what, value] : ids) {
        if (!listed(sender.submitter_ids, *value)) {
          return std::string("sender '") + sender.id + "' may not submit as " + what + " '" + *value +
                 "' (interchange " + x.isa13 + "); its submitter ids are configured in senders[].submitter_ids";
        }
      }
    }
  }
  for (const auto& f : forward) {
    if (!listed(sender.payers, f.payer_id)) {
      return "sender '" + sender.id + "' may not route claims to payer '" + f.payer_id +
             "'; its payers are configured in senders[].payers";
    }
  }
  return {};
}

std::uint32_t RateLimiter::take_request(const SenderConfig& sender, std::chrono::steady_clock::time_point now) {
  if (sender.rate_per_s == 0) return 0;
  const double rate = sender.rate_per_s;
  const double burst = sender.burst ? sender.burst : std::max(1.0, rate);
  std::lock_guard lock(mutex_);
  State& s = states_[sender.id];
  if (s.tokens < 0) {
    s.tokens = burst;
    s.refilled = now;
  }
  s.tokens = std::min(burst, s.tokens + std::chrono::duration<double>(now - s.refilled).count() * rate);
  s.refilled = now;
  if (s.tokens >= 1) {
    s.tokens -= 1;
    return 0;
  }
  return static_cast<std::uint32_t>(std::ceil((1 - s.tokens) / rate));
}

std::uint32_t RateLimiter::take_claims(const SenderConfig& sender, std::uint64_t claims, std::int64_t unix_seconds) {
  if (sender.claims_per_day == 0) return 0;
  const std::int64_t day = unix_seconds / 86'400;
  std::lock_guard lock(mutex_);
  State& s = states_[sender.id];
  if (s.day != day) {
    s.day = day;
    s.claims = 0;
  }
  const bool room = claims == 0 ? s.claims < sender.claims_per_day : s.claims + claims <= sender.claims_per_day;
  if (!room) return static_cast<std::uint32_t>((day + 1) * 86'400 - unix_seconds);
  s.claims += claims;
  return 0;
}

}  // namespace cg::engine
