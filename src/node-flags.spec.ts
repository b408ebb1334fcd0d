import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { APP_NODE_FLAGS } from './node-flags';

describe('APP_NODE_FLAGS', () => {
  it('are the flags `npm run start:app` runs the app with', () => {
    const pkg = JSON.parse(readFileSync(join(__dirname, '..', 'package.json'), 'utf8'));
    expect(pkg.scripts['start:app']).toContain(`node ${APP_NODE_FLAGS.join(' ')} dist/src/main.js`);
  });
});
