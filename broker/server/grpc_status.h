// The one conversion from absl::Status to grpc::Status (STYLE.md rule 4).
//
// Thread-safety: pure function.
#ifndef RIEC_BROKER_SERVER_GRPC_STATUS_H_
#define RIEC_BROKER_SERVER_GRPC_STATUS_H_

#include <grpcpp/support/status.h>

#include "absl/status/status.h"

namespace riec::server {

// Same code (the numeric values of absl and gRPC codes agree), same message.
grpc::Status ToGrpcStatus(const absl::Status& s);

}  // namespace riec::server

#endif  // RIEC_BROKER_SERVER_GRPC_STATUS_H_
