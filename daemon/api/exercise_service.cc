#include "daemon/api/exercise_service.h"

#include <sodium.h>

#include <algorithm>

#include "absl/strings/str_cat.h"
#include "common/grpc_status.h"
#include "common/step_names.h"
#include "daemon/api/checkin_service.h"
#include "daemon/api/exercise_records.h"
#include "daemon/api/paging.h"
#include "daemon/base/hex.h"
#include "daemon/plugins/exercise_options.h"
#include "daemon/plugins/output_check.h"
#include "daemon/plugins/permissions.h"
#include "daemon/plugins/step_check.h"
#include "daemon/records/emotions.h"
#include "daemon/records/kinds.h"
#include "daemon/records/validation.h"

namespace attune {
namespace {

constexpr char kSessions[] = "sessions";
constexpr size_t kMaxLiveSessions = 64;
constexpr int kMaxSteps = 500;
constexpr int kMaxHistory = 1000;

absl::Status CheckStartRequest(v1::StartSessionRequest* r) {
  if (r->exercise().empty()) return absl::InvalidArgumentError("exercise: is required");
  if (auto s = CheckText("partner_name", r->partner_name(), 64, false, TextLines::kOne); !s.ok())
    return s;
  if (r->options_size() > kMaxExerciseOptions) {
    return absl::InvalidArgumentError("options: at most 20");
  }
  for (const auto& [k, v] : r->options()) {
    if (!IsValidKey(k)) {
      return absl::InvalidArgumentError(absl::StrCat(
          "options: key \"", k.substr(0, 64), "\" must be 1 to 64 of a-z, 0-9, '-' and '_'"));
    }
    if (auto s = CheckText(absl::StrCat("options[", k, "]"), v, 64, false, TextLines::kOne);
        !s.ok())
      return s;
  }
  // Unset, it is decided once the exercise is known (Start).
  if (r->visibility() != v1::VISIBILITY_UNSPECIFIED) {
    v1::Visibility v = r->visibility();
    if (auto s = CheckVisibility("visibility", &v,
                                 RecordKindOf(Kind::kExerciseSession).default_visibility);
        !s.ok())
      return s;
  }
  return absl::OkStatus();
}

// The partner's name as steps say it.
std::string SecondName(const LiveSessionData& s) {
  return s.context.second_name().empty() ? "your partner" : s.context.second_name();
}

v1::LiveSession Present(const LiveSessionData& s) {
  v1::LiveSession out;
  out.set_name(s.name);
  out.set_exercise(s.exercise.id());
  out.set_title(s.exercise.title());
  out.set_first_name(s.context.first_name());
  out.set_second_name(SecondName(s));
  out.set_step_number(static_cast<int32_t>(s.transcript.size()) + 1);
  return out;
}

// The field a check's message names ("check_in.day: …" gives
// "check_in.day"): all the log and the plugin's last error may say of a bad
// answer of a plugin. The rest of the message can quote what the plugin sent
// back, which may be a person's own words; only the client is told that.
std::string FieldOf(absl::string_view message) {
  std::string text(message);
  return text.substr(0, std::min(text.find(':'), size_t{80}));
}

uint64_t RandomSeed() {
  uint64_t seed;
  randombytes_buf(&seed, sizeof seed);
  return seed;
}

// The bytes of what the person wrote, as the session record keeps it
// (AnswerText): a text step's answer; other answers are the plugin's words.
size_t WrittenBytes(const v1::Step& step, const v1::Answer& answer) {
  return step.has_text_input() ? AnswerText(step, answer).size() : 0;
}
size_t WrittenBytes(const std::vector<plugin::v1::Exchange>& transcript) {
  size_t bytes = 0;
  for (const auto& ex : transcript) bytes += WrittenBytes(ex.step(), ex.answer());
  return bytes;
}

}  // namespace

ExerciseServiceImpl::ExerciseServiceImpl(ServiceContext ctx, PluginHost* host)
    : ctx_(ctx), host_(host), sessions_(host->options().session_ttl, kMaxLiveSessions, ctx.clock) {}

grpc::Status ExerciseServiceImpl::ListExercises(grpc::ServerContext*,
                                                const v1::ListExercisesRequest*,
                                                v1::ListExercisesResponse* response) {
  host_->Rescan();
  for (const FoundPlugin& p : host_->Plugins()) {
    for (const auto& e : p.manifest.exercises()) {
      v1::Exercise* out = response->add_exercises();
      *out = e;
      out->set_plugin(p.manifest.id());
    }
  }
  return grpc::Status::OK;
}

grpc::Status ExerciseServiceImpl::StartSession(grpc::ServerContext*,
                                               const v1::StartSessionRequest* request,
                                               v1::LiveSession* response) {
  auto started = Start(*request);
  if (!started.ok()) return ToGrpc(started.status());
  *response = *std::move(started);
  return grpc::Status::OK;
}

absl::StatusOr<v1::LiveSession> ExerciseServiceImpl::Start(
    const v1::StartSessionRequest& original) {
  auto keys = ctx_.vault->Keys();
  if (!keys.ok()) return keys.status();
  v1::StartSessionRequest request = original;
  if (auto s = CheckStartRequest(&request); !s.ok()) return s;

  auto session = std::make_shared<LiveSessionData>();
  host_->RescanIfChanged();  // a newer install serves new sessions
  auto plugin = host_->FindExercise(request.exercise(), &session->exercise);
  if (absl::IsNotFound(plugin.status())) {
    host_->Rescan();  // it may have been installed since
    plugin = host_->FindExercise(request.exercise(), &session->exercise);
  }
  if (!plugin.ok()) return plugin.status();
  session->plugin = *plugin;
  auto granted = host_->Granted(*plugin);
  if (!granted.ok()) return granted.status();
  if (auto s = CheckCanStart(plugin->manifest, session->exercise, *granted); !s.ok()) return s;
  auto options = ResolveOptions(session->exercise, request.options());
  if (!options.ok()) return options.status();

  std::string id = NewRecordId();
  session->name = MakeName(kSessions, id);
  session->start_time = ctx_.clock->Now();
  session->visibility = request.visibility();  // may be unset: see exercise_records.h
  session->replace_check_in = request.replace_check_in();
  plugin::v1::SessionContext& c = session->context;
  c.set_exercise(request.exercise());
  c.set_session_id(ToHex(id));
  c.set_seed(RandomSeed());
  absl::TimeZone zone = ctx_.clock->LocalZone();
  c.set_today(FormatDay(absl::ToCivilDay(session->start_time, zone)));
  c.set_time_zone(zone.name());
  c.set_first_name((*keys)->display_name.empty() ? "you" : (*keys)->display_name);
  c.set_second_name(request.partner_name());
  *c.mutable_vocabulary() = EmotionVocabulary();
  auto history = FinishedSessions(ctx_, **keys, request.exercise());
  if (!history.ok()) return history.status();
  for (const auto& h : *history) {
    if (c.history_size() >= kMaxHistory) break;
    plugin::v1::PastSession* past = c.add_history();
    past->set_day(h.day());
    *past->mutable_used_items() = h.used_items();
  }
  auto records = PluginRecordsOf(ctx_, **keys, plugin->manifest.id());
  if (!records.ok()) return records.status();
  for (auto& r : *records) *c.add_records() = std::move(r);
  for (auto& [k, v] : *options) (*c.mutable_options())[k] = std::move(v);

  plugin::v1::StartRequest start;
  *start.mutable_context() = c;
  auto reply = host_->Start(plugin->manifest.id(), start);
  if (!reply.ok()) host_->Release(plugin->manifest.id(), c.session_id());
  if (absl::IsAborted(reply.status())) {
    return absl::AbortedError(
        absl::StrCat("the session could not start: ", reply.status().message()));
  }
  if (!reply.ok()) return reply.status();
  return Next(**keys, session, std::move(reply), /*first=*/true);
}

absl::Status ExerciseServiceImpl::End(const std::shared_ptr<LiveSessionData>& session,
                                      const absl::Status& why) {
  sessions_.Remove(session->name);
  host_->Release(session->plugin.manifest.id(), session->context.session_id());
  if (absl::IsAborted(why)) {
    return absl::AbortedError(absl::StrCat("the session ended: ", why.message(),
                                           ". Nothing of it was stored; start a new one."));
  }
  return why;
}

absl::StatusOr<v1::LiveSession> ExerciseServiceImpl::Next(
    const KeySet& keys, const std::shared_ptr<LiveSessionData>& session,
    absl::StatusOr<plugin::v1::StepResponse> reply, bool first) {
  const std::string& plugin_id = session->plugin.manifest.id();
  if (!reply.ok()) return End(session, reply.status());
  // `logged`, when given, is what the log may say (see FieldOf).
  auto misbehaved = [&](const std::string& what, const std::string& logged = "") {
    host_->ReportMisbehaviour(plugin_id, session->context.session_id(),
                              logged.empty() ? what : logged);
    return End(session, absl::AbortedError(absl::StrCat("plugin ", plugin_id, " ", what)));
  };
  if (reply->complete() && reply->has_step()) {
    return misbehaved("answered with both a step and complete");
  }
  if (reply->complete()) {
    if (first) return misbehaved("answered Start with complete instead of a first step");
    return Finish(keys, session);
  }
  if (!reply->has_step()) return misbehaved("answered with neither a step nor complete");
  if (static_cast<int>(session->transcript.size()) >= kMaxSteps) {
    return misbehaved("went on for more than 500 steps");
  }
  v1::Step step = reply->step();
  if (auto s = CheckStep(&step, session->used_keys); !s.ok()) {
    return misbehaved(absl::StrCat("answered with a bad step (", s.message(), ")"),
                      absl::StrCat("answered with a bad step (", FieldOf(s.message()), ")"));
  }
  step = StepWithNames(std::move(step), session->context.first_name(), SecondName(*session));
  session->used_keys.insert(step.key());
  session->current = step;
  if (first) {
    if (auto s = sessions_.Add(session); !s.ok()) {
      host_->Release(plugin_id, session->context.session_id());
      return s;
    }
    host_->Hold(plugin_id, session->context.session_id());
  } else {
    host_->Hold(plugin_id, session->context.session_id());
    sessions_.Return(session->name);
  }
  v1::LiveSession out = Present(*session);
  *out.mutable_step() = std::move(step);
  return out;
}

absl::StatusOr<v1::LiveSession> ExerciseServiceImpl::Finish(
    const KeySet& keys, const std::shared_ptr<LiveSessionData>& session) {
  const std::string& plugin_id = session->plugin.manifest.id();
  plugin::v1::FinishRequest request;
  *request.mutable_context() = session->context;
  for (const auto& ex : session->transcript) *request.add_transcript() = ex;
  auto finish = host_->Finish(plugin_id, request, &session->served_version);
  if (!finish.ok()) return End(session, finish.status());
  finish->set_summary(
      WithNames(finish->summary(), session->context.first_name(), SecondName(*session)));
  if (auto s = CheckFinish(&*finish); !s.ok()) {
    std::string what = absl::StrCat("returned bad records (", s.message(), ")");
    host_->ReportMisbehaviour(plugin_id, session->context.session_id(),
                              absl::StrCat("returned bad records (", FieldOf(s.message()), ")"));
    return End(session, absl::AbortedError(absl::StrCat("plugin ", plugin_id, " ", what)));
  }
  auto granted = host_->Granted(session->plugin);
  if (!granted.ok()) return End(session, granted.status());
  if (auto s = CheckOutputs(session->plugin.manifest, session->exercise, *granted, *finish);
      !s.ok()) {
    return End(session, s);
  }
  auto stored = StoreFinishedSession(ctx_, keys, *session, *finish);
  if (IsCheckInExists(stored.status())) {
    // Not the plugin's fault, and not worth the person's answers: the
    // session goes back to its last step, for the client to ask and answer
    // it again with replace_check_in (or to abandon it). Nothing is stored.
    session->current = session->transcript.back().step();
    session->transcript.pop_back();
    sessions_.Return(session->name);
    return absl::FailedPreconditionError(absl::StrCat(
        "you have checked in for ", CheckInExistsDay(stored.status()),
        " already and this session would replace it: nothing was stored; answer the last step "
        "again with replace_check_in to replace it, or abandon the session"));
  }
  if (absl::IsInvalidArgument(stored.status())) {
    std::string what = absl::StrCat("returned bad records (", stored.status().message(), ")");
    host_->ReportMisbehaviour(
        plugin_id, session->context.session_id(),
        absl::StrCat("returned bad records (", FieldOf(stored.status().message()), ")"));
    return End(session, absl::AbortedError(absl::StrCat("plugin ", plugin_id, " ", what)));
  }
  if (!stored.ok()) return End(session, stored.status());
  host_->ReportSuccess(plugin_id, session->context.session_id());
  sessions_.Remove(session->name);
  host_->Release(plugin_id, session->context.session_id());
  v1::LiveSession out = Present(*session);
  out.set_step_number(static_cast<int32_t>(session->transcript.size()));
  out.set_finished(true);
  *out.mutable_record() = *std::move(stored);
  return out;
}

grpc::Status ExerciseServiceImpl::AnswerStep(grpc::ServerContext*,
                                             const v1::AnswerStepRequest* request,
                                             v1::LiveSession* response) {
  auto answered = Answer(*request);
  if (!answered.ok()) return ToGrpc(answered.status());
  *response = *std::move(answered);
  return grpc::Status::OK;
}

absl::StatusOr<v1::LiveSession> ExerciseServiceImpl::Answer(const v1::AnswerStepRequest& request) {
  auto keys = ctx_.vault->Keys();
  if (!keys.ok()) return keys.status();
  auto id = ParseName("session", request.session(), kSessions);
  if (!id.ok()) return id.status();
  if (!request.has_answer()) return absl::InvalidArgumentError("answer: is required");
  auto checked_out = sessions_.Checkout(request.session());
  if (!checked_out.ok()) return checked_out.status();
  std::shared_ptr<LiveSessionData> session = *std::move(checked_out);
  if (!request.step_key().empty() && request.step_key() != session->current.key()) {
    sessions_.Return(session->name);
    return absl::InvalidArgumentError(absl::StrCat("step_key: the session is at step \"",
                                                   session->current.key(), "\", not \"",
                                                   request.step_key().substr(0, 64), "\""));
  }
  v1::Answer answer = request.answer();
  if (auto s = CheckAnswer(session->current, &answer); !s.ok()) {
    sessions_.Return(session->name);
    return s;
  }
  // Only what the person writes counts, and can be written shorter.
  const size_t written = WrittenBytes(session->transcript);
  if (written + WrittenBytes(session->current, answer) > kMaxSessionAnswerBytes) {
    sessions_.Return(session->name);
    return absl::InvalidArgumentError(
        absl::StrCat("answer: one session keeps at most ", kMaxSessionAnswerBytes / 1024,
                     " KiB of answers and this one holds ", written / 1024,
                     " KiB already; shorten this answer, or answer it in a new session"));
  }
  if (request.replace_check_in()) session->replace_check_in = true;
  plugin::v1::Exchange* ex = &session->transcript.emplace_back();
  *ex->mutable_step() = session->current;
  *ex->mutable_answer() = std::move(answer);
  plugin::v1::AdvanceRequest advance;
  *advance.mutable_context() = session->context;
  for (const auto& e : session->transcript) *advance.add_transcript() = e;
  auto reply = host_->Advance(session->plugin.manifest.id(), advance);
  return Next(**keys, session, std::move(reply), /*first=*/false);
}

grpc::Status ExerciseServiceImpl::AbandonSession(grpc::ServerContext*,
                                                 const v1::AbandonSessionRequest* request,
                                                 google::protobuf::Empty*) {
  auto id = ParseName("session", request->session(), kSessions);
  if (!id.ok()) return ToGrpc(id.status());
  auto session = sessions_.Remove(request->session());
  if (session == nullptr) {
    return ToGrpc(absl::NotFoundError(absl::StrCat(request->session(), " not found")));
  }
  host_->Release(session->plugin.manifest.id(), session->context.session_id());
  return grpc::Status::OK;
}

grpc::Status ExerciseServiceImpl::ListExerciseSessions(
    grpc::ServerContext*, const v1::ListExerciseSessionsRequest* request,
    v1::ListExerciseSessionsResponse* response) {
  auto keys = ctx_.vault->Keys();
  if (!keys.ok()) return ToGrpc(keys.status());
  auto pager = Pager<v1::ExerciseSession>::Make(request->page_token(), request->page_size(), 50);
  if (!pager.ok()) return ToGrpc(pager.status());
  auto sessions = FinishedSessions(ctx_, **keys, request->exercise());
  if (!sessions.ok()) return ToGrpc(sessions.status());
  for (auto& s : *sessions) {
    std::string key = NewestFirstKey(FromProto(s.create_time()), s.name());
    pager->Add(std::move(key), std::move(s));
  }
  response->set_next_page_token(pager->Finish(response->mutable_sessions()));
  return grpc::Status::OK;
}

}  // namespace attune
