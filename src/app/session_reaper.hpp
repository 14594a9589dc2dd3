#pragma once
// Closes the sockets of agents whose sessions ended outside this process — disabled or
// password reset by `parley agent`, logged out through another Parley process, expired.
// (Logout and password change through this process close them at once.)
#include <condition_variable>
#include <mutex>
#include <thread>

#include "parley/chat/hub.hpp"
#include "parley/store/db_pool.hpp"

namespace parley::app {

class SessionReaper {
 public:
  SessionReaper(store::DbPool& pool, chat::Hub& hub, std::chrono::seconds interval);
  ~SessionReaper();
  void stop();

 private:
  void run();
  void check_once();

  store::DbPool& pool_;
  chat::Hub& hub_;
  std::chrono::seconds interval_;
  std::mutex mutex_;
  std::condition_variable cv_;
  bool stopping_ = false;
  std::thread thread_;
};

}  // namespace parley::app
