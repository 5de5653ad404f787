// Who is who in the space: this member's id and the display names of the
// members, so the CLI calls a partner by their name instead of "partner".
#ifndef ATTUNE_CLIENTS_CLI_MEMBERS_H_
#define ATTUNE_CLIENTS_CLI_MEMBERS_H_

#include <map>
#include <string>

#include "daemon_client.h"

namespace attune::cli {

class People {
 public:
  // Asks the daemon (GetStatus and SpaceService.ListMembers). What cannot be
  // had stays unknown: this never fails, and a name falls back to "partner".
  static People Fetch(DaemonClient& client);

  People() = default;
  // For tests and callers that know already.
  People(std::string me, std::map<std::string, std::string> names)
      : me_(std::move(me)), names_(std::move(names)) {}

  // This member's hex id, or "" when unknown.
  const std::string& me() const { return me_; }
  // `author` is another member (false when either id is unknown).
  bool IsOther(const std::string& author) const {
    return !me_.empty() && !author.empty() && author != me_;
  }
  // The display name of member `member_id`, or `fallback` when unknown.
  std::string NameOf(const std::string& member_id, const std::string& fallback = "partner") const;
  // The name of the one other person in the space, or "" when there is none
  // or more than one.
  std::string PartnerName() const;
  // True when the space has a member other than this one.
  bool HasOthers() const;

 private:
  std::string me_;
  std::map<std::string, std::string> names_;  // member id -> display name
};

}  // namespace attune::cli

#endif  // ATTUNE_CLIENTS_CLI_MEMBERS_H_
