#pragma once
// A set of IP addresses and CIDR networks ("127.0.0.1", "::1", "10.0.0.0/8", "fd00::/8"),
// for PARLEY_TRUSTED_PROXIES and PARLEY_METRICS_ALLOW. An IPv4-mapped IPv6 address
// ("::ffff:10.1.2.3", what a dual-stack listener reports) matches as its IPv4 form.
#include <array>
#include <string>
#include <string_view>
#include <vector>

namespace parley::net {

class AddressSet {
 public:
  AddressSet() = default;
  // Entries that do not parse are skipped and listed in `invalid` when given.
  explicit AddressSet(const std::vector<std::string>& entries, std::vector<std::string>* invalid = nullptr);

  bool contains(std::string_view address) const;
  bool empty() const { return nets_.empty(); }

  // The address in canonical form, IPv4-mapped IPv6 unwrapped; empty when it does not parse.
  static std::string normalize(std::string_view address);

 private:
  struct Net {
    bool v6 = false;
    std::array<unsigned char, 16> bytes{};
    unsigned prefix = 0;
  };
  static bool parse(std::string_view text, Net& out, bool allow_prefix);
  std::vector<Net> nets_;
};

}  // namespace parley::net
