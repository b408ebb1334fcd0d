import { Injectable, OnApplicationShutdown } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { DataSource } from 'typeorm';
import { MessagingStatus, RedisFactory, StreamNames } from '../../messaging';

/** MessagingStatus on a Redis connection of its own, closed with the app. */
@Injectable()
export class OpsMessagingStatus extends MessagingStatus implements OnApplicationShutdown {
  private readonly connection;

  constructor(@InjectDataSource() db: DataSource, redisFactory: RedisFactory, names: StreamNames) {
    const redis = redisFactory.create('ops messaging panel');
    super(db, redis, names);
    this.connection = redis;
  }

  onApplicationShutdown(): void {
    this.connection.disconnect();
  }
}
