// The details pane: the selected test, and its attachments once the Worker
// sends them (text shown, anything else offered as a download).
import { $, run, duration, seconds, workerName } from './page.js';
import type { AttachmentsReply, TestRow } from './messages.js';

const HINT = '<p class="hint">Select a test to see its details and attachments.</p>';
const utf8 = new TextDecoder('utf-8', { fatal: true });

export function clearDetails(): void {
  $('#details').innerHTML = HINT;
}

/** Show a test; `fetchAttachments` is called when it has any. */
export function showDetails(r: TestRow, fetchAttachments: (index: number) => void): void {
  const box = $('#details');
  box.innerHTML = '';
  const h = document.createElement('h2');
  h.textContent = r.id;
  const meta = document.createElement('div');
  meta.className = 'meta';
  meta.innerHTML = `<span class="status s-${r.status}">${r.status}</span>`;
  meta.append(` · worker ${workerName(r.route)} · ${seconds(duration(r)) || 'no duration'}${r.tags.length ? ' · tags: ' + r.tags.join(', ') : ''}`);
  box.append(h, meta);
  if (r.attachments) fetchAttachments(r.index);
}

export function showAttachments({ index, attachments }: AttachmentsReply): void {
  if (index !== run.selected) return;
  const box = $('#details');
  box.querySelectorAll('.attachment').forEach((n) => n.remove());
  for (const a of attachments) {
    const mimeType = a.mimeType ?? '';
    const part = document.createElement('div');
    part.className = 'attachment';
    const title = document.createElement('h3');
    title.textContent = `${a.name || '(unnamed)'}${mimeType ? ` — ${mimeType}` : ''}`;
    part.append(title);
    let text: string | undefined;
    if (!/^(image|audio|video)\/|octet-stream/.test(mimeType)) {
      try {
        text = utf8.decode(a.bytes);
      } catch {
        text = undefined; // not UTF-8: offer the bytes instead
      }
    }
    if (text !== undefined) {
      const pre = document.createElement('pre');
      pre.textContent = text;
      part.append(pre);
    } else {
      const link = document.createElement('a');
      link.href = URL.createObjectURL(new Blob([a.bytes as BlobPart], { type: mimeType || 'application/octet-stream' }));
      link.download = a.name || 'attachment.bin';
      link.textContent = `download ${a.bytes.length.toLocaleString('en')} bytes`;
      part.append(link);
    }
    box.append(part);
  }
}
