import { basename, join } from 'node:path';
import { Module } from '@nestjs/common';
import { ServeStaticModule } from '@nestjs/serve-static';

/**
 * Where the build puts the web application (`web/build.mjs` writes `dist/web`): beside
 * `dist/src` when running the compiled app, under the repository's `dist/` when the tests
 * run the sources.
 */
export function webRoot(dir = __dirname): string {
  const root = join(dir, '..', '..');
  return basename(root) === 'dist' ? join(root, 'web') : join(root, 'dist', 'web');
}

/**
 * The staff's web application (spec §11) at `/`: static files only, public (its APIs are the
 * staff-only routes under /api). Everything under /api, /health and /metrics stays Nest's.
 */
@Module({
  imports: [
    ServeStaticModule.forRoot({
      rootPath: webRoot(),
      exclude: ['/api/{*rest}', '/health{*rest}', '/metrics'],
      serveStaticOptions: { index: 'index.html', fallthrough: true, maxAge: 0 },
    }),
  ],
})
export class WebModule {}
