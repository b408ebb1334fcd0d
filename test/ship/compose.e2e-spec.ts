import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { APP_NODE_FLAGS } from '../../src/node-flags';
import { ROOT } from '../support/test-env';
import { read, readYaml } from './support';

/**
 * No Docker engine runs here: docker-compose.yml, the Dockerfile and the files they mount are
 * checked as text, for what `docker compose up` relies on.
 */
type Service = {
  image?: string;
  build?: string;
  command?: string[];
  environment?: Record<string, string>;
  ports?: string[];
  volumes?: string[];
  healthcheck?: { test?: string[]; disable?: boolean };
  depends_on?: Record<string, { condition: string }>;
};
const compose = readYaml<{ services: Record<string, Service>; volumes: Record<string, unknown> }>(
  'docker-compose.yml',
);
const services = compose.services;
const user = (url: string) => new URL(url).username;

describe('docker-compose.yml', () => {
  it('runs the whole stack', () => {
    expect(Object.keys(services).sort()).toEqual(
      [
        'app',
        'grafana',
        'jaeger',
        'migrate',
        'postgres',
        'prometheus',
        'redis',
        'simulator',
        'worker',
      ].sort(),
    );
  });

  it('publishes every port on 127.0.0.1 only', () => {
    const published = Object.values(services).flatMap((s) => s.ports ?? []);
    expect(published.length).toBeGreaterThan(0);
    expect(published.filter((p) => !p.startsWith('127.0.0.1:'))).toEqual([]);
  });

  it('keeps PostgreSQL, Redis, Prometheus and Grafana data in named volumes', () => {
    const mounts: [string, string][] = [
      ['postgres', '/var/lib/postgresql/data'],
      ['redis', '/data'],
      ['prometheus', '/prometheus'],
      ['grafana', '/var/lib/grafana'],
    ];
    for (const [service, path] of mounts) {
      const volume = services[service].volumes!.find((v) => v.split(':')[1] === path);
      expect(volume).toBeDefined();
      expect(Object.keys(compose.volumes)).toContain(volume!.split(':')[0]);
    }
  });

  it('health-checks PostgreSQL and Redis, and the app, worker and simulator wait for them', () => {
    for (const name of ['postgres', 'redis', 'simulator', 'prometheus', 'grafana']) {
      expect(services[name].healthcheck?.test?.length).toBeGreaterThan(0);
    }
    for (const name of ['app', 'worker']) {
      // the image's HEALTHCHECK (below) is theirs: not disabled here
      expect(services[name].healthcheck?.disable).not.toBe(true);
      expect(services[name].depends_on).toEqual({
        postgres: { condition: 'service_healthy' },
        redis: { condition: 'service_healthy' },
        migrate: { condition: 'service_completed_successfully' },
      });
    }
  });

  it('protects PostgreSQL and Redis with passwords; Redis keeps an append-only file and never evicts', () => {
    const pg = services.postgres.environment!;
    expect(pg.POSTGRES_PASSWORD).toBeTruthy();
    expect(pg.POSTGRES_HOST_AUTH_METHOD).toBeUndefined();
    const redis = services.redis.command!.join(' ');
    expect(redis).toMatch(/--appendonly yes\b/);
    expect(redis).toMatch(/--maxmemory-policy noeviction\b/);
    const password = /--requirepass (\S+)/.exec(redis)![1];
    for (const name of ['app', 'worker']) {
      expect(new URL(services[name].environment!.REDIS_URL).password).toBe(password);
    }
  });

  it('runs the app as a least-privilege role and the migrations as the owner', () => {
    const pg = services.postgres.environment!;
    const [appRole, owner] = [pg.TICKETS_APP_USER, pg.TICKETS_OWNER_USER];
    expect(new Set([appRole, owner, 'postgres']).size).toBe(3);
    for (const name of ['app', 'worker']) {
      expect(user(services[name].environment!.POSTGRES_URL)).toBe(appRole);
      expect(services[name].environment!.MIGRATIONS).toBe('off');
    }
    expect(user(services.migrate.environment!.POSTGRES_URL)).toBe(owner);
    expect(services.migrate.command!.join(' ')).toMatch(/migration:run/);
    expect(services.postgres.volumes).toContain('./docker/postgres:/docker-entrypoint-initdb.d:ro');
    expect(read('docker/postgres/10-roles.sh')).toContain('roles.psql');
  });

  it('splits the roles: the app serves HTTP and relays, the workers consume', () => {
    expect(services.app.environment!.ROLES).toBe('api,relay');
    expect(services.worker.environment!.ROLES).toBe('worker');
    expect(services.worker.ports).toBeUndefined(); // scaled with --scale worker=N
    expect(services.app.environment!.GATEWAY_URL).toBe('http://simulator:8888');
    expect(services.simulator.environment!.APP_URL).toBe('http://app:8080');
    expect(services.app.environment!.OTEL_EXPORTER_OTLP_ENDPOINT).toBe('http://jaeger:4318');
  });

  it('starts only files that exist: every `node <file>` of a service comes from a source file', () => {
    const commands = Object.values(services)
      .map((s) => s.command)
      .filter((c): c is string[] => c?.[0] === 'node');
    expect(commands.length).toBeGreaterThan(0);
    const dockerfileCmd = JSON.parse(/^CMD (\[.*\])$/m.exec(read('Dockerfile'))![1]) as string[];
    for (const command of [...commands, dockerfileCmd]) {
      const script = command.slice(1).find((a) => !a.startsWith('-'))!;
      const data = command.slice(command.indexOf(script) + 1);
      for (const file of [script, ...data.filter((a) => a.endsWith('.js'))]) {
        const source = file.startsWith('dist/')
          ? file.replace(/^dist\//, '').replace(/\.js$/, '.ts')
          : file;
        expect(existsSync(join(ROOT, source)) ? source : `${source} missing`).toBe(source);
      }
    }
  });

  it('has Prometheus scrape app and workers with the alert rules loaded, and Grafana provisioned', () => {
    expect(services.prometheus.volumes).toEqual(
      expect.arrayContaining([
        './docker/prometheus/prometheus.yml:/etc/prometheus/prometheus.yml:ro',
        './docker/prometheus/alerts.yml:/etc/prometheus/alerts.yml:ro',
      ]),
    );
    const prometheus = readYaml('docker/prometheus/prometheus.yml');
    expect(prometheus.rule_files).toEqual(['/etc/prometheus/alerts.yml']);
    const job = prometheus.scrape_configs.find(
      (j: { job_name: string }) => j.job_name === 'tickets',
    );
    expect(job.static_configs[0].targets).toEqual(['app:8080']);
    expect(job.dns_sd_configs[0].names).toEqual(['worker']);

    const grafanaMounts = services.grafana.volumes!;
    const dashboardsDir = grafanaMounts
      .find((v) => v.startsWith('./docker/grafana/dashboards:'))!
      .split(':')[1];
    const provider = readYaml('docker/grafana/provisioning/dashboards/tickets.yml').providers[0];
    expect(provider.options.path).toBe(dashboardsDir);
    const datasource = readYaml('docker/grafana/provisioning/datasources/prometheus.yml')
      .datasources[0];
    expect(datasource.url).toBe('http://prometheus:9090');
    const dashboard = JSON.parse(read('docker/grafana/dashboards/tickets.json'));
    const uids = new Set(
      dashboard.panels
        .filter((p: { type: string }) => p.type !== 'row')
        .map((p: { datasource: { uid: string } }) => p.datasource.uid),
    );
    expect([...uids]).toEqual([datasource.uid]);
  });
});

describe('Dockerfile', () => {
  const dockerfile = read('Dockerfile');
  const stages = dockerfile.split(/^FROM /m).slice(1);
  const final = stages[stages.length - 1];

  it('builds with dev dependencies and runs with production ones only, as a non-root user', () => {
    expect(stages.length).toBeGreaterThanOrEqual(2);
    expect(dockerfile).toMatch(/npm ci --omit=dev/);
    expect(dockerfile).toMatch(/npm run build:prod/);
    expect(final).not.toMatch(/npm ci(?! --omit=dev)/);
    const userLine = /^USER (\S+)/m.exec(final);
    expect(userLine && ['root', '0'].includes(userLine[1]) ? 'root' : userLine?.[1]).toBe('node');
  });

  it('runs the app with the V8 flags of npm start, as npm run start:prod does, and checks /health/live', () => {
    const cmd = JSON.parse(/^CMD (\[.*\])$/m.exec(final)![1]);
    expect(cmd).toEqual(['node', ...APP_NODE_FLAGS, 'dist/src/main.js']);
    const pkg = JSON.parse(read('package.json'));
    expect(pkg.scripts['start:prod']).toBe(cmd.join(' '));
    expect(final).toMatch(/^HEALTHCHECK [\s\S]*\/health\/live/m);
  });

  it('copies only what exists and .dockerignore lets through', () => {
    const ignored = read('.dockerignore')
      .split('\n')
      .filter((l) => l && !l.startsWith('#') && !l.startsWith('!'));
    const sources = [...dockerfile.matchAll(/^COPY (?!--from)(.+) \S+$/gm)].flatMap((m) =>
      m[1].split(/\s+/),
    );
    expect(sources).toEqual(expect.arrayContaining(['package-lock.json', 'src', 'migrations']));
    for (const source of sources) {
      expect(existsSync(join(ROOT, source)) ? source : `${source} missing`).toBe(source);
      expect(ignored).not.toContain(source);
    }
  });
});
