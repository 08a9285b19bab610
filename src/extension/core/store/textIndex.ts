// The Task Log's text search index. sql.js has FTS3/FTS4 but no FTS5 (and so no trigram
// tokenizer), while the search must find any part of a word or a path, as LIKE '%text%' does. So
// the texts are cut into character trigrams here, in JS, and each trigram becomes one word of the
// FTS4 'simple' tokenizer: a task's row in task_text (docid = task id) holds the distinct trigrams
// of its error, skip reason, summary and log lines. A search asks for the tasks that have every
// trigram of the search text (a superset of the answer) and confirms each with the LIKE.

// Trigrams of letters and digits are their own word (exact); any other trigram (spaces,
// punctuation, non-ASCII) becomes a 4-character hash. A hash collision only adds a candidate,
// which the LIKE then turns down.
const PLAIN = /^[a-z0-9]{3}$/;
const HASH_SPACE = 36 ** 4;

/** Lower-cases A-Z only, like SQLite's LIKE (which folds ASCII case and nothing else). */
function foldAscii(s: string): string {
  return s.replace(/[A-Z]+/g, (m) => m.toLowerCase());
}

function word(tri: string): string {
  if (PLAIN.test(tri)) return tri;
  let h = 0x811c9dc5; // FNV-1a over UTF-16 code units
  for (let i = 0; i < tri.length; i++) {
    h ^= tri.charCodeAt(i);
    h = Math.imul(h, 0x01000193) >>> 0;
  }
  return (h % HASH_SPACE).toString(36).padStart(4, '0');
}

function addTrigrams(text: string, into: Set<string>): void {
  const s = foldAscii(text);
  for (let i = 0; i + 3 <= s.length; i++) into.add(word(s.slice(i, i + 3)));
}

/** The indexed form of a task's texts: its distinct trigram words, space-separated. */
export function indexText(texts: Iterable<string | null | undefined>): string {
  const words = new Set<string>();
  for (const t of texts) if (t) addTrigrams(t, words);
  return [...words].join(' ');
}

/** At most this many trigrams are looked up: more narrow the candidates little and cost lookups. */
const MAX_QUERY_WORDS = 16;

/**
 * The FTS4 MATCH expression (an AND of words) that every text containing `text` matches, or
 * undefined when the text is too short to have a trigram (the search then scans).
 */
export function matchExpression(text: string): string | undefined {
  const words = new Set<string>();
  addTrigrams(text, words);
  if (words.size === 0) return undefined;
  const all = [...words];
  if (all.length <= MAX_QUERY_WORDS) return all.join(' ');
  // Spread over the whole text, first and last included.
  const picked = new Set<string>();
  for (let i = 0; i < MAX_QUERY_WORDS; i++) picked.add(all[Math.round((i * (all.length - 1)) / (MAX_QUERY_WORDS - 1))]);
  return [...picked].join(' ');
}
