#include "socket_owner.h"

#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <sstream>
#include <string>
#include <system_error>

namespace attune::testing {
namespace {

// The port of an address in /proc/net/tcp form, "0100007F:C350".
int PortOf(const std::string& address) {
  auto colon = address.rfind(':');
  if (colon == std::string::npos) return -1;
  return static_cast<int>(std::stoul(address.substr(colon + 1), nullptr, 16));
}

// The socket inode of the connection, from /proc/net/tcp and tcp6; "" if none.
std::string SocketInode(uint16_t client_port, uint16_t server_port) {
  for (const char* table : {"/proc/net/tcp", "/proc/net/tcp6"}) {
    std::ifstream in(table);
    std::string line;
    std::getline(in, line);  // the header
    while (std::getline(in, line)) {
      std::istringstream fields(line);
      std::string slot, local, remote, state, queues, timer, retransmits, uid, timeout, inode;
      if (!(fields >> slot >> local >> remote >> state >> queues >> timer >> retransmits >> uid >>
            timeout >> inode)) {
        continue;
      }
      if (PortOf(local) == client_port && PortOf(remote) == server_port && inode != "0") {
        return inode;
      }
    }
  }
  return "";
}

}  // namespace

pid_t LoopbackClientOwner(uint16_t client_port, uint16_t server_port,
                          const std::vector<pid_t>& candidates) {
  std::string inode = SocketInode(client_port, server_port);
  if (inode.empty()) return -1;
  const std::string wanted = "socket:[" + inode + "]";
  for (pid_t pid : candidates) {
    if (pid <= 0) continue;
    std::error_code ec;
    // A process may end, and its fds change, while it is read: never throw.
    for (std::filesystem::directory_iterator it("/proc/" + std::to_string(pid) + "/fd", ec);
         !ec && it != std::filesystem::directory_iterator(); it.increment(ec)) {
      char target[64];
      ssize_t n = ::readlink(it->path().c_str(), target, sizeof target - 1);
      if (n > 0 && std::string(target, static_cast<size_t>(n)) == wanted) return pid;
    }
  }
  return -1;
}

}  // namespace attune::testing
