// The pseudonymised index: "partner P holds information on subject S"
// (proto/riec/v1/index.proto; key layout in docs/storage.md).
//
// Thread-safety: safe for concurrent use. Two concurrent calls of the same
// partner on the same entry are applied in some order, each atomically.
#ifndef RIEC_BROKER_CORE_INDEX_H_
#define RIEC_BROKER_CORE_INDEX_H_

#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "broker/core/env.h"
#include "riec/v1/index.pb.h"

namespace riec::core {

// One valid entry on a subject.
struct Holding {
  std::string holder;    // partner id
  std::string category;  // may be empty
};

class Index {
 public:
  explicit Index(const Env& env) : env_(env) {}

  absl::StatusOr<v1::PublishResponse> Publish(const Call& call,
                                              const v1::PublishRequest& request);
  absl::StatusOr<v1::WithdrawResponse> Withdraw(const Call& call,
                                                const v1::WithdrawRequest& request);
  absl::StatusOr<v1::IndexStatistics> Statistics(const Call& call);

  // Every entry on `subject` whose validity has not ended at `now`, in key
  // order (by holder, then category). One prefix seek.
  absl::StatusOr<std::vector<Holding>> Lookup(const v1::Subject& subject,
                                              absl::Time now) const;

 private:
  Env env_;
};

}  // namespace riec::core

#endif  // RIEC_BROKER_CORE_INDEX_H_
