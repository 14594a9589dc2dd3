#include "parley/chat/batch_frames.hpp"

#include <string_view>

namespace parley::chat {
namespace {

constexpr std::string_view kOpen = R"({"type":"batch","frames":[)";
constexpr std::string_view kClose = "]}";

}  // namespace

std::vector<Frame> batch_frames(const std::vector<Frame>& frames, std::size_t max_bytes) {
  std::vector<Frame> out;
  std::size_t i = 0;
  while (i < frames.size()) {
    // The longest run from i that fits in one batch (a frame too big to fit stands alone).
    std::size_t bytes = kOpen.size() + kClose.size() + frames[i]->size();
    std::size_t end = i + 1;
    while (end < frames.size() && bytes + 1 + frames[end]->size() <= max_bytes) bytes += 1 + frames[end++]->size();
    if (end - i == 1) {
      out.push_back(frames[i]);
    } else {
      std::string batch;
      batch.reserve(bytes);
      batch += kOpen;
      for (std::size_t k = i; k < end; ++k) {
        if (k > i) batch += ',';
        batch += *frames[k];
      }
      batch += kClose;
      out.push_back(make_frame(std::move(batch)));
    }
    i = end;
  }
  return out;
}

}  // namespace parley::chat
