#include <gtest/gtest.h>

#include <nlohmann/json.hpp>

#include <algorithm>

#include "parley/chat/batch_frames.hpp"

using parley::chat::batch_frames;
using parley::chat::Frame;
using parley::chat::make_frame;

namespace {

std::vector<Frame> numbered(int n, std::size_t pad = 0) {
  std::vector<Frame> out;
  for (int i = 0; i < n; ++i) {
    out.push_back(make_frame(nlohmann::json{{"type", "message"}, {"n", i}, {"pad", std::string(pad, 'x')}}.dump()));
  }
  return out;
}

// What a client does: unwraps batches, in order.
std::vector<int> received(const std::vector<Frame>& sent) {
  std::vector<int> out;
  for (const auto& f : sent) {
    auto j = nlohmann::json::parse(*f);
    if (j["type"] == "batch") {
      for (const auto& inner : j["frames"]) out.push_back(inner["n"].get<int>());
    } else {
      out.push_back(j["n"].get<int>());
    }
  }
  return out;
}

std::vector<int> range(int n) {
  std::vector<int> v;
  for (int i = 0; i < n; ++i) v.push_back(i);
  return v;
}

}  // namespace

TEST(BatchFrames, ALoneFrameIsNotWrapped) {
  auto one = numbered(1);
  auto out = batch_frames(one);
  ASSERT_EQ(out.size(), 1u);
  EXPECT_EQ(out[0], one[0]) << "the same shared frame, not a copy";
  EXPECT_TRUE(batch_frames({}).empty());
}

TEST(BatchFrames, SmallFramesBecomeOneValidBatchInOrder) {
  auto out = batch_frames(numbered(100));
  ASSERT_EQ(out.size(), 1u);
  EXPECT_EQ(nlohmann::json::parse(*out[0])["type"], "batch");
  EXPECT_EQ(received(out), range(100));
}

TEST(BatchFrames, BatchesStayWithinTheLimitAndBigFramesStandAlone) {
  std::vector<Frame> frames = numbered(50, 300);
  auto big = make_frame(nlohmann::json{{"type", "message"}, {"n", 50}, {"pad", std::string(5000, 'y')}}.dump());
  frames.push_back(big);
  for (auto& f : numbered(60, 300)) {
    auto j = nlohmann::json::parse(*f);
    j["n"] = j["n"].get<int>() + 51;
    frames.push_back(make_frame(j.dump()));
  }
  const std::size_t limit = 4096;
  auto out = batch_frames(frames, limit);
  EXPECT_GT(out.size(), 3u);
  for (const auto& f : out) {
    if (f != big) {
      EXPECT_LE(f->size(), limit);
    }
  }
  EXPECT_NE(std::find(out.begin(), out.end(), big), out.end()) << "the big frame is sent as it is";
  EXPECT_EQ(received(out), range(111));
}
