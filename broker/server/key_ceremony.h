// The key ceremony of threshold pseudonyms (docs/pseudonyms.md §5):
// `riec-broker pseudonymiser keygen`.
//
// Thread-safety: a function for one process at a time.
#ifndef RIEC_BROKER_SERVER_KEY_CEREMONY_H_
#define RIEC_BROKER_SERVER_KEY_CEREMONY_H_

#include <cstdint>
#include <ostream>
#include <string>

namespace riec::server {

// Splits a fresh OPRF key (or the one in `from_key_dir`) into `shares`
// shares of which `threshold` recover it; writes `out`/share-<i>/ (a key
// directory each) and `out`/public.yaml; prints what each operator gets.
// Returns the process exit code (0, or 1 with the reason on stderr).
int SplitOprfKey(uint32_t threshold, uint32_t shares, const std::string& out, const std::string& from_key_dir,
                 std::ostream& report);

}  // namespace riec::server

#endif  // RIEC_BROKER_SERVER_KEY_CEREMONY_H_
