// daemon/records/ is what a record is and how a change becomes store
// mutations: the rules the API, the plugin host and sync all apply.
//
// The record kinds, in one table: what each is called in a Record, in
// resource names, in a plugin's permissions and in messages, whether it is
// written once, and how visible it is when the person did not choose. The
// API, the plugin host (permissions, output checks) and the state digest
// read it from here. Thread-safe: constant data and pure functions.
#ifndef ATTUNE_DAEMON_RECORDS_KINDS_H_
#define ATTUNE_DAEMON_RECORDS_KINDS_H_

#include <string_view>
#include <vector>

#include "attune/v1/records.pb.h"
#include "daemon/store/merge.h"
#include "google/protobuf/message.h"

namespace attune {

struct RecordKind {
  Kind kind;
  // The field of v1::Record's oneof ("check_in"); also the name a plugin
  // manifest asks for and a grant gives, for kinds a plugin may write.
  const char* field;
  // The collection of its resource names ("checkIns/{id}"); progress is
  // named under its goal ("goals/{id}/progress/{id}").
  const char* collection;
  // What a person calls one, in messages ("this check-in is Sam's").
  const char* noun;
  // Written once, never changed (store/merge.h IsAddOnly says the same to
  // the store, which folds ops below this layer).
  bool add_only;
  // Whether an exercise plugin may return one (plugin::v1::OutputRecord).
  bool plugin_may_write;
  // The visibility of a record whose person did not choose: PRIVATE for
  // every kind. A kind without a visibility field of its own (progress)
  // follows what it belongs to.
  v1::Visibility default_visibility;
};

// Every kind: first those a plugin may write, in the order manifests and
// messages list them, then the others.
const std::vector<RecordKind>& RecordKinds();

// The row of `kind`.
const RecordKind& RecordKindOf(Kind kind);

// The row whose `field` is `field`; nullptr when there is none.
const RecordKind* FindRecordKind(std::string_view field);

// The kind (its `field`) of the records a person sees change when a record
// of kind `field` changes: a released check-in key opens the check-in it is
// named after ("check_in_key" gives "check_in"); any other kind gives itself.
// For watchers of events (search, the reveal keeper).
std::string_view ShownKindOf(std::string_view field);

// A record message's own visibility (JournalEntry, CheckIn…): SHARED only
// when it says SHARED; PRIVATE when unset, unknown or when the kind has no
// visibility field.
v1::Visibility VisibilityOf(const google::protobuf::Message& record);

}  // namespace attune

#endif  // ATTUNE_DAEMON_RECORDS_KINDS_H_
