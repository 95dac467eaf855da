// The dead-letter folder: spool entries the forwarder gave up on (N failed attempts, or an
// answer that retrying cannot change), each as two files named by its idempotency key:
//   <key>.body  the payload exactly as it would have been sent
//   <key>.json  {"key","seq","payer_id","content_type","sender","claim_ids","target",
//                "attempts","reason","accepted_ms","dead_ms"}
// Both are written to a temporary name, fsynced and renamed (.json last: its presence marks a
// complete dead letter). Replay appends the entry back to the spool under the same key and
// deletes the files once the spool has fsynced it.
#pragma once

#include "engine/delivery/spool.hpp"

#include <string>
#include <string_view>
#include <vector>

namespace cg::engine {

// Writes dir/name durably (temp name, fsync, rename, fsync of the directory). Creates dir.
[[nodiscard]] bool write_file_durable(const std::string& dir, const std::string& name, std::string_view content,
                                      std::string& error);

// Writes several files into dir as one batch: each to a temporary name and fdatasynced, then
// the renames and one fsync of the directory. On failure no file was renamed
// unless the error names a rename.
[[nodiscard]] bool write_files_durable(const std::string& dir,
                                       const std::vector<std::pair<std::string, std::string_view>>& files,
                                       std::string& error);

struct DeadLetter {
  std::string key;
  std::uint64_t seq = 0;
  std::string payer_id, content_type, sender, target, reason;
  std::vector<std::string> claim_ids;
  std::uint32_t attempts = 0;
  std::uint64_t accepted_ms = 0, dead_ms = 0;
  std::uint64_t body_bytes = 0;
};

[[nodiscard]] bool write_dead_letter(const std::string& dir, const SpoolEntry& entry, const std::string& target,
                                     const std::string& reason, std::string& error);
// Sorted by dead_ms. Unreadable metadata files are skipped (and named in `error`).
[[nodiscard]] std::vector<DeadLetter> list_dead_letters(const std::string& dir, std::string& error);
// How many dead letters the folder holds now (their metadata files; nothing is parsed).
[[nodiscard]] std::size_t count_dead_letters(const std::string& dir);
// The dead letter with this key; false when there is none (or the key is no file name).
[[nodiscard]] bool find_dead_letter(const std::string& dir, const std::string& key, DeadLetter& out);
// Replays one dead letter (key) or all (key empty). Returns how many went back to the spool.
[[nodiscard]] std::size_t replay_dead_letters(const std::string& dir, Spool& spool, const std::string& key,
                                              std::string& error);
[[nodiscard]] std::string dead_letters_json(const std::vector<DeadLetter>& letters);

}  // namespace cg::engine
