#include "parley/metrics/registry.hpp"

#include <charconv>
#include <cmath>
#include <stdexcept>

namespace parley::metrics {

void Gauge::add(double v) noexcept {
  double cur = value_.load(std::memory_order_relaxed);
  while (!value_.compare_exchange_weak(cur, cur + v, std::memory_order_relaxed)) {
  }
}

Histogram::Histogram(std::vector<double> bounds) : bounds_(std::move(bounds)) {
  for (std::size_t i = 1; i < bounds_.size(); ++i) {
    if (!(bounds_[i - 1] < bounds_[i])) throw std::invalid_argument("histogram bounds must increase");
  }
  buckets_ = std::make_unique<std::atomic<std::uint64_t>[]>(bounds_.size() + 1);
  for (std::size_t i = 0; i <= bounds_.size(); ++i) buckets_[i].store(0, std::memory_order_relaxed);
}

void Histogram::observe(double v) noexcept {
  // Few buckets: a linear scan beats a binary search here.
  std::size_t i = 0;
  while (i < bounds_.size() && v > bounds_[i]) ++i;
  buckets_[i].fetch_add(1, std::memory_order_relaxed);
  double cur = sum_.load(std::memory_order_relaxed);
  while (!sum_.compare_exchange_weak(cur, cur + v, std::memory_order_relaxed)) {
  }
}

Histogram::Snapshot Histogram::snapshot() const {
  Snapshot s;
  s.cumulative.resize(bounds_.size() + 1);
  std::uint64_t total = 0;
  for (std::size_t i = 0; i <= bounds_.size(); ++i) {
    total += buckets_[i].load(std::memory_order_relaxed);
    s.cumulative[i] = total;
  }
  // The count is the +Inf bucket, so a scrape racing an observation stays self-consistent.
  s.count = total;
  s.sum = sum_.load(std::memory_order_relaxed);
  return s;
}

std::vector<double> latency_buckets() {
  return {0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10};
}

std::string format_value(double v) {
  if (std::isnan(v)) return "NaN";
  if (std::isinf(v)) return v > 0 ? "+Inf" : "-Inf";
  char buf[64];
  auto [end, ec] = std::to_chars(buf, buf + sizeof buf, v);
  if (ec != std::errc{}) return "NaN";
  return std::string(buf, end);
}

std::string escape_label_value(std::string_view v) {
  std::string out;
  out.reserve(v.size());
  for (char c : v) {
    if (c == '\\') out += "\\\\";
    else if (c == '"') out += "\\\"";
    else if (c == '\n') out += "\\n";
    else out += c;
  }
  return out;
}

std::string escape_help(std::string_view v) {
  std::string out;
  for (char c : v) {
    if (c == '\\') out += "\\\\";
    else if (c == '\n') out += "\\n";
    else out += c;
  }
  return out;
}

void Registry::check_name(std::string_view name, bool label) {
  auto ok_first = [label](char c) {
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || c == '_' || (!label && c == ':');
  };
  auto ok = [&](char c) { return ok_first(c) || (c >= '0' && c <= '9'); };
  bool valid = !name.empty() && ok_first(name.front());
  for (char c : name) valid = valid && ok(c);
  if (label && name.substr(0, 2) == "__") valid = false;
  if (!valid) throw std::invalid_argument("invalid metric or label name: " + std::string(name));
}

namespace detail {

FamilyBase::FamilyBase(std::string n, std::string h, std::vector<std::string> l)
    : name(std::move(n)), help(std::move(h)), label_names(std::move(l)) {
  Registry::check_name(name);
  for (const auto& label : label_names) {
    Registry::check_name(label, true);
    if (label == "le") throw std::invalid_argument("\"le\" is reserved for histogram buckets");
  }
}

void FamilyBase::write_header(std::string& out, const char* type) const {
  out += "# HELP " + name + ' ' + escape_help(help) + '\n';
  out += "# TYPE " + name + ' ' + type + '\n';
}

std::string FamilyBase::label_prefix(const LabelValues& values) const {
  if (values.empty()) return {};
  std::string out = "{";
  for (std::size_t i = 0; i < values.size(); ++i) {
    if (i) out += ',';
    out += label_names[i] + "=\"" + escape_label_value(values[i]) + '"';
  }
  return out;
}

}  // namespace detail

namespace {

std::string close_labels(const std::string& prefix) { return prefix.empty() ? prefix : prefix + '}'; }

void render_child(std::string& out, const detail::FamilyBase& f, const LabelValues& values, const Counter& c) {
  out += f.name + close_labels(f.label_prefix(values)) + ' ' + std::to_string(c.value()) + '\n';
}

void render_child(std::string& out, const detail::FamilyBase& f, const LabelValues& values, const Gauge& g) {
  out += f.name + close_labels(f.label_prefix(values)) + ' ' + format_value(g.value()) + '\n';
}

void render_child(std::string& out, const detail::FamilyBase& f, const LabelValues& values, const Histogram& h) {
  auto s = h.snapshot();
  std::string prefix = f.label_prefix(values);
  std::string open = prefix.empty() ? "{" : prefix + ',';
  for (std::size_t i = 0; i < s.cumulative.size(); ++i) {
    std::string le = i < h.bounds().size() ? format_value(h.bounds()[i]) : "+Inf";
    out += f.name + "_bucket" + open + "le=\"" + le + "\"} " + std::to_string(s.cumulative[i]) + '\n';
  }
  out += f.name + "_sum" + close_labels(prefix) + ' ' + format_value(s.sum) + '\n';
  out += f.name + "_count" + close_labels(prefix) + ' ' + std::to_string(s.count) + '\n';
}

const char* type_name(const Counter*) { return "counter"; }
const char* type_name(const Gauge*) { return "gauge"; }
const char* type_name(const Histogram*) { return "histogram"; }

class CallbackCollector : public detail::FamilyBase {
 public:
  CallbackCollector(std::string n, std::string h, Registry::Type t, std::vector<std::string> l,
                    std::function<std::vector<Registry::Sample>()> read)
      : FamilyBase(std::move(n), std::move(h), std::move(l)), type_(t), read_(std::move(read)) {}

  void render(std::string& out) const override {
    write_header(out, type_ == Registry::Type::counter ? "counter" : "gauge");
    for (const auto& s : read_()) {
      if (s.labels.size() != label_names.size()) continue;
      out += name + close_labels(label_prefix(s.labels)) + ' ' + format_value(s.value) + '\n';
    }
  }

 private:
  Registry::Type type_;
  std::function<std::vector<Registry::Sample>()> read_;
};

}  // namespace

template <class T>
T& Family<T>::with(const LabelValues& values) {
  if (values.size() != label_names.size()) {
    throw std::invalid_argument(name + ": expected " + std::to_string(label_names.size()) + " label values");
  }
  {
    std::shared_lock lock(mutex_);
    auto it = children_.find(values);
    if (it != children_.end()) return *it->second;
  }
  std::unique_lock lock(mutex_);
  auto& slot = children_[values];
  if (!slot) slot = make_();
  return *slot;
}

template <class T>
void Family<T>::render(std::string& out) const {
  write_header(out, type_name(static_cast<const T*>(nullptr)));
  std::shared_lock lock(mutex_);
  for (const auto& [values, child] : children_) render_child(out, *this, values, *child);
}

template class Family<Counter>;
template class Family<Gauge>;
template class Family<Histogram>;

Registry::Registry() = default;
Registry::~Registry() = default;

template <class C>
C& Registry::add(std::unique_ptr<C> collector) {
  std::lock_guard lock(mutex_);
  C& ref = *collector;
  collectors_.push_back(std::move(collector));
  return ref;
}

Family<Counter>& Registry::counter(std::string name, std::string help, std::vector<std::string> label_names) {
  return add(std::make_unique<Family<Counter>>(std::move(name), std::move(help), std::move(label_names),
                                               [] { return std::make_unique<Counter>(); }));
}

Family<Gauge>& Registry::gauge(std::string name, std::string help, std::vector<std::string> label_names) {
  return add(std::make_unique<Family<Gauge>>(std::move(name), std::move(help), std::move(label_names),
                                             [] { return std::make_unique<Gauge>(); }));
}

Family<Histogram>& Registry::histogram(std::string name, std::string help, std::vector<double> bounds,
                                       std::vector<std::string> label_names) {
  Histogram probe(bounds);  // validates the bounds now, not at first use
  return add(std::make_unique<Family<Histogram>>(std::move(name), std::move(help), std::move(label_names),
                                                 [bounds] { return std::make_unique<Histogram>(bounds); }));
}

void Registry::callback(std::string name, std::string help, Type type, std::vector<std::string> label_names,
                        std::function<std::vector<Sample>()> read) {
  add(std::make_unique<CallbackCollector>(std::move(name), std::move(help), type, std::move(label_names),
                                          std::move(read)));
}

void Registry::callback(std::string name, std::string help, Type type, std::function<double()> read) {
  callback(std::move(name), std::move(help), type, {},
           [read = std::move(read)] { return std::vector<Sample>{Sample{{}, read()}}; });
}

std::string Registry::render() const {
  std::string out;
  out.reserve(8192);
  std::lock_guard lock(mutex_);
  for (const auto& c : collectors_) c->render(out);
  return out;
}

}  // namespace parley::metrics
