import type { Block } from './report-document.js';

/** Text for HTML content and attribute values: nothing in it can open a tag or leave a quote. */
export function escapeHtml(s: string): string {
  return s.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);
}

/**
 * Text for Markdown: no raw HTML (many viewers render it), no emphasis, links or code spans
 * from agent-written text, no line breaks that would end a table row or list item.
 */
export function escapeMarkdown(s: string): string {
  return s
    .replace(/\r?\n|\r/g, ' ')
    .replace(/&/g, '&amp;')
    .replace(/</g, '&lt;')
    .replace(/>/g, '&gt;')
    .replace(/([\\`*_[\]|])/g, '\\$1');
}

/** A fence longer than any run of backticks inside, so the text cannot close it early. */
function fence(text: string): string {
  const longest = Math.max(0, ...(text.match(/`+/g) ?? []).map((r) => r.length));
  return '`'.repeat(Math.max(3, longest + 1));
}

/** The blocks as GitHub-flavoured Markdown; charts are the PNGs beside the file. */
export function renderMarkdown(blocks: readonly Block[]): string {
  const out: string[] = [];
  for (const b of blocks) {
    switch (b.kind) {
      case 'heading':
        out.push(`${'#'.repeat(b.level)} ${escapeMarkdown(b.text)}`);
        break;
      case 'text':
        out.push(escapeMarkdown(b.text));
        break;
      case 'list':
        out.push(b.items.map((i) => `- ${escapeMarkdown(i)}`).join('\n'));
        break;
      case 'table': {
        const row = (cells: string[]) => `| ${cells.map((c) => escapeMarkdown(c) || ' ').join(' | ')} |`;
        out.push([row(b.header), `|${b.header.map(() => ' --- ').join('|')}|`, ...b.rows.map(row)].join('\n'));
        break;
      }
      case 'code': {
        const f = fence(b.text);
        out.push(`${f}json\n${b.text}\n${f}`);
        break;
      }
      case 'chart':
        out.push(`![${escapeMarkdown(b.alt)}](${encodeURI(b.png)})`);
        break;
    }
  }
  return `${out.join('\n\n')}\n`;
}

const STYLE = `
body { font-family: system-ui, sans-serif; max-width: 1100px; margin: 2em auto; padding: 0 1em; color: #222; line-height: 1.4; }
table { border-collapse: collapse; margin: 0.5em 0 1em; font-size: 0.9em; }
th, td { border: 1px solid #ccc; padding: 0.25em 0.5em; text-align: left; vertical-align: top; }
th { background: #f3f3f3; }
pre { background: #f6f8fa; padding: 0.75em; overflow-x: auto; }
figure { margin: 0.5em 0 1em; }
figure svg { max-width: 100%; height: auto; }
h2 { border-bottom: 1px solid #ddd; padding-bottom: 0.2em; margin-top: 1.6em; }`;

/** The blocks as one self-contained HTML page: charts inline as SVG, each linked to its PNG. */
export function renderHtml(blocks: readonly Block[], o: { title: string }): string {
  const body: string[] = [];
  for (const b of blocks) {
    switch (b.kind) {
      case 'heading':
        body.push(`<h${b.level}>${escapeHtml(b.text)}</h${b.level}>`);
        break;
      case 'text':
        body.push(`<p>${escapeHtml(b.text)}</p>`);
        break;
      case 'list':
        body.push(`<ul>${b.items.map((i) => `<li>${escapeHtml(i)}</li>`).join('')}</ul>`);
        break;
      case 'table': {
        const head = `<tr>${b.header.map((h) => `<th>${escapeHtml(h)}</th>`).join('')}</tr>`;
        const rows = b.rows.map((r) => `<tr>${r.map((c) => `<td>${escapeHtml(c)}</td>`).join('')}</tr>`).join('\n');
        body.push(`<table>\n${head}\n${rows}\n</table>`);
        break;
      }
      case 'code':
        body.push(`<pre><code>${escapeHtml(b.text)}</code></pre>`);
        break;
      case 'chart':
        body.push(`<figure role="img" aria-label="${escapeHtml(b.alt)}">${b.svg}<figcaption><a href="${escapeHtml(encodeURI(b.png))}">${escapeHtml(b.alt)} (PNG)</a></figcaption></figure>`);
        break;
    }
  }
  return `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>${escapeHtml(o.title)}</title>
<style>${STYLE}
</style>
</head>
<body>
${body.join('\n')}
</body>
</html>
`;
}
