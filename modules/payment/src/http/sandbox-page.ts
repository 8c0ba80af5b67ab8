import type { Payment } from '@zjmall/contracts';

const esc = (s: string) => s.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);

/** Minor units as a decimal amount for display only (never for arithmetic). */
function display(amount: number, currency: string): string {
  const s = String(amount).padStart(3, '0');
  return `${currency} ${s.slice(0, -2)}.${s.slice(-2)}`;
}

/** The sandbox provider's pay page: the amount and Approve/Decline buttons. */
export function sandboxPage(p: Payment): string {
  const base = `/sandbox/pay/${encodeURIComponent(p.id)}`;
  const open = p.status === 'pending' || p.status === 'failed' || p.status === 'closed';
  return `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width,initial-scale=1">
<title>zjmall sandbox payment</title>
<style>body{font-family:system-ui,sans-serif;max-width:28rem;margin:3rem auto;padding:0 1rem}
.amount{font-size:2rem;font-weight:600}button{font-size:1rem;padding:.6rem 1.2rem;margin-right:.5rem}</style></head>
<body>
<h1>Sandbox ${esc(p.channel === 'sandbox_alipay' ? 'Alipay' : 'WeChat Pay')}</h1>
<p>Order <code>${esc(p.orderId)}</code> · payment <code>${esc(p.id)}</code></p>
<p class="amount" data-amount="${p.amount}">${esc(display(p.amount, p.currency))}</p>
<p>Status: <strong data-status="${esc(p.status)}">${esc(p.status)}</strong></p>
${
  open
    ? `<form method="post" action="${base}/approve" style="display:inline"><button type="submit">Approve</button></form>
<form method="post" action="${base}/decline" style="display:inline"><button type="submit">Decline</button></form>`
    : '<p>This payment is settled.</p>'
}
<p><small>Test provider: no real money moves.</small></p>
</body></html>`;
}
