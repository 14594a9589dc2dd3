#pragma once
// One PostgreSQL connection owned by one database thread, with its prepared statements.
#include <cstdint>
#include <pqxx/pqxx>
#include <string>
#include <unordered_set>

namespace parley::store {

// A named SQL statement with $1.. parameters; prepared once per connection on first use.
struct Statement {
  const char* name;
  const char* sql;
};

class DbConn {
 public:
  explicit DbConn(const std::string& url) : conn_(url) {
    // JSON documents built in SQL carry times as ISO-8601 in UTC.
    pqxx::nontransaction(conn_).exec("SET TIME ZONE 'UTC'");
  }

  pqxx::connection& raw() { return conn_; }

  template <class... Args>
  pqxx::result exec(pqxx::transaction_base& txn, const Statement& st, Args&&... args) {
    if (prepared_.insert(st.name).second) conn_.prepare(st.name, st.sql);
    pqxx::result r = txn.exec_prepared(st.name, std::forward<Args>(args)...);
    ++statements_done_;
    return r;
  }

  // Statements exec() has completed on this connection: ConnectionSlot::run repeats work
  // only if none completed before the connection broke.
  std::uint64_t statements_done() const { return statements_done_; }

 private:
  pqxx::connection conn_;
  std::unordered_set<std::string> prepared_;
  std::uint64_t statements_done_ = 0;
};

}  // namespace parley::store
