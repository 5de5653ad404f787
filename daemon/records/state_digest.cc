#include "daemon/records/state_digest.h"

#include <google/protobuf/io/coded_stream.h>
#include <google/protobuf/io/zero_copy_stream_impl_lite.h>

#include <algorithm>
#include <optional>
#include <set>
#include <vector>

#include "daemon/records/kinds.h"
#include "daemon/records/record_ops.h"
#include "daemon/records/resource.h"
#include "daemon/store/merge.h"

namespace attune {
namespace {

constexpr char kDomain[] = "attune-state-digest-v1";
constexpr size_t kDigestBytes = 32;

class Hasher {
 public:
  Hasher() {
    crypto_generichash_init(&state_, nullptr, 0, kDigestBytes);
    Bytes(kDomain);
  }
  void Number(uint64_t v) {
    unsigned char be[8];
    for (int i = 0; i < 8; ++i) be[i] = static_cast<unsigned char>(v >> (56 - 8 * i));
    crypto_generichash_update(&state_, be, sizeof be);
  }
  // Length-prefixed, so that no two sequences of fields hash alike.
  void Bytes(std::string_view bytes) {
    Number(bytes.size());
    crypto_generichash_update(&state_, reinterpret_cast<const unsigned char*>(bytes.data()),
                              bytes.size());
  }
  std::string Finish() {
    std::string out(kDigestBytes, '\0');
    crypto_generichash_final(&state_, reinterpret_cast<unsigned char*>(out.data()), out.size());
    return out;
  }

 private:
  crypto_generichash_state state_;
};

std::string Deterministic(const google::protobuf::Message& message) {
  std::string out;
  {
    google::protobuf::io::StringOutputStream stream(&out);
    google::protobuf::io::CodedOutputStream coded(&stream);
    coded.SetSerializationDeterministic(true);
    message.SerializeToCodedStream(&coded);
  }
  return out;
}

// "goals/{id}" of a progress name "goals/{id}/progress/{id}".
std::string GoalOfProgress(const std::string& name) {
  auto at = name.find("/progress/");
  return at == std::string::npos ? std::string() : name.substr(0, at);
}

}  // namespace

absl::StatusOr<StateDigest> ComputeStateDigest(const RecordStore& store, const KeySet& keys) {
  Hasher hasher;
  int64_t count = 0;
  std::set<std::string> shared_goals;
  const google::protobuf::OneofDescriptor* kinds =
      v1::Record::descriptor()->FindOneofByName("kind");
  std::vector<int> numbers;
  for (int i = 0; i < kinds->field_count(); ++i) numbers.push_back(kinds->field(i)->number());
  std::sort(numbers.begin(), numbers.end());  // the views' key order
  for (int number : numbers) {
    const Kind kind = static_cast<Kind>(number);
    auto status = store.ForEach(keys, kind, [&](std::string_view id, const v1::RecordState& state) {
      if (!IsLive(state) || static_cast<int>(state.record().kind_case()) != number) {
        return true;
      }
      const google::protobuf::Message& record = InnerRecord(state.record());
      bool shared;
      if (kind == Kind::kGoalProgress) {
        shared = shared_goals.count(GoalOfProgress(state.record().goal_progress().name())) > 0;
      } else {
        shared = VisibilityOf(record) == v1::VISIBILITY_SHARED;
      }
      if (!shared) return true;
      if (kind == Kind::kGoal) shared_goals.insert(MakeName(kGoals, id));
      hasher.Number(static_cast<uint64_t>(number));
      hasher.Bytes(id);
      hasher.Bytes(Deterministic(state.record()));
      ++count;
      return true;
    });
    if (!status.ok()) return status;
  }
  hasher.Number(static_cast<uint64_t>(count));
  return StateDigest{hasher.Finish(), count};
}

}  // namespace attune
