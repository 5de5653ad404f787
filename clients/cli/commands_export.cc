// attune export and attune import: everything this person can read, taken
// out as JSON (lossless) or Markdown (readable); their own records brought
// back from a JSON export.
#include <fcntl.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <fstream>
#include <iostream>
#include <memory>
#include <sstream>
#include <string>

#include "absl/strings/str_cat.h"
#include "absl/time/time.h"
#include "args.h"
#include "commands.h"
#include "common/environment.h"
#include "daemon_client.h"
#include "export_markdown.h"
#include "format.h"
#include "google/protobuf/util/json_util.h"
#include "output.h"
#include "status_macros.h"

namespace attune::cli {
namespace {

constexpr int kRecordsPerMessage = 500;

struct ExportOptions {
  std::string format = "json";
  std::string output;
};

// Writes `text` to a new file (mode 0600), never over an existing one.
absl::Status WriteNewFile(const std::string& path, const std::string& text) {
  int fd = ::open(path.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0600);
  if (fd < 0) {
    return errno == EEXIST ? absl::AlreadyExistsError(absl::StrCat(
                                 path, " exists already; name a new file (nothing was written)"))
                           : absl::InvalidArgumentError(
                                 absl::StrCat("cannot create ", path, ": ", std::strerror(errno)));
  }
  size_t done = 0;
  while (done < text.size()) {
    ssize_t n = ::write(fd, text.data() + done, text.size() - done);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) {
      ::close(fd);
      ::unlink(path.c_str());
      return absl::UnavailableError(
          absl::StrCat("cannot write ", path, ": ", std::strerror(errno)));
    }
    done += static_cast<size_t>(n);
  }
  const bool synced = ::fsync(fd) == 0;
  ::close(fd);
  if (!synced) return absl::UnavailableError(absl::StrCat("cannot write ", path));
  return absl::OkStatus();
}

absl::Status RunExport(const GlobalOptions& global, ExportOptions options) {
  if (global.json) options.format = "json";
  ATTUNE_ASSIGN_OR_RETURN(auto client, DaemonClient::Connect(global.socket));
  ATTUNE_RETURN_IF_ERROR(client->RequireUnlocked().status());
  v1::ExportPart all;
  ATTUNE_RETURN_IF_ERROR(client->Run(
      [&](grpc::ClientContext* context) {
        auto reader = client->exports().Export(context, v1::ExportRequest());
        v1::ExportPart part;
        while (reader->Read(&part)) {
          if (part.has_header()) *all.mutable_header() = part.header();
          for (auto& r : *part.mutable_records()) *all.add_records() = std::move(r);
        }
        return reader->Finish();
      },
      absl::Minutes(10)));
  std::string text;
  if (options.format == "json") {
    google::protobuf::util::JsonPrintOptions json;
    json.add_whitespace = true;
    json.preserve_proto_field_names = false;
    auto s = google::protobuf::util::MessageToJsonString(all, &text, json);
    if (!s.ok()) return absl::InternalError(std::string(s.message()));
  } else {
    text = ExportToMarkdown(all, LoadZoneOrLocal(MachineZoneName()));
  }
  if (options.output.empty() || options.output == "-") {
    std::cout << text;
    std::cout.flush();
    return absl::OkStatus();
  }
  ATTUNE_RETURN_IF_ERROR(WriteNewFile(options.output, text));
  int own = 0;
  for (const auto& r : all.records()) {
    const auto& inner = r.kind_case() == v1::Record::kJournalEntry   ? r.journal_entry().author()
                        : r.kind_case() == v1::Record::kCheckIn      ? r.check_in().author()
                        : r.kind_case() == v1::Record::kGoal         ? r.goal().author()
                        : r.kind_case() == v1::Record::kGoalProgress ? r.goal_progress().author()
                        : r.kind_case() == v1::Record::kAppreciation ? r.appreciation().author()
                        : r.kind_case() == v1::Record::kExerciseSession
                            ? r.exercise_session().author()
                        : r.kind_case() == v1::Record::kReminder ? r.reminder().author()
                                                                 : r.plugin_record().author();
    own += inner == all.header().exported_by();
  }
  std::cout << "Exported " << Count(all.records_size(), "record", "records") << " (" << own
            << " yours, " << all.records_size() - own << " shared with you) to " << options.output
            << " as " << (options.format == "json" ? "JSON" : "Markdown") << ".\n"
            << "The file is not encrypted, and it holds your private entries: keep it safe.\n";
  return absl::OkStatus();
}

struct ImportOptions {
  std::string file;
};

absl::Status RunImport(const GlobalOptions& global, const ImportOptions& options) {
  std::ifstream in(options.file, std::ios::binary);
  if (!in) return absl::InvalidArgumentError(absl::StrCat("cannot read ", options.file));
  std::stringstream buffer;
  buffer << in.rdbuf();
  v1::ExportPart all;
  auto parsed = google::protobuf::util::JsonStringToMessage(buffer.str(), &all);
  if (!parsed.ok()) {
    return absl::InvalidArgumentError(
        absl::StrCat(options.file, " is not an export that attune export --format json wrote: ",
                     std::string(parsed.message())));
  }
  ATTUNE_ASSIGN_OR_RETURN(auto client, DaemonClient::Connect(global.socket));
  ATTUNE_RETURN_IF_ERROR(client->RequireUnlocked().status());
  v1::ImportSummary summary;
  ATTUNE_RETURN_IF_ERROR(client->Run(
      [&](grpc::ClientContext* context) {
        auto writer = client->exports().Import(context, &summary);
        int next = 0;
        do {
          v1::ExportPart part;
          if (next == 0) *part.mutable_header() = all.header();
          size_t bytes = 0;
          for (int i = 0; i < kRecordsPerMessage && next < all.records_size() && bytes < (1u << 20);
               ++i) {
            bytes += all.records(next).ByteSizeLong();
            *part.add_records() = all.records(next++);
          }
          if (!writer->Write(part)) break;
        } while (next < all.records_size());
        writer->WritesDone();
        return writer->Finish();
      },
      absl::Minutes(30)));
  if (global.json) return PrintJson(summary);
  std::cout << "Imported " << Count(summary.imported(), "record", "records") << " of yours";
  if (summary.already_here() > 0) {
    std::cout << "; " << Count(summary.already_here(), "record was", "records were")
              << " here already";
  }
  std::cout << ".\n";
  if (summary.not_own() > 0) {
    std::cout << "Left out " << Count(summary.not_own(), "record", "records")
              << " of others: only their author writes them, and they come back when your "
                 "devices sync.\n";
  }
  if (summary.not_importable() > 0) {
    std::cout << "Left out " << Count(summary.not_importable(), "record", "records")
              << " of exercises and reminders: they are exported to be read, not imported.\n";
  }
  return absl::OkStatus();
}

}  // namespace

void AddExportCommands(CLI::App& app, const GlobalOptions& global, CommandTable& table) {
  const std::string group = "Vault";
  auto exp = std::make_shared<ExportOptions>();
  CLI::App* export_cmd = app.add_subcommand(
      "export", "Write everything you can read here as JSON (lossless) or Markdown (readable)");
  export_cmd->group(group);
  export_cmd->add_option("--format", exp->format, "json (what attune import reads) or markdown")
      ->check(CLI::IsMember({"json", "markdown"}))
      ->capture_default_str();
  export_cmd
      ->add_option("--output,-o", exp->output,
                   "Write to FILE (a new file, mode 0600) instead of the terminal")
      ->option_text("FILE");
  table.Set(export_cmd, [&global, exp] { return RunExport(global, *exp); });

  auto imp = std::make_shared<ImportOptions>();
  CLI::App* import_cmd = app.add_subcommand(
      "import", "Bring your own records back from a JSON export (into this vault)");
  import_cmd->group(group);
  import_cmd->add_option("FILE", imp->file, "A file attune export --format json wrote")->required();
  table.Set(import_cmd, [&global, imp] { return RunImport(global, *imp); });
}

}  // namespace attune::cli
