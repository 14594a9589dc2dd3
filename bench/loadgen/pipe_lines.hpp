#pragma once
// Lines over the pipes between the load generator's parent and its forked children (status up,
// control down): blocking, one line at a time, nothing buffered past the newline.
#include <unistd.h>

#include <string>

namespace loadgen {

inline void write_line(int fd, const std::string& line) {
  std::string s = line + "\n";
  for (std::size_t off = 0; off < s.size();) {
    ssize_t n = ::write(fd, s.data() + off, s.size() - off);
    if (n <= 0) return;
    off += static_cast<std::size_t>(n);
  }
}

// The next line without its newline; what there is at EOF.
inline std::string read_line(int fd) {
  std::string line;
  char c;
  while (::read(fd, &c, 1) == 1) {
    if (c == '\n') return line;
    line += c;
  }
  return line;
}

}  // namespace loadgen
