// attune pair invite|join|verify, attune device link|join|remove, attune members,
// attune sync status|digest, attune id, attune reveal-together: pairing with
// a partner's device, linking one's own, seeing sync, and the space's
// settings.
#include <algorithm>
#include <iostream>
#include <memory>
#include <string>
#include <vector>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "absl/time/clock.h"
#include "absl/time/time.h"
#include "commands.h"
#include "daemon_client.h"
#include "output.h"
#include "prompt.h"
#include "qr.h"
#include "status_macros.h"

namespace attune::cli {
namespace {

// The daemon dials the inviter and runs Argon2id-free crypto; allow for a
// slow network.
constexpr absl::Duration kJoinTimeout = absl::Seconds(40);

std::string Ago(int64_t ms) {
  if (ms == 0) return "never";
  absl::Duration d = absl::Now() - absl::FromUnixMillis(ms);
  if (d < absl::Seconds(60)) return "just now";
  if (d < absl::Hours(1)) return absl::StrCat(absl::ToInt64Minutes(d), " min ago");
  if (d < absl::Hours(48)) return absl::StrCat(absl::ToInt64Hours(d), " h ago");
  return absl::StrCat(absl::ToInt64Hours(d) / 24, " days ago");
}

// `own_device`: attune device link (an invite for another device of one's
// own); otherwise attune pair invite.
absl::Status RunInvite(const GlobalOptions& global, int ttl_minutes, bool no_qr, bool own_device) {
  ATTUNE_ASSIGN_OR_RETURN(auto client, DaemonClient::Connect(global.socket));
  v1::CreateInviteRequest request;
  request.set_ttl_seconds(ttl_minutes * 60);
  request.set_own_device(own_device);
  v1::Invite invite;
  ATTUNE_RETURN_IF_ERROR(client->Run(
      [&](grpc::ClientContext* c) { return client->space().CreateInvite(c, request, &invite); }));
  if (global.json) return PrintJson(invite);
  const std::string until = absl::FormatTime("%H:%M", absl::FromUnixMillis(invite.expires_at_ms()),
                                             absl::LocalTimeZone());
  const std::string command = own_device ? "attune device join" : "attune pair join";
  if (own_device) {
    std::cout << "Type this code on your new device (it works once, until " << until
              << "). That device becomes yours: it will hold your private entries too, so "
                 "never give this code to anyone else.\n\n  "
              << invite.code() << "\n\n";
  } else {
    std::cout << "Give this code to your partner (it works once, until " << until << "):\n\n  "
              << invite.code() << "\n\n";
  }
  if (!no_qr) std::cout << QrCode(invite.code()) << "\n";
  std::cout << (own_device ? "On the new device: " : "On their device: ") << command << " <code>\n";
  if (!invite.short_code().empty() && invite.addresses_size() > 0) {
    std::cout << (own_device ? "\nOr type this on the new device (the same invite):\n\n  "
                             : "\nOr read this to them, or type it on their device (the same "
                               "invite):\n\n  ")
              << command << " " << invite.short_code() << " --at " << invite.addresses(0) << "\n";
    if (invite.addresses_size() > 1) {
      std::cout << "  (where that address does not reach this device, one of:";
      for (int i = 1; i < invite.addresses_size(); ++i) std::cout << " " << invite.addresses(i);
      std::cout << ")\n";
    }
    std::cout << "\n";
  }
  std::cout << (own_device ? "Then check that both devices show the same safety number: the new "
                             "device prints it; here, attune pair verify DEVICE with the new "
                             "device's id (attune members lists it).\n"
                           : "Then compare the safety number both of you see (attune pair "
                             "verify).\n");
  return absl::OkStatus();
}

absl::Status RunJoin(const GlobalOptions& global, const std::string& code,
                     const std::vector<std::string>& addresses, bool own_device) {
  ATTUNE_ASSIGN_OR_RETURN(auto client, DaemonClient::Connect(global.socket));
  v1::JoinSpaceRequest request;
  request.set_code(code);
  request.set_own_device(own_device);
  for (const auto& a : addresses) request.add_addresses(a);
  v1::JoinSpaceResponse response;
  ATTUNE_RETURN_IF_ERROR(client->Run(
      [&](grpc::ClientContext* c) { return client->space().JoinSpace(c, request, &response); },
      kJoinTimeout));
  if (global.json) return PrintJson(response);
  if (own_device) {
    std::cout << "This device is now one of " << response.inviter().display_name()
              << "'s devices, linked to " << response.inviter().device_id()
              << ". Your private entries and check-ins will reach it from your other devices, "
                 "and only them.\n\n"
              << "Safety number — both devices must show the same:\n  " << response.safety_number()
              << "\n";
    return absl::OkStatus();
  }
  std::cout << "Paired with " << response.inviter().display_name() << " ("
            << response.inviter().device_id() << ").\n\n"
            << "Safety number — read it together; both devices must show the same:\n  "
            << response.safety_number() << "\n";
  return absl::OkStatus();
}

absl::Status RunVerify(const GlobalOptions& global, const std::string& device) {
  ATTUNE_ASSIGN_OR_RETURN(auto client, DaemonClient::Connect(global.socket));
  v1::GetSafetyNumberRequest request;
  request.set_device_id(device);
  v1::SafetyNumber number;
  ATTUNE_RETURN_IF_ERROR(client->Run([&](grpc::ClientContext* c) {
    return client->space().GetSafetyNumber(c, request, &number);
  }));
  if (global.json) return PrintJson(number);
  std::cout << "Safety number with " << number.peer().display_name() << " ("
            << number.peer().device_id() << "):\n  " << number.digits() << "\n";
  return absl::OkStatus();
}

absl::Status RunMembers(const GlobalOptions& global) {
  ATTUNE_ASSIGN_OR_RETURN(auto client, DaemonClient::Connect(global.socket));
  v1::ListMembersRequest request;
  v1::ListMembersResponse members;
  ATTUNE_RETURN_IF_ERROR(client->Run(
      [&](grpc::ClientContext* c) { return client->space().ListMembers(c, request, &members); }));
  if (global.json) return PrintJson(members);
  // By person: this device's person first, then the others in the order
  // the daemon lists them.
  std::vector<std::string> people;
  std::string mine;
  for (const auto& m : members.members()) {
    if (m.this_device()) mine = m.member_id();
    if (std::find(people.begin(), people.end(), m.member_id()) == people.end()) {
      people.push_back(m.member_id());
    }
  }
  std::stable_partition(people.begin(), people.end(),
                        [&](const std::string& p) { return p == mine; });
  for (const std::string& person : people) {
    bool first = true;
    for (const auto& m : members.members()) {
      if (m.member_id() != person) continue;
      if (first) std::cout << m.display_name() << (person == mine ? " (you)" : "") << "\n";
      first = false;
      std::cout << (m.this_device() ? "  * " : "    ") << m.device_id()
                << (m.this_device() ? "  (this device)" : "") << "\n";
    }
  }
  if (!members.removed().empty()) std::cout << "Removed\n";
  for (const auto& m : members.removed()) {
    std::cout << "    " << m.device_id() << "  " << m.display_name() << "'s"
              << (m.this_device() ? ", this device" : "") << ", removed "
              << absl::FormatTime("%Y-%m-%d %H:%M", absl::FromUnixMillis(m.removed_at_ms()),
                                  absl::LocalTimeZone())
              << "\n";
  }
  return absl::OkStatus();
}

namespace {

// One line, and a second when something is wrong.
void PrintLanDiscovery(const v1::LanDiscovery& d) {
  std::cout << "LAN discovery: ";
  if (!d.on()) {
    std::cout << "off, " << d.note() << "\n";
    return;
  }
  std::cout << "on";
  if (d.interfaces_size() > 0) std::cout << " (" << absl::StrJoin(d.interfaces(), ", ") << ")";
  std::cout << ", " << d.sent() << " sent, " << d.heard() << " heard from your space";
  if (d.ignored_strangers() > 0)
    std::cout << ", " << d.ignored_strangers() << " from other devices";
  if (d.ignored_invalid() > 0) {
    std::cout << ", " << d.ignored_invalid() << " ignored (last: " << d.last_invalid() << ")";
  }
  std::cout << "\n";
  if (!d.note().empty()) std::cout << "  " << d.note() << "\n";
}

}  // namespace

// The relays of a sync status, one line each.
void PrintRelays(const v1::SyncStatus& status) {
  for (const auto& r : status.relays()) {
    std::cout << "relay " << r.relay_id() << " at " << r.address() << "\n  "
              << (r.online() ? "online" : "offline") << ", last seen " << Ago(r.last_seen_ms())
              << ", it lacks " << r.ops_it_lacks() << " ops\n";
    if (!r.last_error().empty() && !r.online()) {
      std::cout << "  last error: " << r.last_error() << "\n";
    }
  }
}

absl::Status RunSyncStatus(const GlobalOptions& global) {
  ATTUNE_ASSIGN_OR_RETURN(auto client, DaemonClient::Connect(global.socket));
  v1::GetSyncStatusRequest request;
  v1::SyncStatus status;
  ATTUNE_RETURN_IF_ERROR(client->Run(
      [&](grpc::ClientContext* c) { return client->sync().GetSyncStatus(c, request, &status); }));
  if (global.json) return PrintJson(status);
  if (!status.write_block().empty())
    std::cout << "Writes are paused: " << status.write_block() << "\n";
  if (!status.removed().empty()) {
    std::cout << "This device no longer syncs: " << status.removed()
              << ". Its entries stay here; attune export saves them, and it may join another "
                 "space.\n";
  }
  if (status.peers().empty()) {
    std::cout << "No partner device yet: attune pair invite\n";
    return absl::OkStatus();
  }
  // Which peers are this person's own other devices.
  v1::ListMembersResponse members;
  ATTUNE_RETURN_IF_ERROR(client->Run([&](grpc::ClientContext* c) {
    return client->space().ListMembers(c, v1::ListMembersRequest(), &members);
  }));
  std::string mine;
  for (const auto& m : members.members()) {
    if (m.this_device()) mine = m.member_id();
  }
  for (const auto& p : status.peers()) {
    std::cout << p.peer().display_name()
              << (!mine.empty() && p.peer().member_id() == mine ? " (your other device)" : "")
              << "  " << p.peer().device_id() << "\n"
              << "  " << (p.online() ? "online" : "offline") << ", last seen "
              << Ago(p.last_seen_ms()) << "\n"
              << "  they lack " << p.ops_they_lack() << " ops, we lack " << p.ops_we_lack() << "\n";
    if (!p.found_on_lan().empty()) {
      std::cout << "  found on this network at " << absl::StrJoin(p.found_on_lan(), ", ") << "\n";
    }
    if (!p.last_error().empty() && (!p.online() || p.last_error().rfind("fork", 0) == 0)) {
      std::cout << "  last error: " << p.last_error() << "\n";
    }
  }
  PrintRelays(status);
  PrintLanDiscovery(status.lan_discovery());
  return absl::OkStatus();
}

// attune relay add RELAY-ID@host:port
absl::Status RunRelayAdd(const GlobalOptions& global, const std::string& address) {
  ATTUNE_ASSIGN_OR_RETURN(auto client, DaemonClient::Connect(global.socket));
  v1::AddRelayRequest request;
  request.set_address(address);
  v1::AddRelayResponse response;
  ATTUNE_RETURN_IF_ERROR(client->Run(
      [&](grpc::ClientContext* c) { return client->sync().AddRelay(c, request, &response); }));
  if (global.json) return PrintJson(response);
  std::cout << "Using relay " << response.relay().relay_id() << " at " << response.relay().address()
            << ".\nIt forwards your space's shared entries, sealed, between your devices and your "
               "partner's when they cannot reach each other; it cannot read them, and private "
               "entries never go there. Devices you pair from now on use it too; on a device "
               "already paired, add it there as well.\n";
  return absl::OkStatus();
}

// attune relay remove RELAY-ID
absl::Status RunRelayRemove(const GlobalOptions& global, const std::string& relay_id) {
  ATTUNE_ASSIGN_OR_RETURN(auto client, DaemonClient::Connect(global.socket));
  v1::RemoveRelayRequest request;
  request.set_relay_id(relay_id);
  v1::RemoveRelayResponse response;
  ATTUNE_RETURN_IF_ERROR(client->Run(
      [&](grpc::ClientContext* c) { return client->sync().RemoveRelay(c, request, &response); }));
  if (global.json) return PrintJson(response);
  std::cout << "No longer using relay " << response.relay_id() << ".\n";
  return absl::OkStatus();
}

// The device `typed` names among `members`: its id as shown, or a unique
// start of it (dashes and case aside).
absl::StatusOr<v1::Member> FindDevice(const v1::ListMembersResponse& members,
                                      const std::string& typed) {
  auto plain = [](std::string s) {
    std::erase(s, '-');
    for (char& c : s) c = static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
    return s;
  };
  const std::string want = plain(typed);
  if (want.size() < 4) {
    return absl::InvalidArgumentError(
        "DEVICE: give the device id as attune members shows it (at least its first 4 "
        "characters)");
  }
  std::vector<v1::Member> found;
  for (const auto& m : members.members()) {
    if (plain(m.device_id()).rfind(want, 0) == 0) found.push_back(m);
  }
  if (found.empty()) {
    for (const auto& m : members.removed()) {
      if (plain(m.device_id()).rfind(want, 0) == 0) {
        return absl::FailedPreconditionError(
            absl::StrCat("DEVICE: ", m.device_id(), " was removed already"));
      }
    }
    return absl::NotFoundError(
        absl::StrCat("DEVICE: no device of your space starts with ", typed, " (attune members)"));
  }
  if (found.size() > 1) {
    return absl::InvalidArgumentError(
        absl::StrCat("DEVICE: ", typed, " starts more than one device id; type more of it"));
  }
  return found.front();
}

// attune device remove DEVICE: says what will happen, asks, removes.
absl::Status RunDeviceRemove(const GlobalOptions& global, const std::string& typed, bool yes) {
  ATTUNE_ASSIGN_OR_RETURN(auto client, DaemonClient::Connect(global.socket));
  v1::ListMembersResponse members;
  ATTUNE_RETURN_IF_ERROR(client->Run([&](grpc::ClientContext* c) {
    return client->space().ListMembers(c, v1::ListMembersRequest(), &members);
  }));
  ATTUNE_ASSIGN_OR_RETURN(v1::Member target, FindDevice(members, typed));
  std::string mine;
  for (const auto& m : members.members()) {
    if (m.this_device()) mine = m.member_id();
  }
  const bool other_person = target.member_id() != mine;
  if (!yes) {
    if (!StdinIsTerminal()) {
      return absl::FailedPreconditionError(
          "removing a device cannot be undone: run it on a terminal to confirm, or add --yes");
    }
    std::cerr << "Remove "
              << (target.this_device() ? "this device" : "device " + target.device_id()) << " ("
              << target.display_name() << "'s) from your space for good?\n"
              << "  - every device of the space stops syncing with it, and refuses anything it "
                 "writes from now on, whoever passes it on;\n"
              << "  - your space moves to new keys that it never receives"
              << (other_person ? "" : ", your private entries' key too") << ";\n"
              << "  - what it wrote so far stays, and the other devices keep reading all they "
                 "hold;\n"
              << "  - it cannot pair into this space again"
              << (other_person ? ": " + target.display_name() +
                                     " would need a new device and a new invite from you"
                               : "")
              << ".\n";
    ATTUNE_ASSIGN_OR_RETURN(bool go, Confirm("Remove it?"));
    if (!go) {
      std::cout << "Nothing was removed.\n";
      return absl::OkStatus();
    }
  }
  v1::RemoveDeviceRequest request;
  request.set_device_id(target.device_id());
  request.set_confirm(true);  // asked above, or --yes
  v1::RemoveDeviceResponse response;
  ATTUNE_RETURN_IF_ERROR(client->Run(
      [&](grpc::ClientContext* c) { return client->space().RemoveDevice(c, request, &response); }));
  if (global.json) return PrintJson(response);
  std::cout << "Removed " << response.removed().device_id() << " ("
            << response.removed().display_name() << "'s). New entries are sealed under key epoch "
            << response.key_epoch() << ", which it never receives; the other devices hear of the "
            << "removal when they next sync with this one or with each other.\n";
  return absl::OkStatus();
}

// attune space leave: says what will happen, asks, leaves.
absl::Status RunSpaceLeave(const GlobalOptions& global, bool yes) {
  ATTUNE_ASSIGN_OR_RETURN(auto client, DaemonClient::Connect(global.socket));
  if (!yes) {
    if (!StdinIsTerminal()) {
      return absl::FailedPreconditionError(
          "leaving cannot be undone: run it on a terminal to confirm, or add --yes");
    }
    std::cerr << "Leave this space for good?\n"
              << "  - all your devices stop syncing with your partner's, and theirs refuse "
                 "anything yours write from now on;\n"
              << "  - their devices move to new keys you never get: you read nothing they write "
                 "afterwards;\n"
              << "  - you keep your own entries and the shared history you hold, and so do they "
                 "(attune export saves it; deleting stays your own choice);\n"
              << "  - they are told, in attune status and on their screens, not by a silence;\n"
              << "  - this device can join another space afterwards.\n";
    ATTUNE_ASSIGN_OR_RETURN(bool go, Confirm("Leave?"));
    if (!go) {
      std::cout << "Nothing changed.\n";
      return absl::OkStatus();
    }
  }
  v1::LeaveSpaceResponse response;
  ATTUNE_RETURN_IF_ERROR(client->Run([&](grpc::ClientContext* c) {
    return client->space().LeaveSpace(c, v1::LeaveSpaceRequest(), &response);
  }));
  if (global.json) return PrintJson(response);
  std::cout << "You left the space (" << response.removed_size()
            << " device(s) of yours removed). Your partner's devices hear of it the next time "
               "they sync with one of yours or with each other. Your entries stay here.\n";
  return absl::OkStatus();
}

absl::Status RunSyncDigest(const GlobalOptions& global) {
  ATTUNE_ASSIGN_OR_RETURN(auto client, DaemonClient::Connect(global.socket));
  v1::GetStateDigestRequest request;
  v1::StateDigest digest;
  ATTUNE_RETURN_IF_ERROR(client->Run(
      [&](grpc::ClientContext* c) { return client->sync().GetStateDigest(c, request, &digest); }));
  if (global.json) return PrintJson(digest);
  std::cout << digest.digest() << "\n"
            << "  " << digest.record_count() << " shared records, " << digest.shared_ops()
            << " shared ops\n";
  for (const auto& e : digest.version_vector()) {
    std::cout << "  " << e.device_id() << "  " << e.seq() << " ops\n";
  }
  return absl::OkStatus();
}

absl::Status RunId(const GlobalOptions& global) {
  ATTUNE_ASSIGN_OR_RETURN(auto client, DaemonClient::Connect(global.socket));
  ATTUNE_ASSIGN_OR_RETURN(v1::VaultStatus status, client->GetVaultStatus());
  if (global.json) return PrintJson(status);
  if (status.device_id().empty()) {
    return absl::FailedPreconditionError("no device id yet: run attune init");
  }
  std::cout << status.device_id() << "\n";
  return absl::OkStatus();
}

// attune reveal-together [on|off]: shows the setting, or records this
// person's choice.
absl::Status RunRevealTogether(const GlobalOptions& global, const std::string& choice) {
  ATTUNE_ASSIGN_OR_RETURN(auto client, DaemonClient::Connect(global.socket));
  v1::SpaceSettings settings;
  if (choice.empty()) {
    ATTUNE_RETURN_IF_ERROR(client->Run([&](grpc::ClientContext* c) {
      return client->space().GetSpaceSettings(c, v1::GetSpaceSettingsRequest(), &settings);
    }));
  } else {
    v1::UpdateSpaceSettingsRequest request;
    request.set_reveal_together(choice == "on");
    ATTUNE_RETURN_IF_ERROR(client->Run([&](grpc::ClientContext* c) {
      return client->space().UpdateSpaceSettings(c, request, &settings);
    }));
  }
  if (global.json) return PrintJson(settings);
  if (settings.reveal_together()) {
    std::cout << "Reveal together is on: your partner's check-in for a day opens once yours "
                 "for that day is written, and yours opens to them once theirs is.\n";
  } else {
    std::vector<std::string> others;
    for (const std::string& who : settings.reveal_together_off_by()) others.push_back(who);
    std::cout << "Reveal together is off (turned off by " << absl::StrJoin(others, " and ")
              << "): shared check-ins open to the space as soon as they arrive.\n";
    if (settings.my_reveal_together_off()) {
      std::cout << "To turn it back on for your part: attune reveal-together on\n";
    }
  }
  if (choice == "on" && !settings.reveal_together()) {
    std::cout << "(Your part is on again; it stays off while another member has it off.)\n";
  }
  return absl::OkStatus();
}

}  // namespace

void AddSpaceCommands(CLI::App& app, const GlobalOptions& global, CommandTable& table) {
  const std::string group = "Partners";
  CLI::App* pair = app.add_subcommand("pair", "Pair with your partner's device");
  pair->group(group);
  pair->require_subcommand(1);

  auto ttl = std::make_shared<int>(10);
  auto no_qr = std::make_shared<bool>(false);
  CLI::App* invite = pair->add_subcommand("invite", "Make a single-use invite code");
  invite->add_option("--ttl", *ttl, "Minutes the invite lasts")
      ->check(CLI::Range(1, 24 * 60))
      ->capture_default_str();
  invite->add_flag("--no-qr", *no_qr, "Print only the code, no QR code");
  table.Set(invite, [&global, ttl, no_qr] { return RunInvite(global, *ttl, *no_qr, false); });

  auto code = std::make_shared<std::string>();
  auto at = std::make_shared<std::vector<std::string>>();
  CLI::App* join = pair->add_subcommand("join", "Join your partner's space with their code");
  join->add_option("CODE", *code,
                   "The invite code (attune-invite-…), or its short form (7K3M-9QX2-…)")
      ->required();
  join->add_option("--at", *at,
                   "Where the inviter listens, host:port, as their attune pair invite shows "
                   "(needed with a short code; repeat to try several)");
  table.Set(join, [&global, code, at] { return RunJoin(global, *code, *at, false); });

  // attune device link|join: the same pairing, for another device of one's
  // own.
  CLI::App* devices =
      app.add_subcommand("device", "Link another device of your own, or remove one");
  devices->group(group);
  devices->require_subcommand(1);
  CLI::App* link = devices->add_subcommand(
      "link", "On a device you have: make a single-use code for your new device");
  link->add_option("--ttl", *ttl, "Minutes the code lasts")
      ->check(CLI::Range(1, 24 * 60))
      ->capture_default_str();
  link->add_flag("--no-qr", *no_qr, "Print only the code, no QR code");
  table.Set(link, [&global, ttl, no_qr] { return RunInvite(global, *ttl, *no_qr, true); });
  CLI::App* device_join = devices->add_subcommand(
      "join",
      "On a new device (just initialised, nothing written yet): become another device of yours");
  device_join->add_option("CODE", *code, "The code attune device link showed, long or short")
      ->required();
  device_join->add_option("--at", *at,
                          "Where your other device listens, host:port, as attune device link "
                          "shows (needed with a short code)");
  table.Set(device_join, [&global, code, at] { return RunJoin(global, *code, *at, true); });

  auto remove_id = std::make_shared<std::string>();
  auto yes = std::make_shared<bool>(false);
  CLI::App* remove = devices->add_subcommand(
      "remove",
      "Remove a lost, sold or broken device from your space for good (yours, or your "
      "partner's only one)");
  remove->add_option("DEVICE", *remove_id, "Its id as attune members shows it, or its start")
      ->required();
  remove->add_flag("--yes", *yes, "Do not ask first");
  table.Set(remove,
            [&global, remove_id, yes] { return RunDeviceRemove(global, *remove_id, *yes); });

  CLI::App* space = app.add_subcommand("space", "Leave the space you share");
  space->group(group);
  space->require_subcommand(1);
  auto leave_yes = std::make_shared<bool>(false);
  CLI::App* leave = space->add_subcommand(
      "leave", "Part ways: your devices leave the space; each side keeps what it has");
  leave->add_flag("--yes", *leave_yes, "Do not ask first");
  table.Set(leave, [&global, leave_yes] { return RunSpaceLeave(global, *leave_yes); });

  auto device = std::make_shared<std::string>();
  CLI::App* verify = pair->add_subcommand("verify", "Show the safety number to compare in person");
  verify->add_option("DEVICE", *device, "The other device's id (default: the only one)");
  table.Set(verify, [&global, device] { return RunVerify(global, *device); });

  CLI::App* members = app.add_subcommand("members", "List the devices of your space");
  members->group(group);
  table.Set(members, [&global] { return RunMembers(global); });

  CLI::App* sync = app.add_subcommand("sync", "See how sync with partner devices stands");
  sync->group(group);
  sync->require_subcommand(1);
  CLI::App* sync_status = sync->add_subcommand("status", "Peers, online or not, ops behind");
  table.Set(sync_status, [&global] { return RunSyncStatus(global); });
  CLI::App* sync_digest = sync->add_subcommand(
      "digest",
      "A fingerprint of the shared records this device holds; partners in sync "
      "show the same one");
  table.Set(sync_digest, [&global] { return RunSyncDigest(global); });

  CLI::App* relay = app.add_subcommand(
      "relay", "Use a blind relay for devices that cannot reach each other directly");
  relay->group(group);
  relay->require_subcommand(1);
  auto relay_address = std::make_shared<std::string>();
  CLI::App* relay_add = relay->add_subcommand("add", "Sync through a relay from now on");
  relay_add
      ->add_option("RELAY", *relay_address,
                   "RELAY-ID@host:port, as attune-relay prints it when it starts")
      ->required();
  table.Set(relay_add, [&global, relay_address] { return RunRelayAdd(global, *relay_address); });
  auto relay_id = std::make_shared<std::string>();
  CLI::App* relay_remove = relay->add_subcommand("remove", "Stop using a relay");
  relay_remove
      ->add_option("RELAY-ID", *relay_id, "Its id as attune sync status shows it, or its start")
      ->required();
  table.Set(relay_remove, [&global, relay_id] { return RunRelayRemove(global, *relay_id); });

  auto choice = std::make_shared<std::string>();
  CLI::App* reveal = app.add_subcommand(
      "reveal-together",
      "Show or set reveal together: a partner's check-in opens once yours for that day is "
      "written (on unless someone turns it off)");
  reveal->group(group);
  reveal->add_option("CHOICE", *choice, "on or off (default: show the setting)")
      ->check(CLI::IsMember({"on", "off"}));
  table.Set(reveal, [&global, choice] { return RunRevealTogether(global, *choice); });

  CLI::App* id = app.add_subcommand("id", "Print this device's id, to read aloud");
  id->group(group);
  table.Set(id, [&global] { return RunId(global); });
}

}  // namespace attune::cli
