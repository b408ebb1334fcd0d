/** openapi.json's text for a document: what `npm run openapi` writes and its test compares. */
export function openApiText(document: unknown): string {
  return `${JSON.stringify(document, null, 2)}\n`;
}
