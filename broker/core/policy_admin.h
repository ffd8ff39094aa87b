// Versioned reload of the convenant policy (docs/operations.md).
//
// A valid file replaces the policy in force atomically, after the reload's
// log record is durable: calls that started before keep the version they
// took, later calls decide under the new one. An invalid file, or one for
// another convenant, is refused with every problem listed and the old
// version stays in force; the refusal is logged too.
//
// Thread-safety: reloads are serialised; Info may be called at any time.
// Ownership: the PolicySource is not owned.
#ifndef RIEC_BROKER_CORE_POLICY_ADMIN_H_
#define RIEC_BROKER_CORE_POLICY_ADMIN_H_

#include <string>

#include "absl/status/statusor.h"
#include "absl/synchronization/mutex.h"
#include "core/pipeline.h"
#include "riec/v1/operations.pb.h"

namespace riec::core {

class PolicyAdmin {
 public:
  PolicyAdmin(const Env& env, PolicySource* source, std::string path)
      : env_(env), source_(source), path_(std::move(path)) {}

  // Re-reads the policy file. Errors: FAILED_PRECONDITION (invalid file,
  // other convenant, unreadable), logged.
  absl::StatusOr<v1::ReloadPolicyResponse> Reload(RequestContext& ctx,
                                                  const v1::ReloadPolicyRequest& request);

  // The policy in force (GetPolicy: every identity the convenant knows).
  absl::StatusOr<v1::PolicyInfo> Info(RequestContext& ctx, const v1::GetPolicyRequest& request) const;
  v1::PolicyInfo Info() const;

 private:
  Env env_;
  PolicySource* source_;
  const std::string path_;
  absl::Mutex mu_;
};

}  // namespace riec::core

#endif  // RIEC_BROKER_CORE_POLICY_ADMIN_H_
