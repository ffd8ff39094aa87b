// The contract in proto/ bounds every request: each string, bytes and
// repeated field of every message a client sends declares its limits
// (riec.v1.limits), so that no field is unbounded by oversight.
#include "google/protobuf/descriptor.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "riec/common/request_limits.h"
#include "riec/v1/audit.grpc.pb.h"
#include "riec/v1/cases.grpc.pb.h"
#include "riec/v1/content.grpc.pb.h"
#include "riec/v1/events.grpc.pb.h"
#include "riec/v1/index.grpc.pb.h"
#include "riec/v1/inquiry.grpc.pb.h"
#include "riec/v1/local.grpc.pb.h"
#include "riec/v1/operations.grpc.pb.h"
#include "riec/v1/pseudonymiser.grpc.pb.h"
#include "riec/v1/signals.grpc.pb.h"
#include "riec/v1/transparency.grpc.pb.h"

namespace riec {
namespace {

TEST(ContractTest, EveryRequestFieldDeclaresItsLimits) {
  // One message of each file with a service (which also links its
  // descriptors in).
  int methods = 0;
  for (const google::protobuf::FileDescriptor* file :
       {v1::EvaluateRequest::descriptor()->file(), v1::PublishRequest::descriptor()->file(),
        v1::RegisterSignalRequest::descriptor()->file(), v1::CheckSubjectsRequest::descriptor()->file(),
        v1::ListEventsRequest::descriptor()->file(), v1::GetPolicyRequest::descriptor()->file(),
        v1::GetRecordsRequest::descriptor()->file(), v1::ListRecordsRequest::descriptor()->file(),
        v1::ProposeCaseRequest::descriptor()->file(), v1::FetchContentRequest::descriptor()->file(),
        v1::BackupRequest::descriptor()->file()}) {
    ASSERT_EQ(file->service_count(), 1) << file->name();
    const auto* service = file->service(0);
    for (int i = 0; i < service->method_count(); ++i) {
      const auto* m = service->method(i);
      ++methods;
      EXPECT_THAT(FieldsWithoutLimits(m->input_type()), ::testing::IsEmpty()) << m->full_name();
    }
  }
  EXPECT_GE(methods, 40);
}

}  // namespace
}  // namespace riec
