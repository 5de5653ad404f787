// The Attune plugin SDK: everything a C++ exercise plugin needs.
//
//   #include "plugins/sdk/sdk.h"
//   namespace ap = attune::plugin;
//   int main(int argc, char** argv) {
//     ap::Exercise hello({.id = "hello", .title = "Hello", .summary = "…"});
//     hello.Add(ap::Prompt("hi", "Hello", "Say hello to {second}.").Aloud());
//     return ap::Serve(argc, argv, {.id = "hello", .version = "1.0.0"}, {hello});
//   }
//
// See plugins/README.md for the guide and a complete worked example.
#ifndef ATTUNE_PLUGINS_SDK_SDK_H_
#define ATTUNE_PLUGINS_SDK_SDK_H_

#include "plugins/sdk/exercise.h"
#include "plugins/sdk/outcome.h"
#include "plugins/sdk/serve.h"
#include "plugins/sdk/session.h"
#include "plugins/sdk/steps.h"

#endif  // ATTUNE_PLUGINS_SDK_SDK_H_
