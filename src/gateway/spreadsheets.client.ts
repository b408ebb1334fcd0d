import { Injectable } from '@nestjs/common';
import { GatewayError } from './gateway.error';
import { GatewayHttp } from './gateway.http';

@Injectable()
export class SpreadsheetsClient {
  constructor(private readonly http: GatewayHttp) {}

  /**
   * Appends a row. The service has no idempotency field, so neither a timeout nor a 5xx is
   * retried here (the row may have been written before the answer was lost): the error surfaces,
   * and the caller reads the sheet back before trying again. Only a refused connection, which
   * wrote nothing, is retried.
   */
  async appendRow(sheet: string, columns: string[]): Promise<void> {
    await this.http.send('Spreadsheets appendRow', {
      method: 'POST',
      url: `/spreadsheets-api/sheets/${encodeURIComponent(sheet)}/rows`,
      data: { columns },
      retryUnknownOutcome: false,
    });
  }

  async readRows(sheet: string): Promise<string[][]> {
    const call = 'Spreadsheets readRows';
    const { data, status } = await this.http.send<{ rows?: unknown }>(call, {
      method: 'GET',
      url: `/spreadsheets-api/sheets/${encodeURIComponent(sheet)}/rows`,
    });
    if (!Array.isArray(data?.rows)) {
      throw new GatewayError(call, 'answer lacks rows', status, false, 1);
    }
    return data.rows as string[][];
  }
}
