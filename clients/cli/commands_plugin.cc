// attune plugin list | grant | revoke: the exercise plugins installed, what
// each is doing, and which record kinds each may write.
#include <algorithm>
#include <iostream>
#include <memory>
#include <string>
#include <vector>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "commands.h"
#include "daemon_client.h"
#include "output.h"
#include "status_macros.h"

namespace attune::cli {
namespace {

std::string StateText(const v1::PluginInfo& p) {
  switch (p.state()) {
    case v1::PluginInfo::STATE_RUNNING:
      return absl::StrCat("running (pid ", p.pid(), ")");
    case v1::PluginInfo::STATE_BACKING_OFF:
      return "waiting after a failure";
    default:
      return "stopped";
  }
}

std::string Kinds(const google::protobuf::RepeatedPtrField<std::string>& kinds,
                  const std::string& none) {
  return kinds.empty() ? none : absl::StrJoin(kinds, ", ");
}

absl::Status RunList(const GlobalOptions& global) {
  ATTUNE_ASSIGN_OR_RETURN(auto client, DaemonClient::Connect(global.socket));
  v1::ListPluginsResponse list;
  ATTUNE_RETURN_IF_ERROR(client->Run([&](grpc::ClientContext* c) {
    return client->plugins().ListPlugins(c, v1::ListPluginsRequest(), &list);
  }));
  if (global.json) return PrintJson(list);
  Table table({"PLUGIN", "VERSION", "STATE", "EXERCISES", "MAY WRITE"});
  table.WrapLastColumn();  // what a plugin asks for is read whole
  for (const auto& p : list.plugins()) {
    std::vector<std::string> missing;
    for (const auto& k : p.requested_permissions()) {
      if (std::find(p.granted_permissions().begin(), p.granted_permissions().end(), k) ==
          p.granted_permissions().end()) {
        missing.push_back(k);
      }
    }
    std::string may = Kinds(p.granted_permissions(), "nothing");
    if (!missing.empty()) absl::StrAppend(&may, " (asks also: ", absl::StrJoin(missing, ", "), ")");
    table.AddRow({p.id() + (p.builtin() ? "" : " *"), p.version(), StateText(p),
                  std::to_string(p.exercises_size()), may});
  }
  table.Print("No plugins are installed.");
  bool others = false;
  for (const auto& p : list.plugins()) others |= !p.builtin();
  if (others)
    std::cout << "* not built in: it writes only what you grant (attune plugin grant ID)\n";
  for (const auto& p : list.plugins()) {
    if (!p.last_error().empty()) {
      std::cout << "\n"
                << Bold(p.id()) << " failed " << p.failures() << "×: " << p.last_error() << "\n";
    }
  }
  if (!list.problems().empty()) {
    std::cout << "\n" << Bold("Could not be used:") << "\n";
    for (const auto& problem : list.problems()) std::cout << "  " << problem << "\n";
  }
  return absl::OkStatus();
}

absl::Status RunChange(const GlobalOptions& global, const std::string& plugin,
                       const std::vector<std::string>& kinds, bool grant) {
  ATTUNE_ASSIGN_OR_RETURN(auto client, DaemonClient::Connect(global.socket));
  v1::PluginInfo info;
  if (grant) {
    v1::GrantPermissionsRequest request;
    request.set_plugin(plugin);
    for (const auto& k : kinds) request.add_kinds(k);
    ATTUNE_RETURN_IF_ERROR(client->Run([&](grpc::ClientContext* c) {
      return client->plugins().GrantPermissions(c, request, &info);
    }));
  } else {
    v1::RevokePermissionsRequest request;
    request.set_plugin(plugin);
    for (const auto& k : kinds) request.add_kinds(k);
    ATTUNE_RETURN_IF_ERROR(client->Run([&](grpc::ClientContext* c) {
      return client->plugins().RevokePermissions(c, request, &info);
    }));
  }
  if (global.json) return PrintJson(info);
  std::cout << "Plugin " << info.id()
            << " may now write: " << Kinds(info.granted_permissions(), "nothing") << "\n";
  if (info.granted_permissions_size() < info.requested_permissions_size()) {
    std::cout << "It asks for: " << Kinds(info.requested_permissions(), "nothing")
              << "; its exercises start only when all of it is granted.\n";
  }
  return absl::OkStatus();
}

}  // namespace

void AddPluginCommands(CLI::App& app, const GlobalOptions& global, CommandTable& table) {
  CLI::App* plugin =
      app.add_subcommand("plugin", "Exercise plugins: what is installed and what each may write");
  plugin->require_subcommand(1);

  CLI::App* list = plugin->add_subcommand("list", "Installed plugins, their state and permissions");
  table.Set(list, [&global] { return RunList(global); });

  for (bool grant : {true, false}) {
    auto id = std::make_shared<std::string>();
    auto kinds = std::make_shared<std::vector<std::string>>();
    CLI::App* cmd = plugin->add_subcommand(
        grant ? "grant" : "revoke",
        grant ? "Let a plugin write record kinds its manifest asks for (default: all of them)"
              : "Take permissions back (default: all)");
    cmd->add_option("plugin", *id, "The plugin's id (attune plugin list)")->required();
    cmd->add_option("kinds", *kinds,
                    "check_in, journal_entry, appreciation, goal_progress, plugin_record")
        ->option_text("KIND...");
    table.Set(cmd, [&global, id, kinds, grant] { return RunChange(global, *id, *kinds, grant); });
  }
}

}  // namespace attune::cli
