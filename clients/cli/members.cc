#include "members.h"

namespace attune::cli {

People People::Fetch(DaemonClient& client) {
  People people;
  absl::StatusOr<v1::VaultStatus> status = client.GetVaultStatus();
  if (status.ok()) people.me_ = status->member_id();
  v1::ListMembersRequest request;
  v1::ListMembersResponse members;
  absl::Status listed = client.Run([&](grpc::ClientContext* context) {
    return client.space().ListMembers(context, request, &members);
  });
  if (!listed.ok()) return people;
  for (const v1::Member& m : members.members()) {
    if (!m.member_id().empty() && !m.display_name().empty()) {
      people.names_[m.member_id()] = m.display_name();
    }
  }
  return people;
}

std::string People::NameOf(const std::string& member_id, const std::string& fallback) const {
  auto it = names_.find(member_id);
  return it == names_.end() ? fallback : it->second;
}

std::string People::PartnerName() const {
  if (me_.empty()) return "";
  std::string partner;
  for (const auto& [id, name] : names_) {
    if (id == me_) continue;
    if (!partner.empty()) return "";
    partner = name;
  }
  return partner;
}

bool People::HasOthers() const {
  for (const auto& [id, name] : names_) {
    if (id != me_) return true;
  }
  return false;
}

}  // namespace attune::cli
