import type { Response } from 'express';

/**
 * Answers 200 with a JSON array written page by page, so a large answer never sits in memory
 * whole, and a slow client pauses the reading (backpressure) instead of filling memory. The
 * first page is read before anything is sent, so a failure there is still a proper error
 * answer; a later failure cuts the connection, the one honest signal left once half an array is
 * out. Pages are never empty.
 */
export async function streamJsonArray<T>(res: Response, pages: AsyncIterator<T[]>): Promise<void> {
  let page = await pages.next();
  res.status(200).type('application/json');
  res.write('[');
  try {
    for (let separator = ''; !page.done && !res.destroyed; separator = ',') {
      const chunk = separator + page.value.map((item) => JSON.stringify(item)).join(',');
      if (!res.write(chunk)) await drained(res);
      page = await pages.next();
    }
    res.end(']');
  } catch (e) {
    res.destroy(e);
  }
}

function drained(res: Response): Promise<void> {
  return new Promise((resolve) => {
    res.once('drain', resolve);
    res.once('close', resolve);
  });
}
