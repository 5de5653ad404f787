// Writes the seed corpus of every fuzz target (tests/fuzz/corpus/<target>/):
// a few valid inputs and a few near misses each, made with the daemon's own
// encoders and the fixed identities of fuzz_support.h.
//
//   build/tests/fuzz/fuzz_make_corpus tests/fuzz/corpus
//
// Ops and certificates are signed, so the corpus changes (nonces) every
// time it is written; write it again only when a format changes.
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <string>
#include <vector>

#include "attune/plugin/v1/plugin.pb.h"
#include "attune/v1/exercise.pb.h"
#include "daemon/plugins/handshake.h"
#include "daemon/sync/invites.h"
#include "daemon/vault/device_id.h"
#include "daemon/vault/op_crypto.h"
#include "tests/fuzz/fuzz_support.h"

namespace attune::fuzz {
namespace {

namespace fs = std::filesystem;

fs::path g_root;

void Write(const std::string& target, const std::string& name, const std::string& bytes) {
  fs::create_directories(g_root / target);
  std::ofstream out(g_root / target / name, std::ios::binary | std::ios::trunc);
  out << bytes;
  if (!out) {
    std::fprintf(stderr, "cannot write %s/%s\n", target.c_str(), name.c_str());
    std::exit(1);
  }
}

std::string Byte(int b) { return std::string(1, static_cast<char>(b)); }

v1::OpHeader Header(const KeySet& author, uint64_t seq, v1::Visibility visibility) {
  v1::OpHeader h;
  h.set_space_id(kSpaceId);
  h.set_author_device(author.device_public_key);
  h.set_seq(seq);
  h.set_hlc((kAddedAtMs + seq) << 16);
  h.set_key_epoch(0);
  h.set_visibility(visibility);
  return h;
}

v1::OpBody CheckInBody(const std::string& high) {
  v1::OpBody b;
  b.set_kind(v1::Record::kCheckIn);
  b.set_record_id(std::string(16, 'c'));
  for (int f : {2, 4, 5, 6, 7}) b.add_fields(static_cast<uint32_t>(f));
  auto* c = b.mutable_record()->mutable_check_in();
  c->set_day("2026-11-25");
  c->set_high(high);
  c->set_low("a long day");
  auto* e = c->add_emotions();
  e->set_label("grateful");
  e->set_intensity(4);
  c->set_connection_rating(4);
  return b;
}

v1::OpBody JournalBody() {
  v1::OpBody b;
  b.set_kind(v1::Record::kJournalEntry);
  b.set_record_id(std::string(16, 'j'));
  for (int f : {2, 3}) b.add_fields(static_cast<uint32_t>(f));
  auto* j = b.mutable_record()->mutable_journal_entry();
  j->set_title("Sunday");
  j->set_body("We walked by the river and talked about the week.");
  return b;
}

v1::OpBody TombstoneBody() {
  v1::OpBody b;
  b.set_kind(v1::Record::kCheckIn);
  b.set_record_id(std::string(16, 'c'));
  b.set_tombstone(true);
  return b;
}

v1::Op Seal(const v1::OpHeader& h, const v1::OpBody& b, const KeySet& keys) {
  auto op = SealOp(h, b, keys);
  if (!op.ok()) std::abort();
  return *op;
}

void OpEnvelope(const KeySet& founder, const KeySet& partner, const KeySet& stranger) {
  const std::string t = "op_envelope";
  v1::Op valid = Seal(Header(founder, 1, v1::VISIBILITY_SHARED), CheckInBody("a walk"), founder);
  Write(t, "received-founder-checkin", Byte(0) + valid.SerializeAsString());
  Write(t, "received-partner-journal",
        Byte(0) + Seal(Header(partner, 1, v1::VISIBILITY_SHARED), JournalBody(), partner)
                      .SerializeAsString());
  Write(t, "received-tombstone",
        Byte(0) + Seal(Header(founder, 2, v1::VISIBILITY_SHARED), TombstoneBody(), founder)
                      .SerializeAsString());
  v1::Op bad_signature = valid;
  (*bad_signature.mutable_signature())[5] ^= 0x01;
  Write(t, "received-bad-signature", Byte(0) + bad_signature.SerializeAsString());
  v1::Op bad_ciphertext = valid;
  (*bad_ciphertext.mutable_ciphertext())[0] ^= 0x01;
  Write(t, "received-bad-ciphertext", Byte(0) + bad_ciphertext.SerializeAsString());
  Write(t, "received-private",
        Byte(0) + Seal(Header(founder, 1, v1::VISIBILITY_PRIVATE), CheckInBody("mine"), founder)
                      .SerializeAsString());
  Write(t, "received-stranger",
        Byte(0) + Seal(Header(stranger, 1, v1::VISIBILITY_SHARED), CheckInBody("hi"), stranger)
                      .SerializeAsString());
  v1::OpHeader epoch = Header(founder, 1, v1::VISIBILITY_SHARED);
  epoch.set_key_epoch(7);
  Write(t, "received-unknown-epoch",
        Byte(0) + Seal(epoch, CheckInBody("later"), founder).SerializeAsString());
  Write(t, "received-empty", Byte(0));
  Write(t, "seal-checkin",
        Byte(1) + JoinFrames({Header(founder, 1, v1::VISIBILITY_SHARED).SerializeAsString(),
                              CheckInBody("sealed here").SerializeAsString()}));
  Write(t, "seal-journal",
        Byte(1) + JoinFrames({Header(founder, 3, v1::VISIBILITY_SHARED).SerializeAsString(),
                              JournalBody().SerializeAsString()}));
  Write(t, "seal-tombstone",
        Byte(1) + JoinFrames({Header(founder, 2, v1::VISIBILITY_SHARED).SerializeAsString(),
                              TombstoneBody().SerializeAsString()}));
  v1::OpBody mismatch = CheckInBody("kind mismatch");
  mismatch.set_kind(v1::Record::kAppreciation);
  Write(t, "seal-kind-mismatch",
        Byte(1) + JoinFrames({Header(founder, 1, v1::VISIBILITY_SHARED).SerializeAsString(),
                              mismatch.SerializeAsString()}));
}

v1::SyncMessage Hello(const KeySet& device, const KeySet& founder, const KeySet& partner) {
  v1::SyncMessage m;
  auto* h = m.mutable_hello();
  h->set_protocol_version(1);
  h->set_space_id(kSpaceId);
  h->set_device(device.device_public_key);
  auto* e = h->add_version_vector();
  e->set_device(partner.device_public_key);
  e->set_seq(2);
  for (auto& c : SpaceCerts(founder, partner)) *h->add_members() = c;
  h->add_addresses("127.0.0.1:27442");
  return m;
}

v1::SyncMessage Batch(const std::vector<v1::Op>& ops) {
  v1::SyncMessage m;
  for (const auto& op : ops) *m.mutable_ops()->add_ops() = op;
  return m;
}

void SyncMessage(const KeySet& founder, const KeySet& partner, const KeySet& stranger) {
  const std::string t = "sync_message";
  auto s = [](const v1::SyncMessage& m) { return m.SerializeAsString(); };
  v1::SyncMessage hello = Hello(partner, founder, partner);
  v1::Op op1 = Seal(Header(partner, 1, v1::VISIBILITY_SHARED), CheckInBody("from Sam"), partner);
  v1::Op op2 = Seal(Header(partner, 2, v1::VISIBILITY_SHARED), JournalBody(), partner);
  v1::Op op3 = Seal(Header(partner, 3, v1::VISIBILITY_SHARED), TombstoneBody(), partner);
  v1::Op forwarded = Seal(Header(founder, 1, v1::VISIBILITY_SHARED), CheckInBody("echo"), founder);
  Write(t, "hello", JoinFrames({s(hello)}));
  Write(t, "hello-ops", JoinFrames({s(hello), s(Batch({op1, op2}))}));
  Write(t, "hello-ops-gap", JoinFrames({s(hello), s(Batch({op1, op3}))}));
  Write(t, "hello-ops-duplicate-forwarded",
        JoinFrames({s(hello), s(Batch({op1})), s(Batch({op1, forwarded}))}));
  v1::SyncMessage members;
  for (auto& c : SpaceCerts(founder, partner)) *members.mutable_members()->add_members() = c;
  *members.mutable_members()->add_members() = CertFor(stranger, partner);
  v1::Op from_new =
      Seal(Header(stranger, 1, v1::VISIBILITY_SHARED), CheckInBody("new here"), stranger);
  Write(t, "hello-new-member-ops", JoinFrames({s(hello), s(members), s(Batch({from_new}))}));
  Write(t, "hello-ops-of-stranger", JoinFrames({s(hello), s(Batch({from_new}))}));
  v1::SyncMessage old = hello;
  old.mutable_hello()->set_protocol_version(2);
  Write(t, "hello-other-version", JoinFrames({s(old)}));
  Write(t, "hello-other-device", JoinFrames({s(Hello(founder, founder, partner))}));
  v1::SyncMessage self_signed = hello;
  *self_signed.mutable_hello()->add_members() = CertFor(stranger, stranger);
  Write(t, "hello-second-founder", JoinFrames({s(self_signed)}));
  Write(t, "ops-before-hello", JoinFrames({s(Batch({op1})), s(hello)}));
}

void InviteCodes(const KeySet& founder) {
  const std::string t = "invite_code";
  v1::InviteCode code;
  code.set_inviter_device(founder.device_public_key);
  code.add_addresses("127.0.0.1:27441");
  code.add_addresses("[::1]:27441");
  code.set_invite_id(std::string(16, 'i'));
  code.set_secret(std::string(32, 's'));
  code.set_expires_at_ms(kAddedAtMs + 600000);
  std::string text = EncodeInviteCode(code);
  Write(t, "valid", text);
  std::string spaced;
  for (size_t i = 0; i < text.size(); ++i) {
    spaced.push_back(static_cast<char>(std::toupper(static_cast<unsigned char>(text[i]))));
    if (i % 20 == 19) spaced += i % 60 == 59 ? "\r\n" : " ";
  }
  Write(t, "valid-upper-spaced", spaced);
  Write(t, "truncated", text.substr(0, text.size() - 9));
  Write(t, "no-prefix", text.substr(14));
  std::string bad_char = text;
  bad_char[30] = '1';
  Write(t, "bad-character", bad_char);
  v1::InviteCode no_address = code;
  no_address.clear_addresses();
  Write(t, "no-address", EncodeInviteCode(no_address));
  Write(t, "prefix-only", "attune-invite-");
}

void DeviceIds(const KeySet& founder) {
  const std::string t = "device_id";
  std::string id = FormatDeviceId(founder.device_public_key);
  Write(t, "formatted", id);
  std::string lower;
  for (char c : id) {
    if (c != '-') lower.push_back(static_cast<char>(std::tolower(static_cast<unsigned char>(c))));
  }
  Write(t, "lower-no-dashes", lower);
  std::string typo = id;
  typo[3] = typo[3] == 'A' ? 'B' : 'A';
  Write(t, "typo", typo);
  Write(t, "short", id.substr(0, 40));
  Write(t, "raw-key", founder.device_public_key);
  Write(t, "base32-text", "MZXW6YTBOI");
}

void Handshakes() {
  const std::string t = "plugin_handshake";
  const std::string dir = "/run/user/1000/attune/plugins/practices.x1Yz9Q";
  Write(t, "valid", FormatHandshake(1, dir + "/plugin.sock"));
  Write(t, "other-version", FormatHandshake(99, dir + "/plugin.sock"));
  Write(t, "tcp", "1|1|tcp|127.0.0.1:1234|grpc");
  Write(t, "outside-folder", FormatHandshake(1, dir + "/../other/plugin.sock"));
  Write(t, "four-fields", "1|1|unix|" + dir + "/plugin.sock");
  Write(t, "not-a-number", "one|1|unix|" + dir + "/plugin.sock|grpc");
  Write(t, "garbage", "hello from the plugin\x01\x7f");
}

void Manifests() {
  const std::string t = "plugin_manifest";
  const std::string exercise =
      "exercises {\n"
      "  id: \"daily-checkin\"\n"
      "  title: \"Daily check-in\"\n"
      "  summary: \"One high, one low, and how close you feel.\"\n"
      "  minutes: 10\n"
      "  mode: EXERCISE_MODE_PAIR\n"
      "  tags: \"daily\"\n"
      "}\n";
  const std::string head =
      "# a manifest\n"
      "id: \"practices\"\n"
      "version: \"1.0.0\"\n"
      "protocol_version: 1\n"
      "executable: \"attune-practices\"\n"
      "args: \"--quiet\"\n"
      "description: \"Everyday practices.\"\n"
      "permissions: \"check_in\"\n"
      "permissions: \"journal_entry\"\n";
  Write(t, "valid",
        head + exercise +
            "exercises { id: \"appreciation\" title: \"Appreciation\" summary: \"Say "
            "thanks.\" minutes: 5 mode: EXERCISE_MODE_SOLO }\n");
  Write(t, "duplicate-exercise", head + exercise + exercise);
  Write(t, "no-exercises", head);
  Write(t, "escapes-folder",
        "id: \"x\" version: \"1\" protocol_version: 1 executable: "
        "\"../bin/sh\"\n" +
            exercise);
  Write(t, "unknown-permission",
        "id: \"x\" version: \"1\" protocol_version: 1 executable: "
        "\"x\" permissions: \"keys\"\n" +
            exercise);
  Write(t, "syntax-error", "id: \"x\nversion: {");
}

std::string FinishInput(const plugin::v1::FinishResponse& f) {
  return Byte(0) + f.SerializeAsString();
}

std::string StepInput(const v1::Step& step, const v1::Answer& answer) {
  return Byte(1) + JoinFrames({step.SerializeAsString(), answer.SerializeAsString()});
}

void PluginOutputs() {
  const std::string t = "plugin_output";
  plugin::v1::FinishResponse f;
  f.set_summary("You listened for two minutes each.");
  f.add_used_items("question-17");
  auto* c = f.add_records()->mutable_check_in();
  c->set_high("the walk");
  c->set_low("the rain");
  c->set_connection_rating(4);
  auto* e = c->add_emotions();
  e->set_label(" Grateful ");
  f.add_records()->mutable_journal_entry()->set_body("What we said.");
  auto* a = f.add_records()->mutable_appreciation();
  a->set_text("Thank you for listening.");
  a->set_recipient("Sam");
  f.add_records()->mutable_goal_progress()->set_note("done together");
  auto* r = f.add_records()->mutable_plugin_record();
  r->set_key("deck-state");
  r->set_data(std::string("\x00\x01\x02", 3));
  Write(t, "finish-every-kind", FinishInput(f));
  plugin::v1::FinishResponse bad;
  bad.add_records()->mutable_check_in()->set_high("only a high");
  Write(t, "finish-bad-checkin", FinishInput(bad));
  plugin::v1::FinishResponse twice;
  twice.add_records()->mutable_plugin_record()->set_key("k");
  twice.add_records()->mutable_plugin_record()->set_key("k");
  Write(t, "finish-key-twice", FinishInput(twice));

  v1::Answer done;
  done.set_done(true);
  v1::Step prompt;
  prompt.set_key("intro");
  prompt.set_title("Welcome");
  prompt.mutable_prompt();
  Write(t, "step-prompt", StepInput(prompt, done));
  v1::Step turn;
  turn.set_key("turn-1");
  turn.set_text("Speak for two minutes.");
  turn.mutable_timed_turn()->set_seconds(120);
  turn.mutable_timed_turn()->set_speaker(v1::PERSON_FIRST);
  turn.mutable_timed_turn()->set_listener(v1::PERSON_SECOND);
  v1::Answer after = done;
  after.set_elapsed_seconds(118);
  Write(t, "step-timed-turn", StepInput(turn, after));
  v1::Step zero = turn;
  zero.mutable_timed_turn()->set_seconds(0);
  Write(t, "step-zero-turn", StepInput(zero, done));
  v1::Step text;
  text.set_key("words");
  text.set_title("Your words");
  text.mutable_text_input()->set_required(true);
  text.mutable_text_input()->set_max_chars(100);
  v1::Answer words;
  words.set_text("I heard that you felt alone.");
  Write(t, "step-text", StepInput(text, words));
  v1::Step choice;
  choice.set_key("pick");
  choice.set_title("Pick one");
  for (const char* k : {"walk", "talk", "cook"}) {
    auto* ch = choice.mutable_choice_input()->add_choices();
    ch->set_key(k);
    ch->set_label(std::string("We ") + k);
  }
  choice.mutable_choice_input()->set_max_choices(2);
  v1::Answer picked;
  picked.mutable_choices()->add_keys("walk");
  picked.mutable_choices()->add_keys("cook");
  Write(t, "step-choice", StepInput(choice, picked));
  v1::Step feelings;
  feelings.set_key("feel");
  feelings.set_title("How do you feel?");
  feelings.mutable_emotion_input()->set_max_labels(2);
  v1::Answer felt;
  auto* fe = felt.mutable_emotions()->add_emotions();
  fe->set_label("Calm");
  fe->set_intensity(2);
  Write(t, "step-emotions", StepInput(feelings, felt));
  v1::Step rating;
  rating.set_key("score");
  rating.set_title("How close?");
  rating.mutable_rating_input()->set_low_label("far");
  rating.mutable_rating_input()->set_high_label("close");
  v1::Answer five;
  five.set_rating(5);
  Write(t, "step-rating", StepInput(rating, five));
  v1::Answer six;
  six.set_rating(6);
  Write(t, "step-rating-out-of-range", StepInput(rating, six));
  v1::Step role;
  role.set_key("switch");
  role.set_title("Switch");
  role.mutable_role_switch()->set_speaker(v1::PERSON_SECOND);
  role.mutable_role_switch()->set_listener(v1::PERSON_FIRST);
  Write(t, "step-role-switch", StepInput(role, done));
}

}  // namespace
}  // namespace attune::fuzz

int main(int argc, char** argv) {
  using namespace attune::fuzz;
  if (argc != 2) {
    std::fprintf(stderr, "usage: %s CORPUS_DIR\n", argv[0]);
    return 2;
  }
  g_root = argv[1];
  auto founder = Founder();
  auto partner = Partner();
  auto stranger = Stranger();
  OpEnvelope(*founder, *partner, *stranger);
  SyncMessage(*founder, *partner, *stranger);
  InviteCodes(*founder);
  DeviceIds(*founder);
  Handshakes();
  Manifests();
  PluginOutputs();
  return 0;
}
