/** The printable prescription: plain HTML and CSS, sized for A5 paper and a browser's print dialog. */

export interface PrescriptionPage {
  clinicName: string;
  patientName: string;
  recordNumber: string;
  patientAge: number;
  date: string;
  doctorName: string;
  specialty: string;
  councilNumber: string;
  ticketNumber: string;
  items: { medicine: string; dosage: string; frequency: string; duration: string }[];
}

const entities: Record<string, string> = { '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;', '`': '&#96;' };

/** Escapes text for an HTML element or a quoted attribute. */
export function escapeHtml(text: string | number): string {
  return String(text).replace(/[&<>"'`]/g, (c) => entities[c]!);
}

/** Every value is escaped: names and medicines are typed by people and must never become markup. */
export function renderPrescriptionPage(page: PrescriptionPage): string {
  const e = escapeHtml;
  const rows = page.items
    .map(
      (item, i) => `
        <li>
          <span class="n">${i + 1}.</span>
          <strong>${e(item.medicine)}</strong> <span class="dose">${e(item.dosage)}</span>
          <div class="how">${e(item.frequency)} &middot; ${e(item.duration)}</div>
        </li>`,
    )
    .join('');
  return `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<meta name="robots" content="noindex">
<title>Prescription ${e(page.recordNumber)} ${e(page.date)}</title>
<style>
  @page { size: A5; margin: 12mm; }
  body { font: 14px/1.45 system-ui, -apple-system, "Segoe UI", Roboto, sans-serif; color: #111; max-width: 148mm; margin: 0 auto; padding: 8mm; }
  header { border-bottom: 2px solid #111; padding-bottom: 4mm; margin-bottom: 4mm; }
  h1 { font-size: 18px; margin: 0; }
  .meta { display: grid; grid-template-columns: 1fr 1fr; gap: 1mm 6mm; margin: 4mm 0; }
  .meta dt { font-size: 11px; text-transform: uppercase; color: #555; }
  .meta dd { margin: 0 0 2mm; font-weight: 600; }
  h2 { font-size: 15px; margin: 6mm 0 2mm; }
  ol { list-style: none; padding: 0; margin: 0; }
  li { padding: 2mm 0; border-bottom: 1px dashed #bbb; }
  .n { display: inline-block; width: 6mm; color: #555; }
  .how { margin-left: 6mm; color: #333; }
  footer { margin-top: 14mm; display: flex; justify-content: space-between; align-items: end; }
  .sign { border-top: 1px solid #111; padding-top: 1mm; min-width: 60mm; text-align: center; }
  @media print { body { padding: 0; } }
</style>
</head>
<body>
<header>
  <h1>${e(page.clinicName)}</h1>
  <div>Prescription</div>
</header>
<dl class="meta">
  <div><dt>Patient</dt><dd>${e(page.patientName)}</dd></div>
  <div><dt>Record number</dt><dd>${e(page.recordNumber)}</dd></div>
  <div><dt>Age</dt><dd>${e(page.patientAge)}</dd></div>
  <div><dt>Date</dt><dd>${e(page.date)}</dd></div>
  <div><dt>Doctor</dt><dd>${e(page.doctorName)}</dd></div>
  <div><dt>Specialty / council no.</dt><dd>${e(page.specialty)} &middot; ${e(page.councilNumber)}</dd></div>
</dl>
<h2>Medicines</h2>
<ol>${rows || '<li>No active medicines.</li>'}
</ol>
<footer>
  <small>Ticket ${e(page.ticketNumber)}</small>
  <div class="sign">${e(page.doctorName)}<br><small>${e(page.councilNumber)}</small></div>
</footer>
</body>
</html>
`;
}
