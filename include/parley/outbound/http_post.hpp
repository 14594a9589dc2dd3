#pragma once
// Outgoing HTTP over libcurl, shared by the clients that call other services (Resend, the
// customer's product-context endpoint): one easy handle per client (kept for connection
// reuse), the same safe options (http(s) only, no redirects, certificates checked, no
// signals), time-outs and a cap on the answer's size.
#include <atomic>
#include <chrono>
#include <cstddef>
#include <map>
#include <string>
#include <vector>

namespace parley::outbound {

// What came back from one request. `status` 0: no HTTP answer (transport error or time-out).
struct HttpResult {
  long status = 0;
  std::string body;
  std::map<std::string, std::string> headers;  // names lower-cased
  std::string transport_error;                 // curl's message when status is 0
  bool timed_out = false;
  bool aborted = false;    // stopped by the caller's abort flag (shutdown)
  bool oversize = false;   // the answer passed max_response and OversizeAnswer::abort was asked
};

// What to do with an answer longer than `max_response`.
enum class OversizeAnswer {
  truncate,  // keep the first max_response bytes and finish the transfer
  abort,     // stop the transfer at once: status 0, oversize = true
};

struct PostRequest {
  std::string url;
  std::vector<std::string> headers;  // "Name: value"
  std::string body;
  std::string user_agent;
  std::chrono::milliseconds connect_timeout = std::chrono::seconds(5);
  std::chrono::milliseconds total_timeout = std::chrono::seconds(10);
  std::size_t max_response = 64 * 1024;
  OversizeAnswer oversize = OversizeAnswer::truncate;
};

// One libcurl easy handle, used by one thread at a time.
class HttpHandle {
 public:
  HttpHandle();
  ~HttpHandle();
  HttpHandle(const HttpHandle&) = delete;
  HttpHandle& operator=(const HttpHandle&) = delete;

  // Blocks for at most the request's total time-out; `abort` (when set) ends it early.
  HttpResult post(const PostRequest& request, const std::atomic<bool>* abort = nullptr);

 private:
  void* curl_ = nullptr;  // CURL*, kept out of this header
};

// curl_global_init, once per process (call before starting threads that use curl).
void init_curl();

}  // namespace parley::outbound
