// Background work in attuned (storing a peer's ops, indexing for search)
// yields to the device's own person's calls when the cores are busy.
#ifndef ATTUNE_DAEMON_BASE_BACKGROUND_THREAD_H_
#define ATTUNE_DAEMON_BASE_BACKGROUND_THREAD_H_

namespace attune {

// Raises the calling thread's nice value to the one background threads
// share (Linux: per thread). Needs no privilege and cannot be undone
// without it, and threads it starts inherit it: call it only on a thread
// of attuned's own that does background work alone and never drives gRPC
// (whose threads poll every connection of the process, the owner's too).
void MarkThisThreadBackground();

}  // namespace attune

#endif  // ATTUNE_DAEMON_BASE_BACKGROUND_THREAD_H_
