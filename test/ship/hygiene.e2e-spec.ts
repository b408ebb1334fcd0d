import { builtinModules } from 'node:module';
import { dirname, join, relative, sep } from 'node:path';
import * as ts from 'typescript';
import { ROOT } from '../support/test-env';
import { read } from './support';

const pkg = JSON.parse(read('package.json'));

/** The program `npm run build:prod` (the Dockerfile's build) compiles: roots and what they import. */
function productionFiles(): string[] {
  const configPath = join(ROOT, 'tsconfig.prod.json');
  const { config } = ts.readConfigFile(configPath, ts.sys.readFile);
  const parsed = ts.parseJsonConfigFileContent(config, ts.sys, ROOT, undefined, configPath);
  const program = ts.createProgram(parsed.fileNames, { ...parsed.options, noEmit: true });
  return program
    .getSourceFiles()
    .map((f) => relative(ROOT, f.fileName))
    .filter((f) => !f.startsWith('node_modules') && !f.startsWith('..'));
}

/** The package a bare import specifier names: `@scope/name` or `name`. */
const packageOf = (specifier: string) =>
  specifier
    .split('/')
    .slice(0, specifier.startsWith('@') ? 2 : 1)
    .join('/');

describe('the production build', () => {
  const files = productionFiles();

  it('holds the app, the simulator and the migrations: no bench, no tests, no specs', () => {
    expect(files).toContain(['src', 'main.ts'].join(sep));
    expect(files).toContain(['migrations', 'data-source.ts'].join(sep));
    const strays = files.filter(
      (f) => /^(bench|test)\//.test(f) || /\.(e2e-)?spec\.ts$/.test(f) || f.endsWith('.d.ts'),
    );
    expect(strays).toEqual([]);
  });

  it('imports only production dependencies and Node.js built-ins', () => {
    const allowed = new Set([...Object.keys(pkg.dependencies), ...builtinModules]);
    const outside: string[] = [];
    for (const file of files) {
      // Static imports: an optional require() of a dev dependency (pino-pretty, loaded only if
      // installed) cannot break the image; a static import would.
      const { importedFiles } = ts.preProcessFile(read(file), true, false);
      for (const { fileName } of importedFiles) {
        if (fileName.startsWith('.')) continue;
        const name = packageOf(fileName.replace(/^node:/, ''));
        if (!allowed.has(name)) outside.push(`${fileName} (${file})`);
      }
    }
    expect(outside).toEqual([]);
  });
});

describe('conventions a NestJS team expects', () => {
  it('has a LICENSE for the licence package.json declares, and .nvmrc for engines', () => {
    expect(pkg.license).toBe('MIT');
    expect(read('LICENSE')).toMatch(/^MIT License\n/);
    expect(read('.nvmrc').trim()).toBe('20');
    expect(pkg.engines.node).toMatch(/^>=20\./);
  });

  it('turns Scarf telemetry off', () => {
    expect(pkg.scarfSettings).toEqual({ enabled: false });
    expect(read('Dockerfile')).toMatch(/SCARF_ANALYTICS=false/);
  });

  it('resolves one express: the one @nestjs/platform-express brings', () => {
    const platform = dirname(require.resolve('@nestjs/platform-express/package.json'));
    const theirs = require.resolve('express/package.json', { paths: [platform] });
    expect(relative(ROOT, theirs)).toBe(relative(ROOT, require.resolve('express/package.json')));
  });

  it('has the scripts of a Nest project: start:dev, start:prod, migration:*, openapi', () => {
    expect(pkg.scripts['start:dev']).toMatch(/^nest start --watch/);
    expect(pkg.scripts['start:prod']).not.toMatch(/build|start-all|simulator/);
    expect(pkg.scripts.start).toMatch(/build.*start-all/);
    for (const s of ['migration:create', 'migration:run', 'migration:revert', 'migration:show']) {
      expect(pkg.scripts[s]).toMatch(/^typeorm migration:/);
    }
    expect(pkg.scripts.openapi).toMatch(/openapi/);
  });
});
