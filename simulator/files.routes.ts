import { Router, text } from 'express';
import { InvalidRequest } from './request-validation';
import { serve, SimulatorContext } from './simulator-context';

export function filesRoutes(ctx: SimulatorContext): Router {
  const { state } = ctx;
  const router = Router();

  router.put(
    '/files/:fileId/content',
    text({ type: 'text/*', limit: '10mb' }),
    serve(ctx, 'files', {
      validate: (req) => {
        if (!req.is('text/plain')) throw new InvalidRequest('Content-Type', 'must be text/plain');
        if (typeof req.body !== 'string' || req.body === '') {
          throw new InvalidRequest('body', 'must be the non-empty file content');
        }
        return { fileId: String(req.params.fileId), content: req.body };
      },
      key: ({ fileId }) => fileId,
      apply: ({ fileId, content }) => {
        if (state.files.has(fileId)) {
          return { status: 409, json: { error: `file ${fileId} already exists` } };
        }
        state.files.set(fileId, content);
        return { status: 201, json: { file_id: fileId } };
      },
    }),
  );

  router.get('/files', (_req, res) => {
    res.json({ files: [...state.files.keys()] });
  });

  router.get('/files/:fileId/content', (req, res) => {
    const content = state.files.get(req.params.fileId);
    if (content === undefined)
      res.status(404).json({ error: `file ${req.params.fileId} not found` });
    else res.type('text/plain').send(content);
  });

  return router;
}
