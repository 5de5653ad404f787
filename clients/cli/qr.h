// QR codes in the terminal, for invites a phone can scan.
#ifndef ATTUNE_CLIENTS_CLI_QR_H_
#define ATTUNE_CLIENTS_CLI_QR_H_

#include <string>

namespace attune::cli {

// `text` as a QR code drawn with Unicode half blocks (two modules a line),
// dark on light with a quiet zone; empty if it cannot be encoded.
std::string QrCode(const std::string& text);

}  // namespace attune::cli

#endif  // ATTUNE_CLIENTS_CLI_QR_H_
