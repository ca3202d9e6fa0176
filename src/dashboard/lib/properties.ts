// "key=value" lines, as properties/metadata are typed in a text box.

export type Parsed = { ok: true; value: Record<string, string> } | { ok: false; error: string };

export function parseProperties(text: string): Parsed {
  const value: Record<string, string> = {};
  const lines = text.split('\n');
  for (let i = 0; i < lines.length; i++) {
    const line = lines[i].trim();
    if (!line) continue;
    const eq = line.indexOf('=');
    if (eq <= 0) return { ok: false, error: `Line ${i + 1}: write key=value.` };
    const key = line.slice(0, eq).trim();
    if (key.length > 255) return { ok: false, error: `Line ${i + 1}: a key is at most 255 characters.` };
    value[key] = line.slice(eq + 1).trim();
  }
  return { ok: true, value };
}
