import { CommandHandler, EventsHandler } from '@nestjs/cqrs';
import { COMMAND_HANDLER_METADATA, EVENTS_HANDLER_METADATA } from './handler-name.decorator';

class Happened {}
class Requested {}

@EventsHandler(Happened)
class OnHappened {}

@CommandHandler(Requested)
class OnRequested {}

describe('the @nestjs/cqrs handler metadata keys', () => {
  it('read what @EventsHandler and @CommandHandler wrote, each its own', () => {
    expect(Reflect.getMetadata(EVENTS_HANDLER_METADATA, OnHappened)).toEqual([Happened]);
    expect(Reflect.getMetadata(COMMAND_HANDLER_METADATA, OnRequested)).toBe(Requested);
    expect(Reflect.getMetadata(EVENTS_HANDLER_METADATA, OnRequested)).toBeUndefined();
    expect(Reflect.getMetadata(COMMAND_HANDLER_METADATA, OnHappened)).toBeUndefined();
  });
});
