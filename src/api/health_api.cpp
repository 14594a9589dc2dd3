#include <nlohmann/json.hpp>

#include "parley/api/api.hpp"
#include "parley/store/migrations.hpp"

namespace parley::api {

void register_health_routes(http::Router& router, ApiContext& ctx) {
  router.add("GET", "/healthz", [](const http::Request&, http::Responder respond) {
    respond(http::Response::json(200, {{"status", "ok"}}));
  });
  router.add("GET", "/readyz", [&ctx](const http::Request&, http::Responder respond) {
    int want = store::latest_migration_version();
    ctx.pool.run<int>(
        [](store::DbConn& conn) { return store::applied_migration_version(conn); },
        [respond, want](Outcome<int> r) {
          if (!r.ok()) return respond(http::Response::error(ApiError::unavailable()));
          if (r.value() < want) return respond(http::Response::error(ApiError(503, "not_migrated", "Migrations are pending")));
          respond(http::Response::json(200, {{"status", "ready"}}));
        });
  });
}

}  // namespace parley::api
