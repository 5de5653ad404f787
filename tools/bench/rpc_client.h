// How the bench talks to attuned: channels on the Unix socket, waiting until
// the daemon serves, and initialising its vault.
#ifndef ATTUNE_TOOLS_BENCH_RPC_CLIENT_H_
#define ATTUNE_TOOLS_BENCH_RPC_CLIENT_H_

#include <grpcpp/channel.h>
#include <grpcpp/support/status.h>

#include <chrono>
#include <functional>
#include <memory>
#include <string>

#include "attune/v1/api.grpc.pb.h"

namespace attune::bench {

// A channel with a connection of its own (a local subchannel pool, so two
// channels never share one HTTP/2 connection) and a short reconnect backoff,
// so a dial made before the socket exists retries within milliseconds.
std::shared_ptr<grpc::Channel> MakeChannel(const std::string& socket);

// Health-checks until the daemon answers SERVING. Throws std::runtime_error
// after `timeout`, or as soon as daemon_running() returns false (it fills
// its argument with how the daemon ended).
void WaitUntilServing(const std::string& socket, std::chrono::milliseconds timeout,
                      const std::function<bool(std::string*)>& daemon_running);

// Init with a fixed passphrase and the minimum KDF cost (this vault holds
// nothing but bench data). Throws std::runtime_error on failure.
void InitVault(const std::string& socket, const std::string& display_name = "bench");

// Reads every journal entry through ListJournalEntries, pages of 1,000;
// returns how many. Throws std::runtime_error on a failed call.
int ReadAll(v1::JournalService::Stub& stub);

// The passphrase InitVault sets (bench data only).
std::string BenchPassphrase();

// Unlock with InitVault's passphrase. Throws std::runtime_error on failure.
void UnlockVault(const std::string& socket);

v1::VaultStatus GetVaultStatus(const std::string& socket);

// "<code> <message>" of a failed call.
std::string Describe(const grpc::Status& s);

}  // namespace attune::bench

#endif  // ATTUNE_TOOLS_BENCH_RPC_CLIENT_H_
