#include "daemon/records/member_settings.h"

#include <sodium.h>

#include "absl/strings/str_cat.h"
#include "daemon/base/hex.h"
#include "daemon/records/authorship.h"
#include "daemon/records/record_ops.h"

namespace attune {

std::string MemberSettingsId(std::string_view member_id) {
  const std::string input = absl::StrCat("attune-member-settings-v1", std::string(member_id));
  std::string id(kRawIdBytes, '\0');
  crypto_generichash(reinterpret_cast<unsigned char*>(id.data()), id.size(),
                     reinterpret_cast<const unsigned char*>(input.data()), input.size(), nullptr,
                     0);
  return RecordIdOf(member_id, std::move(id));
}

absl::StatusOr<RevealTogether> RevealTogetherNow(const KeySet& keys, const RecordStore& store) {
  RevealTogether out;
  const std::string me = ToHex(keys.member_id);
  auto s = store.ForEach(keys, Kind::kMemberSettings,
                         [&](std::string_view, const v1::RecordState& state) {
                           if (!IsLive(state)) return true;
                           const v1::MemberSettings& m = state.record().member_settings();
                           if (!m.reveal_together_off()) return true;
                           out.on = false;
                           out.off_by.push_back(m.author());
                           if (m.author() == me) out.mine_off = true;
                           return true;
                         });
  if (!s.ok()) return s;
  return out;
}

absl::Status SetRevealTogether(const ServiceContext& ctx, const KeySet& keys, bool on) {
  const std::string id = MemberSettingsId(keys.member_id);
  const std::string name = MakeName(kMemberSettings, id);
  return CommitWithRetry<bool>(
             [&]() -> absl::StatusOr<bool> {
               auto held = ctx.store->Get(keys, Kind::kMemberSettings, id);
               if (!held.ok()) return held.status();
               v1::MemberSettings settings;
               settings.set_reveal_together_off(!on);
               settings.set_visibility(v1::VISIBILITY_SHARED);
               if (!held->has_value() || !IsLive(**held)) {
                 auto written = CreateRecord(ctx, keys, Kind::kMemberSettings, id, &settings,
                                             Mutation::Require::kAbsent);
                 if (!written.ok()) return written.status();
                 return true;
               }
               auto written = UpdateRecord(ctx, keys, Kind::kMemberSettings, id, name, settings,
                                           {v1::MemberSettings::kRevealTogetherOffFieldNumber,
                                            v1::MemberSettings::kVisibilityFieldNumber});
               if (!written.ok()) return written.status();
               return true;
             },
             "settings: they kept changing while this change was written; try again")
      .status();
}

}  // namespace attune
