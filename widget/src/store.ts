/** Everything the widget remembers lives in the host page's localStorage (never cookies). */

const PREFIX = "threadline:";
const memory: Record<string, string> = {};

/** The localStorage key (as `storage` events in other tabs name it) of a stored value. */
export const storageKey = (key: string): string => PREFIX + key;

function read(key: string): string | null {
  try {
    return localStorage.getItem(PREFIX + key);
  } catch {
    return memory[key] ?? null; // storage disabled (private mode, sandboxed frame)
  }
}

function write(key: string, value: string): void {
  try {
    localStorage.setItem(PREFIX + key, value);
  } catch {
    memory[key] = value;
  }
}

export function load<T>(key: string, fallback: T): T {
  try {
    const raw = read(key);
    return raw ? (JSON.parse(raw) as T) : fallback;
  } catch {
    return fallback;
  }
}

export function save(key: string, value: unknown): void {
  write(key, JSON.stringify(value));
}

export interface AuthorPrefs {
  name: string;
  email: string;
  website: string;
}

export const loadAuthor = (): AuthorPrefs =>
  Object.assign({ name: "", email: "", website: "" }, load<Partial<AuthorPrefs>>("author", {}));

export const saveAuthor = (a: AuthorPrefs): void => save("author", a);

/** An own comment: its edit token, when it was posted (ms) and its Markdown source. */
export interface Owned {
  t: string;
  at: number;
  b: string;
}

const DAY = 864e5;

export function owned(): Record<string, Owned> {
  const all = load<Record<string, Owned>>("own", {});
  const now = Date.now();
  for (const k in all) if (now - all[k].at > DAY) delete all[k];
  return all;
}

export function setOwned(key: string, value: Owned | null): void {
  const all = owned();
  if (value) all[key] = value;
  else delete all[key];
  save("own", all);
}

export function votes(): Record<string, number> {
  return load<Record<string, number>>("votes", {});
}

export function setVote(key: string, value: number): void {
  const all = votes();
  delete all[key];
  if (value) all[key] = value;
  const keys = Object.keys(all);
  for (let i = 0; i < keys.length - 2000; i++) delete all[keys[i]]; // oldest first
  save("votes", all);
}

/** The reader's anonymous voter id: 32 random hex characters, made once. */
export function voter(): string {
  let id = load<string>("voter", "");
  if (id.length < 16) {
    const bytes = new Uint8Array(16);
    crypto.getRandomValues(bytes);
    id = Array.from(bytes, (b) => b.toString(16).padStart(2, "0")).join("");
    save("voter", id);
  }
  return id;
}
