// Repeated keys in JSON objects. RapidJSON keeps every member of an object, also two with the
// same name, and lookups find the first: a configuration file or rule pack that gives a key twice
// would be read one way while its author meant the other. Both are refused, naming the key.
//
// Thread safety: pure function.
#pragma once

#include <rapidjson/document.h>

#include <string>

namespace cg::rules {

// The path of the first key some object in `v` gives twice, in document order: "limits.threads",
// "senders[1].api_key", "rules[0].params.codes"; "" when no key is repeated. `prefix` goes first
// ("" at the top level). Keys starting with '_' (comments) may repeat.
[[nodiscard]] std::string repeated_key_path(const rapidjson::Value& v, const std::string& prefix = "");

}  // namespace cg::rules
