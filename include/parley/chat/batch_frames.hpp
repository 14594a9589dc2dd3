#pragma once
// Several frames for the same sockets as one: {"type":"batch","frames":[<frame>,…]}. An agent
// socket receives every message of every conversation; under load the event feed hands it
// hundreds of frames a page, and one WebSocket write (and one read, one event in the browser)
// per frame cost more than the frames themselves. Built once per page and shared by every
// agent socket, like any frame.
#include <cstddef>
#include <vector>

#include "parley/chat/link.hpp"

namespace parley::chat {

// Frames larger than this are sent as they are; smaller ones are packed, in order, into
// batches of at most this many bytes. A lone frame is never wrapped.
inline constexpr std::size_t kMaxBatchFrameBytes = 64 * 1024;

std::vector<Frame> batch_frames(const std::vector<Frame>& frames, std::size_t max_bytes = kMaxBatchFrameBytes);

}  // namespace parley::chat
