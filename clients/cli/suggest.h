// "Did you mean": the nearest of a set of known words to one mistyped.
#ifndef ATTUNE_CLIENTS_CLI_SUGGEST_H_
#define ATTUNE_CLIENTS_CLI_SUGGEST_H_

#include <string>
#include <string_view>
#include <vector>

namespace attune::cli {

// The words of `known` nearest to `typed` (edit distance at most 2, or
// starting with it, or it starting with them), nearest first, at most 3.
std::vector<std::string> Nearest(std::string_view typed, const std::vector<std::string>& known);

// "unknown command 'search'", then "; did you mean …?" with the nearest
// known ones, or "; the commands are: …" with all of them when none is near.
std::string UnknownCommandMessage(std::string_view typed, const std::vector<std::string>& known);

}  // namespace attune::cli

#endif  // ATTUNE_CLIENTS_CLI_SUGGEST_H_
