import { Injectable, OnModuleInit } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { EventEmitter } from 'node:events';
import { DataSource } from 'typeorm';

/**
 * Keeps a lost PostgreSQL connection from crashing the process. TypeORM listens for a pooled
 * client's 'error' only while a query runner holds it, and removes that listener as it releases
 * the broken client; a second 'error' from the same dying socket (seen when the server
 * terminates connections) then has no listener, and an unhandled 'error' event kills Node.
 * Every client of the pool gets a listener of its own: the failing query still rejects and is
 * retried by whoever ran it.
 */
@Injectable()
export class PgErrorGuard implements OnModuleInit {
  constructor(@InjectDataSource() private readonly db: DataSource) {}

  onModuleInit(): void {
    const pool = (
      this.db.driver as unknown as { master?: EventEmitter & { _clients?: EventEmitter[] } }
    ).master;
    if (!pool) return;
    const guard = (client: EventEmitter) => client.on('error', () => undefined);
    pool._clients?.forEach(guard); // created while TypeORM connected
    pool.on('connect', guard);
  }
}
