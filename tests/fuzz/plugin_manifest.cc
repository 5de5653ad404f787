// Fuzz target: a plugin's manifest.textproto (daemon/plugins/manifest.*),
// parsed and checked; an accepted manifest is then compared with the
// Describe answer it implies and the grants it asks for
// (daemon/plugins/permissions.*).
#include <cstddef>
#include <cstdint>
#include <string>

#include "daemon/plugins/manifest.h"
#include "daemon/plugins/permissions.h"
#include "tests/fuzz/fuzz_support.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  using namespace attune;
  std::string text(reinterpret_cast<const char*>(data), size);
  auto manifest = ParseManifest(text);
  if (!manifest.ok()) return 0;
  if (!CheckManifest(*manifest).ok()) fuzz::Broken("a parsed manifest fails its check");
  pv1::DescribeResponse described;
  described.set_plugin_id(manifest->id());
  described.set_version(manifest->version());
  for (const auto& e : manifest->exercises()) *described.add_exercises() = e;
  if (!CheckDescribeMatches(*manifest, described).ok()) {
    fuzz::Broken("a manifest does not match the Describe answer made from it");
  }
  auto granted = EffectiveGrant(*manifest, /*builtin=*/true, std::nullopt);
  for (const auto& e : manifest->exercises()) {
    if (!CheckCanStart(*manifest, e, granted).ok()) {
      fuzz::Broken("a built-in plugin cannot start with what its manifest asks for");
    }
  }
  return 0;
}
