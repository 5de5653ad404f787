// An export (ExportService.Export) as a readable Markdown journal: journal
// entries, check-ins, goals with their progress, appreciations and exercise
// sessions, oldest first within each, every record naming its author and
// whether it is private or shared. Pure: no I/O.
#ifndef ATTUNE_CLIENTS_CLI_EXPORT_MARKDOWN_H_
#define ATTUNE_CLIENTS_CLI_EXPORT_MARKDOWN_H_

#include <string>

#include "absl/time/time.h"
#include "attune/v1/api.pb.h"

namespace attune::cli {

// `all` holds the header and every record; times are shown in `zone`.
std::string ExportToMarkdown(const v1::ExportPart& all, absl::TimeZone zone);

}  // namespace attune::cli

#endif  // ATTUNE_CLIENTS_CLI_EXPORT_MARKDOWN_H_
