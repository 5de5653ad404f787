#include "bad_input_support.h"

namespace attune::testing {

// Everything a person can read back from `d`, and how many ops it wrote: a
// refused call must leave this exactly as it was.
std::string Snapshot(DaemonHarness& d) {
  std::string out;
  v1::VaultStatus status;
  grpc::Status s = d.GetStatus(&status);
  EXPECT_TRUE(s.ok()) << "the daemon stopped answering: " << Describe(s);
  out += status.DebugString();
  v1::ListMembersResponse members;
  if (v1::SpaceService::NewStub(d.channel())
          ->ListMembers(DaemonHarness::Context().get(), v1::ListMembersRequest(), &members)
          .ok()) {
    out += members.DebugString();
  }
  v1::ListPluginsResponse plugins;
  if (v1::PluginService::NewStub(d.channel())
          ->ListPlugins(DaemonHarness::Context().get(), v1::ListPluginsRequest(), &plugins)
          .ok()) {
    for (const auto& p : plugins.plugins()) {
      out += p.id() + " granted:";
      for (const auto& k : p.granted_permissions()) out += " " + k;
      out += "\n";
    }
  }
  if (status.state() != v1::VaultStatus::STATE_UNLOCKED) return out;
  for (const auto& e : ListAllJournalEntries(d)) out += e.DebugString();
  for (const auto& c : ListAllCheckIns(d)) out += c.DebugString();
  for (const auto& g : ListAllGoals(d, true)) {
    out += g.DebugString();
    v1::GetGoalStatusRequest req;
    req.set_name(g.name());
    v1::GoalStatus st;
    if (d.goals().GetGoalStatus(DaemonHarness::Context().get(), req, &st).ok()) {
      for (const auto& p : st.recent()) out += p.DebugString();
    }
  }
  v1::ListExerciseSessionsResponse sessions;
  if (v1::ExerciseService::NewStub(d.channel())
          ->ListExerciseSessions(DaemonHarness::Context().get(), v1::ListExerciseSessionsRequest(),
                                 &sessions)
          .ok()) {
    out += sessions.DebugString();
  }
  return out;
}

// Runs each case against `d` and checks the refusal, that nothing changed,
// and that the daemon still answers.
void ExpectAllRefused(DaemonHarness& d, const std::vector<Case>& cases) {
  const std::string before = Snapshot(d);
  for (const Case& c : cases) {
    SCOPED_TRACE(c.what);
    grpc::Status s = c.call();
    EXPECT_EQ(s.error_code(), c.code) << Describe(s);
    EXPECT_THAT(s.error_message(), HasSubstr(c.says));
    EXPECT_EQ(Snapshot(d), before) << "a refused call changed what is stored";
  }
}

// Sends `request` to `method` with `placeholder` in its encoding replaced by
// `raw` (as long): what a program with its own encoder could send, such as a
// string that is not UTF-8, which the C++ library refuses to encode.
grpc::Status CallRaw(const std::shared_ptr<grpc::Channel>& channel, const std::string& method,
                     const google::protobuf::Message& request, const std::string& placeholder,
                     const std::string& raw) {
  std::string bytes = request.SerializeAsString();
  size_t at = bytes.find(placeholder);
  EXPECT_NE(at, std::string::npos);
  EXPECT_EQ(placeholder.size(), raw.size());
  if (at != std::string::npos) bytes.replace(at, placeholder.size(), raw);
  grpc::GenericStub stub(channel);
  grpc::CompletionQueue cq;
  auto ctx = Ctx();
  grpc::Slice slice(bytes);
  grpc::ByteBuffer in(&slice, 1), out;
  auto call = stub.PrepareUnaryCall(ctx.get(), method, in, &cq);
  call->StartCall();
  grpc::Status status;
  call->Finish(&out, &status, reinterpret_cast<void*>(1));
  void* tag = nullptr;
  bool ok = false;
  EXPECT_TRUE(cq.Next(&tag, &ok));
  cq.Shutdown();
  while (cq.Next(&tag, &ok)) {
  }
  return status;
}

}  // namespace attune::testing
