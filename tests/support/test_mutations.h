// Helpers for store-level unit tests: record ids and journal-entry mutations
// made the way the API's planners make them.
#ifndef ATTUNE_TESTS_SUPPORT_TEST_MUTATIONS_H_
#define ATTUNE_TESTS_SUPPORT_TEST_MUTATIONS_H_

#include <cstdint>
#include <string>

#include "daemon/store/record_store.h"

namespace attune::testing {

// A 16-byte record id that differs from Id(m) whenever n != m (0 ≤ n < 65536).
inline std::string Id(int n) {
  std::string id(16, '\0');
  id[14] = static_cast<char>(n >> 8);
  id[15] = static_cast<char>(n & 0xff);
  return id;
}

// Writes (creates or replaces) the journal entry `id` with `body`.
inline Mutation Journal(const std::string& id, const std::string& body,
                        v1::Visibility visibility = v1::VISIBILITY_PRIVATE) {
  Mutation m;
  m.body.set_kind(static_cast<uint32_t>(Kind::kJournalEntry));
  m.body.set_record_id(id);
  m.body.add_fields(v1::JournalEntry::kBodyFieldNumber);
  m.body.add_fields(v1::JournalEntry::kVisibilityFieldNumber);
  auto* e = m.body.mutable_record()->mutable_journal_entry();
  e->set_body(body);
  e->set_visibility(visibility);
  m.visibility = visibility;
  return m;
}

inline Mutation Journal(int n, const std::string& body,
                        v1::Visibility visibility = v1::VISIBILITY_PRIVATE) {
  return Journal(Id(n), body, visibility);
}

}  // namespace attune::testing

#endif  // ATTUNE_TESTS_SUPPORT_TEST_MUTATIONS_H_
