import { Money } from '../../platform/common/money';

const escape = (s: string) =>
  s.replace(
    /[&<>"']/g,
    (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' })[c]!,
  );

/** The printable ticket: its id and its price. */
export function ticketHtml(ticketId: string, price: Money): string {
  const id = escape(ticketId);
  return `<!DOCTYPE html>
<html>
<head><meta charset="utf-8"><title>Ticket ${id}</title></head>
<body>
<h1>Ticket</h1>
<p>Ticket ID: ${id}</p>
<p>Price: ${escape(price.amount)} ${escape(price.currency)}</p>
</body>
</html>
`;
}

export const ticketFileName = (ticketId: string) => `${ticketId}-ticket.html`;
