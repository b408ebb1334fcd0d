import 'reflect-metadata';
import { config as loadDotenv } from 'dotenv';
import { loadConfig, redisConnectionUrl } from '../platform/config/app.config';
import { createRedisClient, isClusterUrl } from '../platform/redis/redis-client';
import { SERVICE_NAME } from '../app-messaging';
import { DeadLetters, StreamNames } from '../messaging';

loadDotenv({ quiet: true });

const usage = `usage: npm run dlq -- list
       npm run dlq -- redrive [<dead-letter id>]   (all when no id is given)`;

/** `npm run dlq -- list | redrive [id]`: inspect and re-drive dead letters. */
async function main(args: string[]): Promise<number> {
  const config = loadConfig();
  const url = redisConnectionUrl(config.redisUrl);
  const redis = createRedisClient(url, { maxRetriesPerRequest: 1 });
  const names = new StreamNames(config.streamPrefix, SERVICE_NAME, isClusterUrl(url));
  const letters = new DeadLetters(redis, names);
  try {
    const [command, id] = args;
    if (command === 'list') {
      const list = await letters.list();
      if (list.length === 0) console.log('no dead letters');
      for (const l of list) {
        console.log(
          `${l.id}  ${l.at}  ${l.handler}  ${l.name}  message ${l.messageId}  after ${l.deliveries} deliveries\n    error: ${l.error}`,
        );
      }
      return 0;
    }
    if (command === 'redrive') {
      const n = await letters.redrive(id);
      if (id && n === 0) {
        console.error(`no dead letter with id ${id}`);
        return 1;
      }
      console.log(`re-drove ${n} dead letter${n === 1 ? '' : 's'}`);
      return 0;
    }
    console.error(usage);
    return 2;
  } finally {
    redis.disconnect();
  }
}

main(process.argv.slice(2)).then(
  (code) => process.exit(code),
  (e) => {
    console.error(e.message);
    process.exit(1);
  },
);
