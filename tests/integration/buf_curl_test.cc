// The README's way of exploring the API: buf curl over attuned's Unix
// socket, with server reflection (no .proto files at hand): it lists the
// services, calls VaultService/GetStatus, and sends JSON to a List call.
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <string>

#include "api_helpers.h"
#include "daemon_harness.h"
#include "tests/support/shell_command.h"

namespace attune::testing {
namespace {

using ::testing::AllOf;
using ::testing::HasSubstr;

class BufCurlTest : public ::testing::Test {
 protected:
  void SetUp() override {
    ASSERT_TRUE(d_.Start({"--peer-listen", ""}));
    ASSERT_OK(d_.InitVault("a passphrase for buf curl"));
  }
  // buf curl over the socket, as the README shows it.
  CommandOutput Curl(const std::string& args) {
    return RunShellCommand(std::string(ATTUNE_BUF_PATH) +
                           " curl --protocol grpc --http2-prior-knowledge --unix-socket '" +
                           d_.socket_path() + "' " + args + " 2>&1");
  }
  DaemonHarness d_;
};

TEST_F(BufCurlTest, ListsTheServicesAndCallsThemWithJson) {
  CommandOutput services = Curl("--list-services http://localhost");
  EXPECT_EQ(services.exit_status, 0) << services.text;
  EXPECT_THAT(services.text,
              AllOf(HasSubstr("attune.v1.VaultService"), HasSubstr("attune.v1.CheckInService"),
                    HasSubstr("attune.v1.EventService")));

  CommandOutput status = Curl("http://localhost/attune.v1.VaultService/GetStatus");
  EXPECT_EQ(status.exit_status, 0) << status.text;
  EXPECT_THAT(status.text, AllOf(HasSubstr("\"state\": \"STATE_UNLOCKED\""),
                                 HasSubstr("\"displayName\": \"Integration Test\"")));

  v1::CreateCheckInRequest request;
  request.mutable_check_in()->set_high("asked through buf curl");
  request.mutable_check_in()->set_low("none");
  request.mutable_check_in()->set_connection_rating(5);
  v1::CheckIn made;
  ASSERT_OK(d_.checkins().CreateCheckIn(DaemonHarness::Context().get(), request, &made));
  CommandOutput listed = Curl("-d '{\"startDay\": \"" + made.day() +
                              "\"}' http://localhost/attune.v1.CheckInService/ListCheckIns");
  EXPECT_EQ(listed.exit_status, 0) << listed.text;
  EXPECT_THAT(listed.text, HasSubstr("asked through buf curl"));

  // A mistake comes back as the daemon's own error, with its code.
  CommandOutput wrong =
      Curl("-d '{\"pageSize\": 5000}' http://localhost/attune.v1.CheckInService/ListCheckIns");
  EXPECT_NE(wrong.exit_status, 0);
  EXPECT_THAT(wrong.text, AllOf(HasSubstr("invalid_argument"), HasSubstr("page_size")));
}

}  // namespace
}  // namespace attune::testing
