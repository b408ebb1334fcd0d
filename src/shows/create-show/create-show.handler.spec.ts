import { ConflictException } from '@nestjs/common';
import { CreateShow } from './create-show.command';
import { CreateShowHandler } from './create-show.handler';

const show = {
  dead_nation_id: '0b7e8cb1-5c3b-4e89-9bd5-8cc5a1b4a9a1',
  number_of_tickets: 100,
  start_time: '2030-05-01T20:00:00Z',
  title: 'The Mars Volta',
  venue: 'Roundhouse, London',
};

describe('CreateShowHandler', () => {
  it('adds the show under a new id and answers that id', async () => {
    const add = jest.fn().mockResolvedValue(true);
    const id = await new CreateShowHandler({ add } as any).execute(new CreateShow(show));
    expect(id).toMatch(/^[0-9a-f-]{36}$/);
    expect(add).toHaveBeenCalledWith({ show_id: id, ...show });
  });

  it('refuses a second show for the same Dead Nation event with a conflict', async () => {
    const add = jest.fn().mockResolvedValue(false);
    const handler = new CreateShowHandler({ add } as any);
    await expect(handler.execute(new CreateShow(show))).rejects.toThrow(
      new ConflictException(`a show for dead_nation_id ${show.dead_nation_id} already exists`),
    );
  });
});
