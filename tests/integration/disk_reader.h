// What a stopped daemon's disk gives away to someone holding that device's
// passphrase: a modified client on the partner's device, say. Tests use it
// to check from the other side that what must not reach a device did not.
#ifndef ATTUNE_TESTS_INTEGRATION_DISK_READER_H_
#define ATTUNE_TESTS_INTEGRATION_DISK_READER_H_

#include <set>
#include <string>

namespace attune::testing {

struct OnDisk {
  // Every op body of the log that the device's keys open (shared ops with
  // the space key, its own private ops with its personal key) and every
  // record of its views, as text.
  std::string text;
  int ops = 0;     // ops in its log
  int opened = 0;  // of them, those its keys open
  // Author devices (raw keys) of every private op in its log, opened or
  // not: a private op of another person must not be there even as
  // ciphertext.
  std::set<std::string> private_authors;
};

// Reads a copy of the data folder `data_dir` of a stopped daemon, unlocked
// with `passphrase`. Records a test failure (and returns what it read so
// far) when the copy, the database or the vault cannot be opened.
OnDisk ReadDisk(const std::string& data_dir, const std::string& passphrase);

}  // namespace attune::testing

#endif  // ATTUNE_TESTS_INTEGRATION_DISK_READER_H_
