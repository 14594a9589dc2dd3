// The operations files: docker-compose.yml parses and wires what it should, the Dockerfile
// builds with the very commands scripts/ use, the systemd unit is sane, and docs/OPERATIONS.md
// documents every setting the binary takes and every metric it exports.
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { parse as parseYaml } from 'yaml';
import { ROOT } from '../support/pg.mjs';
import { startParley, runParley } from '../support/parley.mjs';
import { request } from '../support/http.mjs';

const read = (p) => readFileSync(path.join(ROOT, p), 'utf8');

describe('docker/docker-compose.yml', () => {
  const compose = parseYaml(read('docker/docker-compose.yml'));
  const { services } = compose;

  it('parses as YAML and has db, parley and nginx', () => {
    assert.equal(typeof services, 'object');
    assert.deepEqual(Object.keys(services).sort(), ['db', 'nginx', 'parley']);
  });

  it('db: PostgreSQL 15 with a pg_isready health check and a volume', () => {
    assert.match(services.db.image, /^postgres:15\b/);
    assert.match([].concat(services.db.healthcheck.test).join(' '), /pg_isready/);
    assert.ok(services.db.volumes?.some((v) => /:\/var\/lib\/postgresql\/data$/.test(v)));
  });

  it('parley: built from docker/Dockerfile, waits for a healthy db, DATABASE_URL, /readyz health check', () => {
    const p = services.parley;
    assert.equal(p.build.dockerfile, 'docker/Dockerfile');
    assert.equal(p.build.context, '..');
    assert.equal(p.depends_on.db.condition, 'service_healthy');
    assert.match(p.environment.DATABASE_URL, /^postgresql:\/\/[^@]+@db:5432\/parley$/);
    assert.equal(p.environment.PARLEY_LISTEN, '0.0.0.0:8080');
    assert.ok(p.environment.PARLEY_TRUSTED_PROXIES, 'nginx must be a trusted proxy');
    assert.match([].concat(p.healthcheck.test).join(' '), /\/readyz/);
  });

  it('nginx: the nginx image with docker/nginx.conf mounted, ports 80 and 443, after parley is healthy', () => {
    const n = services.nginx;
    assert.match(n.image, /^nginx(:|$)/);
    assert.ok(n.volumes.some((v) => /^\.\/nginx\.conf:\/etc\/nginx\/conf\.d\/[^:]+\.conf(:ro)?$/.test(v)));
    assert.ok(n.ports.some((p) => /^"?443:443/.test(String(p))));
    assert.ok(n.ports.some((p) => /^"?80:80/.test(String(p))));
    assert.equal(n.depends_on.parley.condition, 'service_healthy');
  });

  it('the trusted-proxy network in Parley\'s settings is the compose network\'s subnet', () => {
    const subnet = compose.networks.parley.ipam.config[0].subnet;
    assert.equal(services.parley.environment.PARLEY_TRUSTED_PROXIES, subnet);
  });
});

describe('docker/Dockerfile', () => {
  const dockerfile = read('docker/Dockerfile');
  const common = read('scripts/lib/common.sh');

  it('builds on Debian 12 with the shared scripts/lib/common.sh steps, like scripts/run and scripts/test', () => {
    assert.match(dockerfile, /^FROM debian:12 AS build$/m);
    assert.match(dockerfile, /COPY scripts\/lib\/common\.sh/);
    assert.match(dockerfile, /source scripts\/lib\/common\.sh && ensure_build_packages/);
    assert.match(dockerfile, /source scripts\/lib\/common\.sh && build_parley/);
    // …and those are the functions scripts/ itself runs.
    assert.match(common, /^ensure_build_packages\(\) \{/m);
    assert.match(common, /^build_parley\(\) \{/m);
    assert.match(common, /^PARLEY_PACKAGES=\("\$\{PARLEY_BUILD_PACKAGES\[@\]\}"/m, 'scripts/ install a superset of the build packages');
    assert.match(read('scripts/run'), /^\s*(?:\w+=\S+\s+)*build_parley\b/m);
    assert.match(read('scripts/test'), /build_parley/);
  });

  it('runs slim: runtime packages from the same list, a non-root user, HEALTHCHECK on /readyz, 0.0.0.0:8080', () => {
    const runtime = dockerfile.slice(dockerfile.indexOf('AS runtime'));
    assert.match(dockerfile, /^FROM debian:12-slim AS runtime$/m);
    assert.match(runtime, /ensure_runtime_packages/);
    assert.ok(!/-dev\b|build-essential|cmake/.test(runtime.replace(/#.*$/gm, '')), 'build tools in the runtime stage');
    assert.match(runtime, /^USER parley/m);
    assert.match(runtime, /^HEALTHCHECK [^\n]*(\\\n[^\n]*)*\/readyz/m);
    assert.match(runtime, /PARLEY_LISTEN=0\.0\.0\.0:8080/);
    assert.match(runtime, /COPY --from=build \/src\/build\/parley /);
    // The runtime list names the libraries the binary links against.
    const list = /PARLEY_RUNTIME_PACKAGES=\(([^)]*)\)/s.exec(common)[1];
    for (const lib of ['libpqxx-6.4', 'libspdlog1.10', 'libcurl4', 'libsodium23']) assert.ok(list.includes(lib), `${lib} missing`);
  });
});

describe('docker/parley.service', () => {
  const unit = read('docker/parley.service');
  it('runs as parley with an EnvironmentFile, restarts on failure, raises LimitNOFILE, is hardened', () => {
    for (const line of [
      /^User=parley$/m,
      /^EnvironmentFile=\S+/m,
      /^ExecStart=\S*parley serve$/m,
      /^Restart=on-failure$/m,
      /^LimitNOFILE=\d+$/m,
      /^NoNewPrivileges=yes$/m,
      /^ProtectSystem=strict$/m,
      /^ProtectHome=yes$/m,
      /^PrivateTmp=yes$/m,
    ]) {
      assert.match(unit, line);
    }
    for (const section of ['[Unit]', '[Service]', '[Install]']) assert.ok(unit.includes(section), section);
  });
});

describe('docs/OPERATIONS.md', () => {
  const doc = read('docs/OPERATIONS.md');

  it('documents every setting `parley --help` lists (variable and flag)', async () => {
    const r = await runParley(['--help']);
    assert.equal(r.code, 0);
    const pairs = [...(r.stdout + r.stderr).matchAll(/^\s+(--[a-z-]+) VALUE\s*([A-Z_]+):/gm)].map((m) => [m[1], m[2]]);
    assert.ok(pairs.length >= 10, `could not read the settings from --help:\n${r.stdout}`);
    for (const [flag, env] of pairs) {
      assert.ok(doc.includes(`\`${env}\``), `${env} is not documented`);
      assert.ok(doc.includes(`\`${flag}\``), `${flag} is not documented`);
    }
  });

  it('documents every metric /metrics exports', async () => {
    const server = await startParley();
    try {
      const res = await request(server.url + '/metrics');
      assert.equal(res.status, 200);
      const names = [...res.text.matchAll(/^# TYPE (\S+) /gm)].map((m) => m[1]);
      assert.ok(names.length > 10);
      for (const name of names) assert.ok(doc.includes(name), `${name} is not in docs/OPERATIONS.md`);
    } finally {
      await server.stop();
    }
  });

  it('covers backups, restore, upgrades, logs, sizing and alerts', () => {
    for (const word of ['pg_dump', 'pg_restore', 'advisory lock', 'PARLEY_LOG_FORMAT', 'BENCHMARKS.md', 'agent add', 'alert']) {
      assert.ok(doc.includes(word), `"${word}" not found`);
    }
  });
});
