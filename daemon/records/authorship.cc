#include "daemon/records/authorship.h"

#include <sodium.h>

#include "absl/strings/str_cat.h"
#include "daemon/base/hex.h"
#include "daemon/vault/keys.h"

namespace attune {

using google::protobuf::FieldDescriptor;
using google::protobuf::Message;

namespace {

std::string Prefix(std::string_view member_id) {
  return std::string(member_id.substr(0, kAuthorPrefixBytes));
}

}  // namespace

std::string NewRecordIdOf(std::string_view member_id) {
  std::string id = Prefix(member_id);
  id.resize(kRawIdBytes);
  randombytes_buf(id.data() + kAuthorPrefixBytes, kRawIdBytes - kAuthorPrefixBytes);
  return id;
}

std::string RecordIdOf(std::string_view member_id, std::string id) {
  id.resize(kRawIdBytes);
  id.replace(0, kAuthorPrefixBytes, Prefix(member_id));
  return id;
}

bool IdBelongsTo(std::string_view record_id, std::string_view member_id) {
  return record_id.size() == kRawIdBytes && member_id.size() >= kAuthorPrefixBytes &&
         record_id.substr(0, kAuthorPrefixBytes) == member_id.substr(0, kAuthorPrefixBytes);
}

bool MemberIdsCollide(std::string_view a, std::string_view b) {
  return a != b && a.substr(0, kAuthorPrefixBytes) == b.substr(0, kAuthorPrefixBytes);
}

std::string AuthorOf(const v1::Record& record) {
  const FieldDescriptor* kind = v1::Record::descriptor()->FindFieldByNumber(record.kind_case());
  if (kind == nullptr) return "";
  const Message& inner = record.GetReflection()->GetMessage(record, kind);
  const FieldDescriptor* author = inner.GetDescriptor()->FindFieldByName("author");
  if (author == nullptr) return "";
  return inner.GetReflection()->GetString(inner, author);
}

absl::Status CheckOpAuthority(const v1::OpBody& body, std::string_view signer_member_id) {
  if (!IdBelongsTo(body.record_id(), signer_member_id)) {
    return absl::PermissionDeniedError(
        "op changes a record of another member: only a record's author may change it");
  }
  if (body.change_case() == v1::OpBody::kRecord &&
      AuthorOf(body.record()) != ToHex(signer_member_id)) {
    return absl::PermissionDeniedError(
        "op names an author other than the member of the device that signed it");
  }
  return absl::OkStatus();
}

}  // namespace attune
