// Paging shared by every List call: items carry a sort key, pages are taken
// in ascending key order, and the page token holds the last key handed out,
// so paging stays stable while records are added or deleted.
#ifndef ATTUNE_DAEMON_API_PAGING_H_
#define ATTUNE_DAEMON_API_PAGING_H_

#include <algorithm>
#include <cstdint>
#include <limits>
#include <string>
#include <utility>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/strings/str_format.h"
#include "daemon/records/resource.h"
#include "google/protobuf/repeated_ptr_field.h"

namespace attune {

// A sort key that orders newer times first, then by id.
inline std::string NewestFirstKey(absl::Time t, const std::string& id_hex) {
  return absl::StrFormat("%020d|%s", std::numeric_limits<int64_t>::max() - absl::ToUnixMicros(t),
                         id_hex);
}

// Collects items after the page token's key.
template <typename T>
class Pager {
 public:
  // INVALID_ARGUMENT for a bad token or page size.
  static absl::StatusOr<Pager> Make(const std::string& page_token, int page_size,
                                    int default_size) {
    auto size = PageSize(page_size, default_size);
    if (!size.ok()) return size.status();
    Pager p;
    p.size_ = static_cast<size_t>(*size);
    if (!page_token.empty()) {
      auto cursor = DecodePageToken(page_token);
      if (!cursor.ok()) return cursor.status();
      p.after_ = *cursor;
    }
    return p;
  }

  void Add(std::string key, T item) {
    if (after_.empty() || key > after_) items_.emplace_back(std::move(key), std::move(item));
  }

  // Moves the page into `out` and returns the next page token ("" at the end).
  // A page ends early, before the page size, once its items pass
  // kMaxPageBytes (it always holds at least one), so every response fits in
  // a client's default 4 MiB message limit; the token continues from there.
  std::string Finish(google::protobuf::RepeatedPtrField<T>* out) {
    size_t n = std::min(items_.size(), size_);
    std::partial_sort(items_.begin(), items_.begin() + n, items_.end(),
                      [](const auto& a, const auto& b) { return a.first < b.first; });
    size_t bytes = 0, taken = 0;
    while (taken < n) {
      bytes += items_[taken].second.ByteSizeLong() + kPerItemOverhead;
      if (taken > 0 && bytes > kMaxPageBytes) break;
      *out->Add() = std::move(items_[taken].second);
      ++taken;
    }
    return items_.size() > taken ? EncodePageToken(items_[taken - 1].first) : "";
  }

  static constexpr size_t kMaxPageBytes = 3 << 20;

 private:
  static constexpr size_t kPerItemOverhead = 8;  // tag and length of a repeated item

  size_t size_ = 0;
  std::string after_;
  std::vector<std::pair<std::string, T>> items_;
};

}  // namespace attune

#endif  // ATTUNE_DAEMON_API_PAGING_H_
