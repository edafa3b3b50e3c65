/** The Threadline JSON API, as the widget uses it. */

export interface AuthorData {
  name: string;
  website: string | null;
  /** Posted by a reader signed in with the publisher's account. */
  verified?: boolean;
}

export interface CommentData {
  id: number;
  parent_id: number | null;
  depth: number;
  author: AuthorData | null;
  html: string;
  created_at: string;
  edited_at: string | null;
  score: number;
  upvotes: number;
  downvotes: number;
  reply_count: number;
  deleted: boolean;
  status: "published" | "pending" | "rejected" | "deleted";
  featured: boolean;
  staff: boolean;
  /** The thread's version at the comment's last change: the higher of two copies is newer. */
  version: number;
  /** Only in `mine` (the reader's own): the Markdown written, and when editing ends (null: it has). */
  source?: string;
  editable_until?: string | null;
}

export interface ThreadData {
  id: number | null;
  site: string;
  key: string;
  title: string | null;
  url: string | null;
  closed: boolean;
  comment_count: number;
}

export interface PageData {
  thread: ThreadData;
  comments: CommentData[];
  next_cursor: string | null;
}

export interface NewCommentData {
  site: string;
  thread: string;
  body: string;
  parent_id?: number;
  /** Left out when the reader is signed in: the server takes name and email from the token. */
  author?: { name: string; email?: string; website?: string };
  title?: string;
  url?: string;
  honeypot: string;
  acknowledge_nudge?: boolean;
  /** Email the author about replies (needs author.email); `lang`: the mails' language. */
  notify_replies?: boolean;
  lang?: string;
}

export const FLAG_REASONS = ["spam", "abusive", "off_topic", "misinformation", "other"] as const;

/** An error the server (or the network) reported, with the API's stable code and message. */
export class ApiError extends Error {
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
    readonly field?: string,
  ) {
    super(message);
  }
}

export class Api {
  /** The thread version of the last page read (the last number of its ETag W/"<thread>-<page size>-<version>"). */
  version: number | null = null;

  constructor(
    private readonly base: string,
    private readonly offline: string,
    /** The signed-in reader's token, sent with every write. */
    private readonly reader: () => string | undefined,
  ) {}

  private async call<T>(method: string, path: string, body?: unknown, token?: string, cookies?: boolean): Promise<T> {
    const headers: Record<string, string> = {};
    if (body !== undefined) headers["Content-Type"] = "application/json";
    if (token) headers.Authorization = "Bearer " + token;
    const reader = method !== "GET" && this.reader();
    if (reader) headers["Threadline-Reader"] = reader;
    let res: Response;
    try {
      res = await fetch(this.base + path, {
        method,
        headers,
        body: body === undefined ? undefined : JSON.stringify(body),
        // Only a new comment carries the cookie (to our own origin only): a signed-in member
        // of the newsroom gets a staff badge. Everything else is anonymous.
        credentials: cookies ? "same-origin" : "omit",
      });
    } catch {
      throw new ApiError(0, "network", this.offline);
    }
    const etag = /-(\d+)"$/.exec(res.headers.get("ETag") || "");
    if (etag) this.version = +etag[1];
    if (res.status === 204) return undefined as T;
    const data = await res.json().catch(() => null);
    if (!res.ok) {
      const e = data && data.error;
      throw new ApiError(res.status, e?.code || "http_" + res.status, e?.message || this.offline, e?.field);
    }
    return data as T;
  }

  page(site: string, key: string, sort: string, limit: number, cursor: string | null): Promise<PageData> {
    const q = new URLSearchParams({ site, key, sort, limit: String(limit) });
    if (cursor) q.set("cursor", cursor);
    return this.call("GET", "api/v1/threads?" + q);
  }

  post(data: NewCommentData): Promise<{ comment: CommentData; edit_token: string }> {
    return this.call("POST", "api/v1/comments", data, undefined, true);
  }

  /** The reader's own comments in this thread, held ones included, by their edit tokens
   * (and, signed in, by their account). */
  mine(site: string, thread: string, tokens: string[]): Promise<{ comments: CommentData[] }> {
    return this.call("POST", "api/v1/comments/mine", { site, thread, tokens });
  }

  /** `token`: the comment's edit token; "" when the signed-in reader's token proves it. */
  edit(id: number, body: string, token: string, ack?: boolean): Promise<{ comment: CommentData }> {
    return this.call("PATCH", "api/v1/comments/" + id, ack ? { body, acknowledge_nudge: true } : { body }, token);
  }

  remove(id: number, token: string): Promise<void> {
    return this.call("DELETE", "api/v1/comments/" + id, undefined, token);
  }

  vote(id: number, value: number, voter: string): Promise<{ comment: CommentData }> {
    return this.call("POST", "api/v1/comments/" + id + "/vote", { value, voter });
  }

  flag(id: number, reason: string, reader: string): Promise<void> {
    return this.call("POST", "api/v1/comments/" + id + "/flags", { reason, reader });
  }

  /** The live stream, replaying whatever changed after `since` (the version the page showed). */
  events(site: string, key: string, since: number | null): string {
    const q = new URLSearchParams({ site, key });
    if (since != null) q.set("since", String(since));
    return this.base + "api/v1/threads/events?" + q;
  }
}
