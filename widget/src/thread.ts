/** One discussion: loads pages, renders the tree, handles the reader's actions and live events. */

import { Api, ApiError, type CommentData, FLAG_REASONS, type ThreadData } from "./api";
import { authorName, build, type Handlers, type Node, refreshTime, setCollapsed, setVotes } from "./comment";
import { h } from "./dom";
import { type Draft, type Editor, editor } from "./editor";
import { fmt, messages, type Messages, plural } from "./i18n";
import { Auth } from "./reader";
import { load, owned, type Owned, save, saveAuthor, setOwned, setVote, storageKey, voter, votes } from "./store";
import { parseDate } from "./time";

export interface Config {
  base: string;
  site: string;
  thread: string;
  title: string;
  url: string;
  lang: string;
  maxDepth: number;
  narrowDepth: number;
  pageSize: number;
  sort: string;
  editMinutes: number;
  live: boolean;
}

const SORTS = ["oldest", "newest", "top"] as const;
const MAX_LENGTH = 10000;
const NARROW_PX = 560;

const hashTarget = (): number | null => {
  const m = /^#comment-(\d+)$/.exec(location.hash);
  return m ? +m[1] : null;
};

function adoptStyles(shadow: ShadowRoot, css: string, base: string): void {
  try {
    const sheet = new CSSStyleSheet();
    sheet.replaceSync(css);
    shadow.adoptedStyleSheets = [sheet];
  } catch {
    // No constructable stylesheets: the same rules as a same-origin file (CSP style-src 'self').
    shadow.append(h("link", { rel: "stylesheet", href: base + "static/widget.css" }));
  }
}

export class Widget implements Handlers {
  private readonly t: Messages;
  private readonly lang: string;
  private readonly api: Api;
  private readonly shadow: ShadowRoot;
  private readonly nodes = new Map<number, Node>();
  private readonly root: HTMLElement;
  private readonly heading: HTMLElement;
  private readonly sortSelect: HTMLSelectElement;
  private readonly compose: HTMLElement;
  private readonly notice: HTMLElement;
  private readonly fresh: HTMLButtonElement;
  private readonly list: HTMLUListElement;
  private readonly state: HTMLElement;
  private readonly more: HTMLButtonElement;
  private readonly toast: HTMLElement;
  private thread: ThreadData | null = null;
  private cursor: string | null = null;
  private sort: string;
  private queue: CommentData[] = [];
  private target: number | null = hashTarget();
  private tries = 0;
  private limit: number;
  private generation = 0;
  private composed = false;
  private voting = new Set<number>();
  /** Comments taken off the page: id → the version that removed them (Infinity: this reader
   * deleted it). An older copy arriving late must not bring one back. */
  private removed = new Map<number, number>();
  private events: EventSource | null = null;
  private toastTimer = 0;
  private readonly auth: Auth;
  /** Open forms with author fields: they follow the reader signing in or out. */
  private editors: Editor[] = [];
  /** The signed-in reader's comments that `mine` says are still editable, as if this browser
   * had posted them (no edit token: the reader's token proves them, on any device). */
  private acct = new Map<number, Owned>();
  /** "Sign in to join the discussion", in place of the new-comment form while it is needed. */
  private gate: HTMLElement | null = null;

  constructor(
    private readonly host: HTMLElement,
    private readonly cfg: Config,
    css: string,
  ) {
    const t = (this.t = messages(cfg.lang));
    this.lang = cfg.lang;
    const auth = (this.auth = new Auth(host));
    this.api = new Api(cfg.base, t.network, () => auth.reader?.token);
    this.shadow = host.attachShadow({ mode: "open" });
    adoptStyles(this.shadow, css, cfg.base);
    const stored = load<string>("sort", "");
    this.sort = [cfg.sort, stored].find((s) => (SORTS as readonly string[]).includes(s)) || "oldest";
    this.limit = this.depthLimit();

    this.heading = h("h2", { class: "tl-count", id: "tl-heading", tabindex: -1 }, t.commentsLabel);
    this.sortSelect = h(
      "select",
      { class: "tl-sort", id: "tl-sort", onchange: () => this.changeSort() },
      ...SORTS.map((s) => h("option", { value: s, selected: s === this.sort }, t[s])),
    );
    this.compose = h("div", { class: "tl-compose" });
    this.notice = h("p", { class: "tl-notice", hidden: true });
    this.fresh = h("button", { type: "button", class: "tl-new", hidden: true, onclick: () => this.showNew() });
    this.list = h("ul", { class: "tl-list", role: "list", "aria-labelledby": "tl-heading" });
    this.state = h("div", { class: "tl-state" }, t.loading);
    this.more = h("button", { type: "button", class: "tl-btn tl-more", hidden: true, onclick: () => this.loadMore() });
    this.toast = h("p", { class: "tl-toast", role: "status" });
    this.root = h(
      "div",
      { class: "tl-root", lang: cfg.lang },
      h(
        "header",
        { class: "tl-header" },
        this.heading,
        h("div", { class: "tl-sortbox" }, h("label", { for: "tl-sort" }, t.sortLabel), this.sortSelect),
      ),
      this.compose,
      this.notice,
      h("div", { class: "tl-newbar" }, this.fresh),
      this.list,
      this.state,
      this.more,
      h("p", { class: "tl-footer" }, t.powered),
      this.toast,
    );
    this.shadow.append(this.root);
    if (!cfg.site) {
      this.state.textContent = t.missingSite;
      return;
    }
    window.addEventListener("hashchange", () => {
      this.target = hashTarget();
      this.tries = 0;
      this.seek();
    });
    // The reader posted in another tab, which records the comment as theirs only when its
    // request returns: often after the live event has queued the comment here.
    window.addEventListener("storage", (e) => {
      if (e.key === storageKey("own")) this.claimOwn();
    });
    auth.watch(() => this.signedInOrOut());
    if (typeof ResizeObserver !== "undefined") new ResizeObserver(() => this.resized()).observe(host);
    this.resized();
    setInterval(() => this.tick(), 60000);
    void this.load(true);
  }

  // ---- loading and rendering -------------------------------------------------------------

  private depthLimit(): number {
    return this.host.clientWidth && this.host.clientWidth < NARROW_PX ? this.cfg.narrowDepth : this.cfg.maxDepth;
  }

  private resized(): void {
    const limit = this.depthLimit();
    this.root.classList.toggle("tl-narrow", limit === this.cfg.narrowDepth && limit !== this.cfg.maxDepth);
    if (limit !== this.limit) {
      this.limit = limit;
      this.nodes.forEach((n) => this.placeDepth(n));
    }
  }

  private async load(reset: boolean, focusNew = false): Promise<void> {
    const generation = reset ? ++this.generation : this.generation;
    const firstNew = this.list.children.length;
    this.list.setAttribute("aria-busy", "true");
    this.more.disabled = true;
    if (reset) {
      this.state.hidden = false;
      this.state.textContent = this.t.loading;
    }
    try {
      const page = await this.api.page(
        this.cfg.site,
        this.cfg.thread,
        this.sort,
        this.cfg.pageSize,
        reset ? null : this.cursor,
      );
      if (generation !== this.generation) return;
      if (reset) {
        this.list.textContent = "";
        this.nodes.clear();
        this.queue = [];
        this.updateFresh();
      }
      this.thread = page.thread;
      this.cursor = page.next_cursor;
      for (const c of page.comments) {
        const n = this.nodes.get(c.id);
        if (n) this.update(n, c);
        else this.attach(c, false, false);
      }
      this.state.hidden = this.nodes.size > 0;
      this.state.textContent = this.t.empty;
      this.updateCounts();
      this.setupCompose();
      if (reset) void this.restoreOwn(generation);
      if (!this.events) this.listen();
      if (focusNew) {
        const li = this.list.children[firstNew];
        const art = li && li.querySelector<HTMLElement>(".tl-comment");
        if (art) art.focus();
      }
      this.seek();
    } catch (e) {
      if (generation !== this.generation) return;
      const message = e instanceof ApiError ? e.message : this.t.network;
      if (reset) {
        this.state.hidden = false;
        this.state.textContent = "";
        this.state.append(
          h("p", { role: "alert" }, this.t.loadError, " ", message),
          h("button", { type: "button", class: "tl-btn tl-retry", onclick: () => this.load(true) }, this.t.retry),
        );
      } else {
        this.say(message);
      }
    } finally {
      if (generation === this.generation) {
        this.list.removeAttribute("aria-busy");
        this.more.disabled = false;
      }
    }
  }

  /** The reader's own held comments stay in view for them (only), across reloads; a signed-in
   * reader's editable ones get Edit and Delete on any device (and lose them on signing out). */
  private async restoreOwn(generation: number): Promise<void> {
    const all = owned();
    const keys = Object.keys(all).filter((k) => k.startsWith(this.cfg.site + "/")).slice(-50);
    const tokens = keys.map((k) => all[k].t);
    const acct = new Map<number, Owned>();
    try {
      const ask = tokens.length || this.auth.reader;
      const found = ask ? (await this.api.mine(this.cfg.site, this.cfg.thread, tokens)).comments : [];
      if (generation !== this.generation) return;
      this.acct = acct;
      for (const c of found) {
        // An edit made on another device: the Markdown kept here for the editor is stale.
        const k = this.key(c.id);
        if (all[k] && c.source != null && all[k].b !== c.source) setOwned(k, { ...all[k], b: c.source });
        // Kept as if posted here when its window opened, so Edit goes when the server said.
        const until = c.editable_until ? +parseDate(c.editable_until) : 0;
        if (until > Date.now()) acct.set(c.id, { t: "", at: until - this.cfg.editMinutes * 6e4, b: c.source || "" });
        if (c.status === "rejected") {
          setOwned(this.key(c.id), null);
          this.say(this.t.rejectedOwn);
        } else if (c.status === "pending" && !this.nodes.has(c.id)) {
          this.attach(c, this.sort === "newest", false);
        }
      }
    } catch {
      this.acct = acct; // the thread works without them (and offers no edits it cannot prove)
    }
    // Signed in, out or as someone else: Edit/Delete (and "you") follow.
    this.nodes.forEach((n) => {
      if (!n.c.deleted && !n.edit.firstChild && !n.ownBtns !== !this.own(n.c.id)) this.replace(n, n.c);
    });
    this.state.hidden = this.nodes.size > 0;
  }

  private loadMore(): void {
    void this.load(false, true);
  }

  private changeSort(): void {
    this.sort = this.sortSelect.value;
    save("sort", this.sort);
    void this.load(true);
  }

  private setupCompose(): void {
    if (this.composed || !this.thread) return;
    this.composed = true;
    if (this.thread.closed) {
      this.root.classList.add("tl-closed-thread");
      this.compose.append(h("p", { class: "tl-closed" }, this.t.closed));
      return;
    }
    const ed = editor({
      t: this.t,
      lang: this.lang,
      kind: "new",
      label: this.t.newComment,
      submit: this.t.post,
      max: MAX_LENGTH,
      auth: this.auth,
      onSubmit: (d) => this.submit(d).then(() => ed.clear()),
    });
    this.editors.push(ed);
    this.compose.append(ed.el);
    this.syncGate();
  }

  /** `data-sign-in="required"` without a signed-in reader: the prompt replaces the form (which
   * stays, hidden, with whatever was typed, for when the reader signs in). */
  private syncGate(): void {
    const form = this.compose.querySelector("form");
    if (!form) return;
    this.gate?.remove();
    this.gate = this.auth.gated ? this.auth.prompt(this.t) : null;
    form.hidden = !!this.gate;
    if (this.gate) this.compose.prepend(this.gate);
  }

  /** Reply, vote or report while sign-in is required: the same prompt, under the comment. */
  private gated(n: Node): boolean {
    if (!this.auth.gated) return false;
    let p = n.slot.querySelector<HTMLElement>(".tl-signin-prompt");
    if (!p) n.slot.prepend((p = this.auth.prompt(this.t)));
    (p.querySelector("a") || p).focus();
    return true;
  }

  /** The page signed the reader in or out (a single-page site): no reload needed. */
  private signedInOrOut(): void {
    this.editors = this.editors.filter((e) => e.el.isConnected);
    this.editors.forEach((e) => e.sync());
    this.syncGate();
    this.shadow.querySelectorAll(".tl-replyslot > .tl-signin-prompt").forEach((p) => p.remove());
    if (this.thread) void this.restoreOwn(this.generation);
  }

  private key(id: number): string {
    return this.cfg.site + "/" + id;
  }

  private own(id: number): Owned | undefined {
    return owned()[this.key(id)] || this.acct.get(id);
  }

  private make(c: CommentData): Node {
    const n = build(c, this.t, this.lang, this, !!this.own(c.id), votes()[this.key(c.id)] || 0);
    this.refreshOwn(n);
    return n;
  }

  /** Put a comment under its parent (or at top level); `first` puts it before its siblings. */
  private attach(c: CommentData, first: boolean, needParent: boolean): Node | null {
    const parent = c.parent_id != null ? this.nodes.get(c.parent_id) : undefined;
    if (needParent && c.parent_id != null && !parent) return null;
    const n = this.make(c);
    const ul = parent ? parent.replies : this.list;
    if (first) ul.prepend(n.li);
    else ul.append(n.li);
    ul.hidden = false;
    this.nodes.set(c.id, n);
    if (parent) {
      n.replyTo!.append(
        this.t.inReplyTo + " ",
        h("a", { class: "tl-replyto-link", href: "#comment-" + parent.c.id }, parent.c.deleted ? this.t.deletedName : authorName(parent.c, this.t)),
      );
      if (parent.li.classList.contains("tl-collapsed")) setCollapsed(parent, true, this.t, this.lang);
    }
    this.placeDepth(n);
    return n;
  }

  /** Indent down to the visual depth limit; deeper replies stay level and name their parent. */
  private placeDepth(n: Node): void {
    n.li.classList.toggle("tl-deep", n.c.depth >= this.limit);
    n.replies.classList.toggle("tl-flat", n.c.depth + 1 >= this.limit);
  }

  /** Apply a newer version of a comment (edit, vote, deletion) where it stands. */
  private update(n: Node, c: CommentData): void {
    // A live event read before this reader's own vote or edit can arrive after its answer:
    // an older copy never overwrites a newer one (the score would jump back).
    if (c.version < n.c.version) return;
    if (c.deleted && !n.c.deleted) {
      this.replace(n, { ...c, author: null, html: "" });
    } else if (
      !n.c.deleted &&
      (c.html !== n.c.html || c.edited_at !== n.c.edited_at || c.status !== n.c.status || c.featured !== n.c.featured) &&
      !n.edit.firstChild
    ) {
      // Edited elsewhere (another device or tab): ask for its Markdown before Edit is offered.
      if (c.edited_at !== n.c.edited_at && this.own(c.id)) void this.restoreOwn(this.generation);
      this.replace(n, c);
    } else if (!n.c.deleted) {
      n.c = { ...n.c, score: c.score, upvotes: c.upvotes, downvotes: c.downvotes, version: c.version };
      setVotes(n, votes()[this.key(c.id)] || 0, this.t);
    }
  }

  private replace(old: Node, c: CommentData): Node {
    const n = this.make(c);
    n.replies.append(...Array.from(old.replies.childNodes));
    n.replies.hidden = old.replies.hidden;
    n.slot.append(...Array.from(old.slot.childNodes));
    n.replyTo!.append(...Array.from(old.replyTo!.childNodes));
    const hadFocus = old.art.contains(this.shadow.activeElement);
    old.li.replaceWith(n.li);
    this.nodes.set(c.id, n);
    this.placeDepth(n);
    if (old.li.classList.contains("tl-collapsed")) setCollapsed(n, true, this.t, this.lang);
    if (hadFocus) n.art.focus();
    return n;
  }

  /** A comment went away: keep a placeholder while it has replies, otherwise remove it. */
  private gone(id: number): HTMLElement {
    const n = this.nodes.get(id)!;
    const hadFocus = n.li.contains(this.shadow.activeElement);
    if (n.replies.querySelector(".tl-item")) {
      const m = this.replace(n, { ...n.c, deleted: true, status: "deleted", author: null, html: "" });
      return m.art;
    }
    const sibling = (n.li.nextElementSibling || n.li.previousElementSibling) as HTMLElement | null;
    const ul = n.li.parentElement as HTMLElement;
    n.li.remove();
    this.nodes.delete(id);
    const parentLi = ul.closest<HTMLElement>(".tl-item");
    const parent = parentLi ? this.nodes.get(+parentLi.dataset.id!) : undefined;
    if (!ul.children.length && ul !== this.list) ul.hidden = true;
    let next: HTMLElement = sibling?.querySelector<HTMLElement>(".tl-comment") || parent?.art || this.heading;
    if (parent && parent.c.deleted && !ul.children.length) next = this.gone(parent.c.id);
    if (hadFocus) next.focus();
    this.state.hidden = this.nodes.size > 0;
    return next;
  }

  private updateCounts(): void {
    const total = this.thread ? this.thread.comment_count : 0;
    this.heading.textContent = plural(this.lang, total, this.t.comments);
    this.more.hidden = !this.cursor;
    let shown = 0;
    this.nodes.forEach((n) => (shown += n.c.deleted ? 0 : 1));
    const left = total - shown;
    this.more.textContent = this.t.showMore + (left > 0 ? " (" + fmt(this.t.remaining, { n: left }, this.lang) + ")" : "");
  }

  private count(delta: number): void {
    if (this.thread) this.thread.comment_count = Math.max(0, this.thread.comment_count + delta);
    this.updateCounts();
  }

  private updateFresh(): void {
    const n = this.queue.length;
    this.fresh.hidden = !n;
    this.fresh.textContent = n ? plural(this.lang, n, this.t.newComments) : "";
  }

  private say(text: string): void {
    this.toast.textContent = text;
    this.toast.classList.add("tl-show");
    clearTimeout(this.toastTimer);
    this.toastTimer = window.setTimeout(() => {
      this.toast.classList.remove("tl-show");
      this.toastTimer = window.setTimeout(() => (this.toast.textContent = ""), 400);
    }, 4000);
  }

  /** Scroll to a comment, open collapsed ancestors, highlight and focus it. */
  private reveal(n: Node): void {
    for (let li = n.li.parentElement?.closest<HTMLElement>(".tl-item"); li; li = li.parentElement?.closest<HTMLElement>(".tl-item")) {
      const p = this.nodes.get(+li.dataset.id!);
      if (p && li.classList.contains("tl-collapsed")) setCollapsed(p, false, this.t, this.lang);
    }
    this.shadow.querySelectorAll(".tl-highlight").forEach((e) => e.classList.remove("tl-highlight"));
    n.art.classList.add("tl-highlight");
    n.art.focus({ preventScroll: true });
    const smooth = !matchMedia("(prefers-reduced-motion: reduce)").matches;
    n.art.scrollIntoView({ block: "center", behavior: smooth ? "smooth" : "auto" });
  }

  /** Permalinks: find #comment-ID, loading further pages until it turns up. */
  private seek(): void {
    const id = this.target;
    if (id == null || !this.thread) return;
    const n = this.nodes.get(id);
    if (n) {
      this.target = null;
      this.notice.hidden = true;
      this.reveal(n);
    } else if (this.cursor && this.tries++ < 100) {
      void this.load(false);
    } else {
      this.target = null;
      this.notice.hidden = false;
      this.notice.textContent = this.t.notFound;
    }
  }

  private tick(): void {
    this.shadow.querySelectorAll("time").forEach((el) => refreshTime(el, this.lang, this.t));
    this.nodes.forEach((n) => this.refreshOwn(n));
  }

  /** Edit and delete stay offered while the site's edit window is open. */
  private refreshOwn(n: Node): void {
    if (!n.ownBtns) return;
    const own = this.own(n.c.id);
    const open = !!own && Date.now() - own.at < this.cfg.editMinutes * 60000;
    if (!open && n.confirm) n.confirm.hidden = true;
    n.ownBtns.hidden = !open || !(n.confirm && n.confirm.hidden);
  }

  // ---- live updates ----------------------------------------------------------------------

  private listen(): void {
    if (!this.cfg.live || typeof EventSource === "undefined") return;
    const url = this.api.events(this.cfg.site, this.cfg.thread, this.api.version);
    const es = (this.events = new EventSource(url));
    const on = (type: string, fn: (data: any, version: number) => void): void =>
      es.addEventListener(type, (e) => {
        const m = e as MessageEvent;
        try {
          fn(JSON.parse(m.data), +m.lastEventId || 0);
        } catch {
          /* ignore a malformed event */
        }
      });
    on("comment", (d) => this.onComment(d && d.comment ? d.comment : d));
    on("deleted", (d, version) => this.onDeleted(+d.id, version));
  }

  private onComment(c: CommentData): void {
    if (!c || typeof c.id !== "number") return;
    const gone = this.removed.get(c.id);
    if (gone !== undefined && c.version <= gone) return; // read before it was removed
    const n = this.nodes.get(c.id);
    if (n) {
      if (c.deleted || c.status === "rejected") return this.onDeleted(c.id, c.version);
      if (n.c.status === "pending" && c.status === "published") this.count(1); // approved
      this.update(n, c);
      return;
    }
    if (c.deleted || c.status !== "published") return;
    const queued = this.queue.findIndex((q) => q.id === c.id);
    if (queued >= 0) {
      if (c.version >= this.queue[queued].version) this.queue[queued] = c;
    } else if (this.own(c.id)) {
      if (this.attach(c, this.sort === "newest", true)) this.count(1); // posted from another tab
    } else {
      this.queue.push(c);
      this.count(1);
      this.updateFresh();
    }
  }

  private onDeleted(id: number, version: number): void {
    this.removed.set(id, Math.max(this.removed.get(id) ?? 0, version));
    const queued = this.queue.findIndex((q) => q.id === id);
    if (queued >= 0) {
      this.queue.splice(queued, 1);
      this.updateFresh();
      this.count(-1);
      return;
    }
    const n = this.nodes.get(id);
    if (!n || n.c.deleted) return;
    this.gone(id);
    this.count(-1);
  }

  /** Own comments (posted in another tab) skip the queue and get their Edit/Delete buttons. */
  private claimOwn(): void {
    const mine = this.queue.filter((c) => this.own(c.id));
    this.queue = this.queue.filter((c) => !this.own(c.id));
    for (const c of mine) {
      if (!this.nodes.has(c.id) && !this.attach(c, this.sort === "newest", true)) this.queue.push(c);
    }
    this.nodes.forEach((n) => {
      if (!n.ownBtns && !n.c.deleted && this.own(n.c.id)) this.replace(n, n.c);
    });
    this.updateFresh();
    this.updateCounts();
    this.state.hidden = this.nodes.size > 0;
  }

  /** New comments from others wait behind a button, so the page never moves by itself. */
  private showNew(): void {
    const items = this.queue.sort((a, b) => (a.created_at < b.created_at ? -1 : 1));
    this.queue = [];
    let first: Node | null = null;
    let shown = 0;
    for (const c of items) {
      if (this.nodes.has(c.id)) continue;
      if (c.parent_id == null && this.cursor && this.sort !== "newest") continue; // on a later page
      const n = this.attach(c, this.sort === "newest", true);
      if (!n) continue;
      n.art.classList.add("tl-fresh");
      first = first || n;
      shown++;
    }
    this.updateFresh();
    this.updateCounts();
    this.state.hidden = this.nodes.size > 0;
    if (first) this.reveal(first);
    else this.heading.focus();
    this.say(plural(this.lang, shown, this.t.newShown));
  }

  // ---- the reader's actions (Handlers) ---------------------------------------------------

  private async submit(d: Draft, parent?: Node): Promise<void> {
    const res = await this.api.post({
      site: this.cfg.site,
      thread: this.cfg.thread,
      body: d.body,
      parent_id: parent ? parent.c.id : undefined,
      author: d.signed ? undefined : { name: d.name, email: d.email || undefined, website: d.website || undefined },
      title: this.cfg.title || undefined,
      url: this.cfg.url || undefined,
      honeypot: d.honeypot,
      acknowledge_nudge: d.ack || undefined,
      notify_replies: d.notify || undefined,
      lang: d.notify ? this.lang : undefined,
    });
    if (!d.signed) saveAuthor({ name: d.name, email: d.email, website: d.website });
    const c = res.comment;
    setOwned(this.key(c.id), { t: res.edit_token, at: Date.now(), b: d.body });
    const queued = this.queue.findIndex((q) => q.id === c.id);
    if (queued >= 0) {
      this.queue.splice(queued, 1);
      this.updateFresh();
    } else if (c.status === "published") {
      this.count(1);
    }
    const existing = this.nodes.get(c.id);
    const n = !existing
      ? this.attach(c, this.sort === "newest", false)!
      : existing.c.version > c.version // a live event brought it already, and newer
        ? existing
        : this.replace(existing, c);
    this.state.hidden = true;
    this.updateCounts();
    this.reveal(n);
    this.say(c.status === "pending" ? this.t.postedPending : this.t.posted);
  }

  reply(n: Node): void {
    if (this.gated(n)) return;
    const open = n.slot.querySelector("textarea");
    if (open) return open.focus();
    const id = n.c.id;
    const close = (): void => ed.el.remove();
    const ed = editor({
      t: this.t,
      lang: this.lang,
      kind: "reply",
      label: fmt(this.t.replyTo, { name: authorName(n.c, this.t) }),
      submit: this.t.postReply,
      max: MAX_LENGTH,
      auth: this.auth,
      onSubmit: (d) => this.submit(d, this.nodes.get(id) || n).then(close),
      onCancel: () => {
        close();
        (this.nodes.get(id) || n).actions.querySelector<HTMLElement>(".tl-reply")?.focus();
      },
    });
    n.slot.append(ed.el);
    this.editors.push(ed);
    ed.focus();
  }

  edit(n: Node): void {
    const own = this.own(n.c.id);
    if (!own) return;
    if (n.edit.firstChild) return n.edit.querySelector("textarea")?.focus();
    const close = (): void => {
      n.edit.textContent = "";
      n.body.hidden = n.actions.hidden = false;
    };
    const ed = editor({
      t: this.t,
      lang: this.lang,
      kind: "edit",
      label: this.t.editComment,
      submit: this.t.save,
      max: MAX_LENGTH,
      auth: this.auth,
      initial: own.b,
      onSubmit: async (d) => {
        const res = await this.api.edit(n.c.id, d.body, own.t, d.ack);
        own.b = d.body;
        if (own.t) setOwned(this.key(n.c.id), own);
        close();
        this.replace(n, res.comment).art.focus();
        this.say(this.t.updated);
      },
      onCancel: () => {
        close();
        n.actions.querySelector<HTMLElement>(".tl-edit")?.focus();
      },
    });
    n.body.hidden = n.actions.hidden = true;
    n.edit.append(ed.el);
    ed.focus();
  }

  del(n: Node): void {
    if (!n.confirm || !n.ownBtns) return;
    n.ownBtns.hidden = true;
    n.confirm.hidden = false;
    n.confirm.querySelector<HTMLElement>(".tl-confirm-delete")?.focus();
  }

  cancelDelete(n: Node): void {
    if (!n.confirm) return;
    n.confirm.hidden = true;
    this.refreshOwn(n);
    n.actions.querySelector<HTMLElement>(".tl-delete")?.focus();
  }

  async confirmDelete(n: Node): Promise<void> {
    const own = this.own(n.c.id);
    if (!own) return;
    try {
      await this.api.remove(n.c.id, own.t);
      setOwned(this.key(n.c.id), null);
      this.acct.delete(n.c.id);
      this.removed.set(n.c.id, Infinity);
      const current = this.nodes.get(n.c.id);
      if (current && !current.c.deleted) {
        this.gone(n.c.id);
        this.count(-1);
      }
      this.say(this.t.removed);
    } catch (e) {
      this.fail(n, e);
      this.cancelDelete(n);
    }
  }

  async vote(n: Node, direction: 1 | -1): Promise<void> {
    const id = n.c.id;
    if (this.voting.has(id) || this.gated(n)) return;
    const value = (votes()[this.key(id)] || 0) === direction ? 0 : direction;
    this.voting.add(id);
    try {
      const { comment } = await this.api.vote(id, value, voter());
      setVote(this.key(id), value);
      const current = this.nodes.get(id) || n;
      if (comment.version >= current.c.version) {
        const { score, upvotes, downvotes, version } = comment;
        current.c = { ...current.c, score, upvotes, downvotes, version };
      }
      current.msg.textContent = "";
      setVotes(current, value, this.t);
    } catch (e) {
      this.fail(n, e);
    } finally {
      this.voting.delete(id);
    }
  }

  /** A comment's action failed: the server's message (with the sign-in link when it is about
   * signing in). */
  private fail(n: Node, e: unknown): void {
    const api = e instanceof ApiError;
    n.msg.textContent = api ? e.message : this.t.network;
    const link = api && e.status === 401 && this.auth.link(this.t);
    if (link) n.msg.append(" ", link);
  }

  async copy(n: Node): Promise<void> {
    const url = location.href.replace(/#.*$/, "") + "#comment-" + n.c.id;
    try {
      await navigator.clipboard.writeText(url);
      this.say(this.t.copied);
    } catch {
      history.replaceState(history.state, "", url);
      this.say(this.t.copyFallback);
    }
  }

  /** Report a comment to the moderators: a small reason picker under its actions. */
  flag(n: Node): void {
    if (this.gated(n)) return;
    const open = n.art.querySelector<HTMLElement>(".tl-flagbox select");
    if (open) return open.focus();
    const id = n.c.id;
    const t = this.t;
    const reason = h(
      "select",
      { class: "tl-flag-reason", id: "tl-flag-" + id },
      ...FLAG_REASONS.map((r) => h("option", { value: r }, t.reasons[r])),
    );
    const close = (): void => {
      box.remove();
      n.actions.querySelector<HTMLElement>(".tl-flag")?.focus();
    };
    const send = h("button", { type: "submit", class: "tl-btn tl-btn-primary tl-flag-send" }, t.sendReport);
    const box = h(
      "form",
      { class: "tl-flagbox", "aria-label": t.report },
      h("label", { for: reason.id }, t.reportReason),
      reason,
      send,
      h("button", { type: "button", class: "tl-btn tl-flag-cancel", onclick: close }, t.cancel),
    );
    box.addEventListener("submit", async (e) => {
      e.preventDefault();
      if (send.disabled) return;
      send.disabled = true;
      try {
        await this.api.flag(id, reason.value, voter());
        n.msg.textContent = "";
        close();
        this.say(t.reported);
      } catch (err) {
        this.fail(n, err);
        send.disabled = false;
      }
    });
    n.actions.after(box);
    reason.focus();
  }

  toggle(n: Node): void {
    setCollapsed(n, !n.li.classList.contains("tl-collapsed"), this.t, this.lang);
  }
}
