#pragma once
// A thread that runs a chore every `interval` until stopped. stop() (or the destructor)
// wakes it at once and joins it, so shutdown never waits out an interval.
#include <chrono>
#include <condition_variable>
#include <functional>
#include <mutex>
#include <thread>

namespace parley {

class PeriodicThread {
 public:
  PeriodicThread() = default;
  PeriodicThread(const PeriodicThread&) = delete;
  PeriodicThread& operator=(const PeriodicThread&) = delete;
  ~PeriodicThread() { stop(); }

  // The first run is one interval after start. `chore` runs without any lock held.
  void start(std::chrono::milliseconds interval, std::function<void()> chore) {
    thread_ = std::thread([this, interval, chore = std::move(chore)] {
      std::unique_lock lock(mutex_);
      while (!cv_.wait_for(lock, interval, [this] { return stopping_; })) {
        lock.unlock();
        chore();
        lock.lock();
      }
    });
  }

  void stop() {
    {
      std::lock_guard lock(mutex_);
      if (stopping_) return;
      stopping_ = true;
    }
    cv_.notify_all();
    if (thread_.joinable()) thread_.join();
  }

 private:
  std::mutex mutex_;
  std::condition_variable cv_;
  bool stopping_ = false;
  std::thread thread_;
};

}  // namespace parley
