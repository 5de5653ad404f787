#include "daemon/plugins/handshake.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

namespace attune {
namespace {

using ::testing::HasSubstr;

TEST(HandshakeTest, RoundTrips) {
  std::string line = FormatHandshake(1, "/run/x/p.abc/plugin.sock");
  EXPECT_EQ(line, "1|1|unix|/run/x/p.abc/plugin.sock|grpc");
  auto h = ParseHandshake(line);
  ASSERT_TRUE(h.ok()) << h.status();
  EXPECT_EQ(h->protocol_version, 1);
  EXPECT_EQ(h->address, "/run/x/p.abc/plugin.sock");
  EXPECT_TRUE(CheckHandshake(*h, "/run/x/p.abc").ok());
}

TEST(HandshakeTest, RefusesGarbage) {
  for (const char* line : {"", "hello", "1|1|unix|/a", "x|1|unix|/a/b|grpc", "1|y|unix|/a/b|grpc",
                           "1|1|unix|/a/b|grpc|extra"}) {
    auto h = ParseHandshake(line);
    EXPECT_TRUE(absl::IsInvalidArgument(h.status())) << line;
  }
  EXPECT_THAT(ParseHandshake("hello\x01").status().message(), HasSubstr("hello\\x01"));
  EXPECT_FALSE(ParseHandshake(std::string(2000, '1')).ok());
}

TEST(HandshakeTest, ChecksVersionNetworkPlaceAndProtocol) {
  const std::string dir = "/run/x/p.abc";
  auto check = [&](const std::string& line) {
    auto h = ParseHandshake(line);
    EXPECT_TRUE(h.ok()) << line;
    return CheckHandshake(*h, dir);
  };
  EXPECT_TRUE(absl::IsFailedPrecondition(check("2|1|unix|/run/x/p.abc/s|grpc")));
  absl::Status version = check("1|99|unix|/run/x/p.abc/s|grpc");
  EXPECT_TRUE(absl::IsFailedPrecondition(version));
  EXPECT_THAT(version.message(), HasSubstr("99"));
  EXPECT_THAT(check("1|1|tcp|127.0.0.1:80|grpc").message(), HasSubstr("unix"));
  // The socket must be directly inside the private folder.
  EXPECT_FALSE(check("1|1|unix|/run/x/other/s|grpc").ok());
  EXPECT_FALSE(check("1|1|unix|/run/x/p.abc/../../s|grpc").ok());
  EXPECT_FALSE(check("1|1|unix|/run/x/p.abcd/s|grpc").ok());
  EXPECT_THAT(check("1|1|unix|/run/x/p.abc/s|netrpc").message(), HasSubstr("grpc"));
}

TEST(HandshakeTest, ExcerptIsShortAndPrintable) {
  std::string e = Excerpt(std::string(100, 'a') + "\n");
  EXPECT_LE(e.size(), 90u);
  EXPECT_EQ(Excerpt("a\tb"), "a\\x09b");
}

// Untrusted output ends up in proto3 strings (a plugin's last error, an
// event's reason), which must be valid UTF-8, and in front of people's
// terminals: a character is never cut, and what is not a printable
// character is escaped.
TEST(HandshakeTest, ExcerptIsValidUtf8AndEscapesWhatCouldDriveATerminal) {
  // "é" (2 bytes) straddling the 80th character: kept whole or left out.
  std::string cut = Excerpt(std::string(79, 'a') +
                            "\xc3\xa9"
                            "b");
  EXPECT_EQ(cut, std::string(79, 'a') + "\xc3\xa9…");
  EXPECT_EQ(Excerpt("caf\xc3\xa9 \xe2\x9c\x93 \xf0\x9f\x99\x82"),
            "caf\xc3\xa9 \xe2\x9c\x93 \xf0\x9f\x99\x82");
  // C1 controls (CSI as U+009B, and the raw byte 0x9b), a lone continuation
  // byte, a truncated sequence, an overlong '/', a surrogate.
  EXPECT_EQ(Excerpt("a\xc2\x9b[2Jb"), "a\\xc2\\x9b[2Jb");
  EXPECT_EQ(Excerpt("\x9b[2J"), "\\x9b[2J");
  EXPECT_EQ(Excerpt("\x80x"), "\\x80x");
  EXPECT_EQ(Excerpt("x\xe2\x9c"), "x\\xe2\\x9c");
  EXPECT_EQ(Excerpt("\xc0\xaf"), "\\xc0\\xaf");
  EXPECT_EQ(Excerpt("\xed\xa0\x80"), "\\xed\\xa0\\x80");
  EXPECT_EQ(Excerpt("\x1b]0;title\x07"), "\\x1b]0;title\\x07");
}

}  // namespace
}  // namespace attune
