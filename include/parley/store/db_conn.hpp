#pragma once
// One PostgreSQL connection owned by one database thread, with its prepared statements.
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
    return txn.exec_prepared(st.name, std::forward<Args>(args)...);
  }

 private:
  pqxx::connection conn_;
  std::unordered_set<std::string> prepared_;
};

}  // namespace parley::store
