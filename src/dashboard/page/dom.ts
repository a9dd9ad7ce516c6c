// The dashboard page's DOM helpers, shared by its views: elements built with text only
// (textContent, never HTML), and JSON fetched with the server's error message kept.

/** A new element with an optional class and text. */
export function el<K extends keyof HTMLElementTagNameMap>(tag: K, cls?: string, text?: string): HTMLElementTagNameMap[K] {
  const e = document.createElement(tag);
  if (cls) e.className = cls;
  if (text !== undefined) e.textContent = text;
  return e;
}

/** GETs JSON; an answer that is not 2xx becomes an Error with the server's message. */
export async function getJson(url: string): Promise<Record<string, unknown>> {
  const res = await fetch(url);
  let body: unknown = null;
  try { body = await res.json(); } catch { /* not JSON: the status says enough */ }
  if (!res.ok) {
    const msg = (body as { error?: unknown } | null)?.error;
    throw new Error(typeof msg === 'string' ? msg : `the server answered ${res.status}`);
  }
  if (typeof body !== 'object' || body === null) throw new Error('the server sent an answer of an unexpected shape');
  return body as Record<string, unknown>;
}
