#include "common/grpc_status.h"

#include <gtest/gtest.h>

namespace attune {
namespace {

TEST(GrpcStatus, CodeAndMessageCrossUnchanged) {
  const absl::Status s = absl::FailedPreconditionError("the vault is locked");
  const grpc::Status g = ToGrpc(s);
  EXPECT_EQ(g.error_code(), grpc::StatusCode::FAILED_PRECONDITION);
  EXPECT_EQ(g.error_message(), "the vault is locked");
  EXPECT_EQ(FromGrpc(g), s);
  EXPECT_TRUE(ToGrpc(absl::OkStatus()).ok());
  EXPECT_TRUE(FromGrpc(grpc::Status::OK).ok());
}

}  // namespace
}  // namespace attune
