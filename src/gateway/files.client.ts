import { Injectable } from '@nestjs/common';
import { GatewayHttp } from './gateway.http';

@Injectable()
export class FilesClient {
  constructor(private readonly http: GatewayHttp) {}

  /** Uploads a text file once: a file that is already there answers 409, which is 'exists'. */
  async upload(fileId: string, content: string): Promise<'created' | 'exists'> {
    const { status } = await this.http.send('Files upload', {
      method: 'PUT',
      url: `/files-api/files/${encodeURIComponent(fileId)}/content`,
      data: content,
      headers: { 'Content-Type': 'text/plain; charset=utf-8' },
      accept: [409],
    });
    return status === 409 ? 'exists' : 'created';
  }
}
