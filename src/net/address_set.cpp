#include "parley/net/address_set.hpp"

#include <boost/asio/ip/address.hpp>

#include <charconv>
#include <cstring>
#include <optional>

namespace parley::net {
namespace {

namespace ip = boost::asio::ip;

bool to_address(std::string_view text, ip::address& out) {
  boost::system::error_code ec;
  out = ip::make_address(std::string(text), ec);
  if (ec) return false;
  if (out.is_v6() && out.to_v6().is_v4_mapped()) out = ip::make_address_v4(ip::v4_mapped, out.to_v6());
  return true;
}

}  // namespace

bool AddressSet::parse(std::string_view text, Net& out, bool allow_prefix) {
  std::string_view addr_text = text;
  std::optional<unsigned> prefix;
  if (auto slash = text.find('/'); slash != std::string_view::npos) {
    if (!allow_prefix) return false;
    addr_text = text.substr(0, slash);
    auto digits = text.substr(slash + 1);
    unsigned n = 0;
    auto [end, ec] = std::from_chars(digits.data(), digits.data() + digits.size(), n);
    if (ec != std::errc{} || end != digits.data() + digits.size() || digits.empty()) return false;
    prefix = n;
  }
  ip::address a;
  if (!to_address(addr_text, a)) return false;
  out.v6 = a.is_v6();
  if (a.is_v4()) {
    auto b = a.to_v4().to_bytes();
    std::memcpy(out.bytes.data(), b.data(), b.size());
  } else {
    auto b = a.to_v6().to_bytes();
    std::memcpy(out.bytes.data(), b.data(), b.size());
  }
  unsigned max = out.v6 ? 128 : 32;
  if (prefix && *prefix > max) return false;
  out.prefix = prefix.value_or(max);
  return true;
}

AddressSet::AddressSet(const std::vector<std::string>& entries, std::vector<std::string>* invalid) {
  for (const auto& e : entries) {
    Net n;
    if (parse(e, n, true)) nets_.push_back(n);
    else if (invalid) invalid->push_back(e);
  }
}

bool AddressSet::contains(std::string_view address) const {
  Net a;
  if (!parse(address, a, false)) return false;
  for (const auto& n : nets_) {
    if (n.v6 != a.v6) continue;
    unsigned full = n.prefix / 8, rest = n.prefix % 8;
    if (std::memcmp(n.bytes.data(), a.bytes.data(), full) != 0) continue;
    if (rest) {
      unsigned char mask = static_cast<unsigned char>(0xff << (8 - rest));
      if ((n.bytes[full] & mask) != (a.bytes[full] & mask)) continue;
    }
    return true;
  }
  return false;
}

std::string AddressSet::normalize(std::string_view address) {
  ip::address a;
  if (!to_address(address, a)) return {};
  return a.to_string();
}

}  // namespace parley::net
