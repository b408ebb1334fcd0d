import { Router } from 'express';
import { Fields } from './request-validation';
import { serve, SimulatorContext } from './simulator-context';

export function spreadsheetsRoutes(ctx: SimulatorContext): Router {
  const { state } = ctx;
  const router = Router();

  router.post(
    '/sheets/:sheet/rows',
    serve(ctx, 'spreadsheets', {
      validate: (req) => ({
        sheet: String(req.params.sheet),
        columns: Fields.of(req.body).strings('columns', { nonEmpty: true }),
      }),
      // No idempotency field: the row's first column (the ticket id) is what a retry doubles.
      key: ({ sheet, columns }) => `${sheet}/${columns[0]}`,
      apply: ({ sheet, columns }) => {
        const rows = state.sheets.get(sheet) ?? [];
        rows.push(columns);
        state.sheets.set(sheet, rows);
        return { status: 200 };
      },
    }),
  );

  // The app reads sheets back before appending again, so this read misbehaves like the writes.
  router.get(
    '/sheets/:sheet/rows',
    serve(ctx, 'spreadsheets', {
      validate: (req) => String(req.params.sheet),
      key: (sheet) => sheet,
      apply: (sheet) => ({ status: 200, json: { rows: state.sheets.get(sheet) ?? [] } }),
    }),
  );

  return router;
}
