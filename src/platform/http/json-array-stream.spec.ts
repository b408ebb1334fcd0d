import { EventEmitter } from 'node:events';
import type { Response } from 'express';
import { streamJsonArray } from './json-array-stream';

/** An express Response reduced to what the writer uses; `full` makes writes ask to wait. */
function fakeResponse({ full = false } = {}) {
  const res = new EventEmitter() as EventEmitter & Record<string, any>;
  Object.assign(res, {
    body: '',
    statusCode: 0,
    destroyed: false,
    ended: false,
    status(code: number) {
      res.statusCode = code;
      return res;
    },
    type: () => res,
    write(chunk: string) {
      res.body += chunk;
      if (full) setImmediate(() => res.emit('drain'));
      return !full;
    },
    end(chunk: string) {
      res.body += chunk;
      res.ended = true;
    },
    destroy(error: Error) {
      res.destroyed = true;
      res.destroyError = error;
    },
  });
  return res;
}

async function* pagesOf<T>(...pages: (T[] | Error)[]): AsyncGenerator<T[]> {
  for (const page of pages) {
    if (page instanceof Error) throw page;
    yield page;
  }
}

describe('streamJsonArray', () => {
  it('writes the pages as one JSON array', async () => {
    const res = fakeResponse();
    await streamJsonArray(res as unknown as Response, pagesOf([{ a: 1 }, { a: 2 }], [{ a: 3 }]));
    expect(res.statusCode).toBe(200);
    expect(JSON.parse(res.body)).toEqual([{ a: 1 }, { a: 2 }, { a: 3 }]);
    expect(res.ended).toBe(true);
  });

  it('writes an empty array when there is no page', async () => {
    const res = fakeResponse();
    await streamJsonArray(res as unknown as Response, pagesOf());
    expect(res.body).toBe('[]');
  });

  it('waits for the client to drain before reading on', async () => {
    const res = fakeResponse({ full: true });
    await streamJsonArray(res as unknown as Response, pagesOf([1], [2]));
    expect(res.body).toBe('[1,2]');
  });

  it('sends nothing when the first page fails, so the error is still a proper answer', async () => {
    const res = fakeResponse();
    const failure = new Error('database down');
    await expect(streamJsonArray(res as unknown as Response, pagesOf(failure))).rejects.toBe(
      failure,
    );
    expect(res.statusCode).toBe(0);
    expect(res.body).toBe('');
  });

  it('cuts the connection when a later page fails, rather than end a partial array', async () => {
    const res = fakeResponse();
    const failure = new Error('database down');
    await streamJsonArray(res as unknown as Response, pagesOf([1], failure));
    expect(res.destroyed).toBe(true);
    expect(res.destroyError).toBe(failure);
    expect(res.ended).toBe(false);
  });

  it('stops reading once the client is gone', async () => {
    const res = fakeResponse();
    let read = 0;
    async function* pages() {
      for (;;) {
        read++;
        res.destroyed = read === 2; // the client leaves while the second page is read
        yield [read];
      }
    }
    await streamJsonArray(res as unknown as Response, pages());
    expect(read).toBe(2);
  });
});
