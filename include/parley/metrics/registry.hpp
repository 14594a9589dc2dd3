#pragma once
// A small Prometheus registry: counters, gauges and fixed-bucket histograms, with labels,
// rendered in the text exposition format (version 0.0.4).
//
// The hot path is lock-free: recording is an atomic add on a metric the caller holds a
// reference to. Looking a labelled child up takes a shared (reader) lock and creating one
// an exclusive lock, so callers that record often keep the reference. Label values must
// come from a bounded set (route patterns, fixed reasons), never from raw input.
#include <atomic>
#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <shared_mutex>
#include <string>
#include <string_view>
#include <vector>

namespace parley::metrics {

using LabelValues = std::vector<std::string>;

class Counter {
 public:
  void inc(std::uint64_t n = 1) noexcept { value_.fetch_add(n, std::memory_order_relaxed); }
  std::uint64_t value() const noexcept { return value_.load(std::memory_order_relaxed); }

 private:
  std::atomic<std::uint64_t> value_{0};
};

class Gauge {
 public:
  void set(double v) noexcept { value_.store(v, std::memory_order_relaxed); }
  void add(double v) noexcept;
  double value() const noexcept { return value_.load(std::memory_order_relaxed); }

 private:
  std::atomic<double> value_{0};
};

class Histogram {
 public:
  // `bounds`: upper bounds, strictly increasing; +Inf is implied.
  explicit Histogram(std::vector<double> bounds);
  void observe(double v) noexcept;

  struct Snapshot {
    std::vector<std::uint64_t> cumulative;  // one per bound, then +Inf
    std::uint64_t count = 0;                // == cumulative.back()
    double sum = 0;
  };
  Snapshot snapshot() const;
  const std::vector<double>& bounds() const { return bounds_; }

 private:
  std::vector<double> bounds_;
  std::unique_ptr<std::atomic<std::uint64_t>[]> buckets_;  // bounds_.size() + 1
  std::atomic<double> sum_{0};
};

// Buckets for durations in seconds, from 0.5 ms to 10 s.
std::vector<double> latency_buckets();

// One metric name with a fixed set of label names; children are created on first use.
template <class T>
class Family;

class Registry {
 public:
  Registry();
  ~Registry();
  Registry(const Registry&) = delete;
  Registry& operator=(const Registry&) = delete;

  Family<Counter>& counter(std::string name, std::string help, std::vector<std::string> label_names = {});
  Family<Gauge>& gauge(std::string name, std::string help, std::vector<std::string> label_names = {});
  Family<Histogram>& histogram(std::string name, std::string help, std::vector<double> bounds,
                               std::vector<std::string> label_names = {});

  // A metric whose samples are read when scraped (a queue depth, a value kept elsewhere).
  struct Sample {
    LabelValues labels;
    double value = 0;
  };
  enum class Type { counter, gauge };
  void callback(std::string name, std::string help, Type type, std::vector<std::string> label_names,
                std::function<std::vector<Sample>()> read);
  // Shorthand for an unlabelled callback.
  void callback(std::string name, std::string help, Type type, std::function<double()> read);

  // The text exposition format, families in registration order.
  std::string render() const;

  // Throws std::invalid_argument unless `name` is a valid metric (or label) name.
  static void check_name(std::string_view name, bool label = false);

  class Collector {
   public:
    virtual ~Collector() = default;
    virtual void render(std::string& out) const = 0;
  };

 private:
  template <class C>
  C& add(std::unique_ptr<C> collector);

  mutable std::mutex mutex_;
  std::vector<std::unique_ptr<Collector>> collectors_;
};

// Rendering helpers, exposed for tests.
std::string format_value(double v);
std::string escape_label_value(std::string_view v);
std::string escape_help(std::string_view v);

namespace detail {
struct FamilyBase : Registry::Collector {
  FamilyBase(std::string n, std::string h, std::vector<std::string> l);
  void write_header(std::string& out, const char* type) const;
  // `{a="x",b="y"` without the closing brace (so `le` can be appended), or "" when unlabelled.
  std::string label_prefix(const LabelValues& values) const;
  std::string name, help;
  std::vector<std::string> label_names;
};
}  // namespace detail

template <class T>
class Family : public detail::FamilyBase {
 public:
  using Make = std::function<std::unique_ptr<T>()>;
  Family(std::string n, std::string h, std::vector<std::string> l, Make make)
      : FamilyBase(std::move(n), std::move(h), std::move(l)), make_(std::move(make)) {}

  // The child with these label values (as many as the family has label names).
  T& with(const LabelValues& values);
  // The unlabelled child.
  T& get() { return with({}); }

  void render(std::string& out) const override;

 private:
  Make make_;
  mutable std::shared_mutex mutex_;
  std::map<LabelValues, std::unique_ptr<T>> children_;
};

}  // namespace parley::metrics
