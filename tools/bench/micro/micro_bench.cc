// attune-microbench: Google Benchmark timings of the hot inner pieces of the
// write and sync paths, each alone, in this process:
//
//   op encode    serializing an op body and its header (what SealOp signs)
//   op seal      SealOp: nonce, encrypt, sign
//   op verify    VerifyOp: the Ed25519 check of a received op
//   op open      OpenOp: parse the header, decrypt the body
//   op apply     ApplyOp: merge a body into a record's state (per-field LWW)
//   view encode  a record state serialized deterministically and sealed for
//                the records view, as the store writes it
//   view decode  the reverse, as the store reads it
//
// `attune-microbench --benchmark_min_time=0.01` is the quick run CI makes.
#include <benchmark/benchmark.h>
#include <google/protobuf/io/coded_stream.h>
#include <google/protobuf/io/zero_copy_stream_impl_lite.h>

#include <string>
#include <vector>

#include "daemon/store/merge.h"
#include "daemon/vault/op_crypto.h"
#include "daemon/vault/view_crypto.h"
#include "tools/bench/op_fixtures.h"

namespace attune::bench {
namespace {

constexpr int kOps = 256;

struct Fixture {
  std::unique_ptr<KeySet> keys = MakeBenchKeys();
  std::vector<v1::OpBody> bodies;
  std::vector<v1::Op> ops;
  Fixture() {
    for (int i = 0; i < kOps; ++i) {
      bodies.push_back(MakeCheckInBody(i));
      auto op = SealOp(MakeHeader(*keys, static_cast<uint64_t>(i) + 1), bodies.back(), *keys);
      if (!op.ok()) std::abort();
      ops.push_back(std::move(*op));
    }
  }
};

const Fixture& F() {
  static const Fixture* f = new Fixture();
  return *f;
}

v1::Clock ClockOf(uint64_t seq) {
  v1::Clock c;
  c.set_hlc((uint64_t{1730000000000} + seq) << 16);
  c.set_device(F().keys->device_public_key);
  return c;
}

std::string Deterministic(const google::protobuf::Message& m) {
  std::string out;
  google::protobuf::io::StringOutputStream stream(&out);
  google::protobuf::io::CodedOutputStream coded(&stream);
  coded.SetSerializationDeterministic(true);
  m.SerializeToCodedStream(&coded);
  coded.Trim();
  return out;
}

void BM_OpEncode(benchmark::State& state) {
  const Fixture& f = F();
  size_t i = 0;
  for (auto _ : state) {
    std::string header = MakeHeader(*f.keys, i + 1).SerializeAsString();
    std::string body = f.bodies[i % kOps].SerializeAsString();
    benchmark::DoNotOptimize(header);
    benchmark::DoNotOptimize(body);
    ++i;
  }
}
BENCHMARK(BM_OpEncode);

void BM_OpSeal(benchmark::State& state) {
  const Fixture& f = F();
  size_t i = 0;
  for (auto _ : state) {
    auto op = SealOp(MakeHeader(*f.keys, i + 1), f.bodies[i % kOps], *f.keys);
    if (!op.ok()) state.SkipWithError("SealOp failed");
    benchmark::DoNotOptimize(op);
    ++i;
  }
}
BENCHMARK(BM_OpSeal);

void BM_OpVerify(benchmark::State& state) {
  const Fixture& f = F();
  size_t i = 0;
  for (auto _ : state) {
    if (!VerifyOp(f.ops[i++ % kOps], f.keys->device_public_key).ok()) {
      state.SkipWithError("VerifyOp failed");
    }
  }
}
BENCHMARK(BM_OpVerify);

void BM_OpOpen(benchmark::State& state) {
  const Fixture& f = F();
  size_t i = 0;
  for (auto _ : state) {
    v1::OpHeader header;
    auto body = OpenOp(f.ops[i++ % kOps], *f.keys, &header);
    if (!body.ok()) state.SkipWithError("OpenOp failed");
    benchmark::DoNotOptimize(body);
  }
}
BENCHMARK(BM_OpOpen);

void BM_OpApply(benchmark::State& state) {
  const Fixture& f = F();
  size_t i = 0;
  for (auto _ : state) {
    v1::RecordState record;
    // A create, then an edit of the same record: the common pair.
    if (!ApplyOp(f.bodies[i % kOps], ClockOf(i), &record).ok() ||
        !ApplyOp(f.bodies[(i + 1) % kOps], ClockOf(i + 1), &record).ok()) {
      state.SkipWithError("ApplyOp failed");
    }
    benchmark::DoNotOptimize(record);
    ++i;
  }
  state.SetItemsProcessed(static_cast<int64_t>(state.iterations()) * 2);
}
BENCHMARK(BM_OpApply);

v1::RecordState StateOf(int i) {
  v1::RecordState record;
  if (!ApplyOp(F().bodies[static_cast<size_t>(i) % kOps], ClockOf(static_cast<uint64_t>(i)),
               &record)
           .ok()) {
    std::abort();
  }
  return record;
}

void BM_ViewEncode(benchmark::State& state) {
  const Fixture& f = F();
  std::vector<v1::RecordState> states;
  for (int i = 0; i < kOps; ++i) states.push_back(StateOf(i));
  const std::string key = "\x02" + f.bodies[0].record_id();
  size_t i = 0;
  for (auto _ : state) {
    std::string sealed =
        SealValue(f.keys->data_key, "records", key, Deterministic(states[i++ % kOps]));
    benchmark::DoNotOptimize(sealed);
  }
}
BENCHMARK(BM_ViewEncode);

void BM_ViewDecode(benchmark::State& state) {
  const Fixture& f = F();
  const std::string key = "\x02" + f.bodies[0].record_id();
  std::vector<std::string> sealed;
  for (int i = 0; i < kOps; ++i) {
    sealed.push_back(SealValue(f.keys->data_key, "records", key, Deterministic(StateOf(i))));
  }
  size_t i = 0;
  for (auto _ : state) {
    auto plain = OpenValue(f.keys->data_key, "records", key, sealed[i++ % kOps]);
    v1::RecordState record;
    if (!plain.ok() || !record.ParseFromString(*plain)) state.SkipWithError("open failed");
    benchmark::DoNotOptimize(record);
  }
}
BENCHMARK(BM_ViewDecode);

}  // namespace
}  // namespace attune::bench

BENCHMARK_MAIN();
