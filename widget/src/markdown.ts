/**
 * The editor's preview: a small, safe subset of what the server renders (paragraphs, line
 * breaks, quotes, lists, code, emphasis, links). Everything is escaped before any markup is
 * added, so the preview can never inject HTML. The server's rendering is authoritative.
 */

const ESC: Record<string, string> = { "&": "&amp;", "<": "&lt;", ">": "&gt;", '"': "&quot;", "'": "&#39;" };
const escape = (s: string): string => s.replace(/[&<>"']/g, (c) => ESC[c]);

function inline(s: string): string {
  const codes: string[] = [];
  return s
    .replace(/`([^`\n]+)`/g, (_, c: string) => "\u0000" + (codes.push(c) - 1) + "\u0000")
    .replace(/\[([^\]\n]+)\]\((https?:\/\/[^\s)]+)\)/g, '<a href="$2" rel="nofollow ugc noopener">$1</a>')
    .replace(/(^|[\s(])(https?:\/\/[^\s<]+[^\s<.,;:!?)])/g, '$1<a href="$2" rel="nofollow ugc noopener">$2</a>')
    .replace(/\*\*(?=\S)([^*]*?\S)\*\*/g, "<strong>$1</strong>")
    .replace(/__(?=\S)([^_]*?\S)__/g, "<strong>$1</strong>")
    .replace(/(^|[^*\w])\*(?=\S)([^*\n]*?\S)\*/g, "$1<em>$2</em>")
    .replace(/(^|[^_\w])_(?=\S)([^_\n]*?\S)_/g, "$1<em>$2</em>")
    .replace(/~~(?=\S)([^~]*?\S)~~/g, "<del>$1</del>")
    .replace(/\u0000(\d+)\u0000/g, (_, i: string) => "<code>" + codes[+i] + "</code>")
    .replace(/\n/g, "<br>");
}

const QUOTE = /^&gt; ?/;
const BULLET = /^\s{0,3}[-*+] +/;
const NUMBER = /^\s{0,3}\d{1,9}[.)] +/;
const FENCE = /^\s{0,3}```/;

function blocks(lines: string[]): string {
  let out = "";
  let i = 0;
  const take = (test: RegExp, strip: boolean): string[] => {
    const got: string[] = [];
    while (i < lines.length && test.test(lines[i])) got.push(strip ? lines[i++].replace(test, "") : lines[i++]);
    return got;
  };
  while (i < lines.length) {
    const line = lines[i];
    if (!line.trim()) {
      i++;
    } else if (FENCE.test(line)) {
      const code: string[] = [];
      i++;
      while (i < lines.length && !FENCE.test(lines[i])) code.push(lines[i++]);
      i++;
      out += "<pre><code>" + code.join("\n") + "</code></pre>";
    } else if (QUOTE.test(line)) {
      out += "<blockquote>" + blocks(take(QUOTE, true)) + "</blockquote>";
    } else if (BULLET.test(line) || NUMBER.test(line)) {
      const kind = BULLET.test(line) ? BULLET : NUMBER;
      const tag = kind === BULLET ? "ul" : "ol";
      out += "<" + tag + ">" + take(kind, true).map((l) => "<li>" + inline(l) + "</li>").join("") + "</" + tag + ">";
    } else {
      const para: string[] = [];
      while (
        i < lines.length &&
        lines[i].trim() &&
        !QUOTE.test(lines[i]) &&
        !FENCE.test(lines[i]) &&
        !(para.length === 0 && (BULLET.test(lines[i]) || NUMBER.test(lines[i])))
      ) {
        para.push(lines[i++]);
      }
      out += "<p>" + inline(para.join("\n")) + "</p>";
    }
  }
  return out;
}

export function preview(source: string): string {
  return blocks(escape(source.replace(/\r\n?/g, "\n")).split("\n"));
}
