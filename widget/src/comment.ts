/** One comment's DOM: built once, then updated in place (votes, edits, deletion). */

import type { CommentData } from "./api";
import { h, icon, ICONS } from "./dom";
import { fmt, plural, type Messages } from "./i18n";
import { absolute, parseDate, relative } from "./time";

export interface Node {
  c: CommentData;
  li: HTMLLIElement;
  art: HTMLElement;
  body: HTMLElement;
  edit: HTMLElement;
  actions: HTMLElement;
  msg: HTMLElement;
  slot: HTMLElement;
  replies: HTMLUListElement;
  toggle: HTMLButtonElement;
  info: HTMLElement;
  up?: HTMLButtonElement;
  down?: HTMLButtonElement;
  score?: HTMLElement;
  ownBtns?: HTMLElement;
  confirm?: HTMLElement;
  replyTo?: HTMLElement;
}

export interface Handlers {
  reply(n: Node): void;
  edit(n: Node): void;
  del(n: Node): void;
  confirmDelete(n: Node): void;
  cancelDelete(n: Node): void;
  vote(n: Node, direction: 1 | -1): void;
  copy(n: Node): void;
  toggle(n: Node): void;
  flag(n: Node): void;
}

const PALETTE = ["#1f6f5c", "#7a3e9d", "#a2402c", "#2b5c9e", "#8a5a00", "#4b5563", "#9c2f5a", "#3d6b21"];

function avatar(name: string): HTMLElement {
  let hash = 0;
  for (const ch of name) hash = (hash * 31 + ch.charCodeAt(0)) | 0;
  const initials = name
    .split(/\s+/)
    .filter(Boolean)
    .slice(0, 2)
    .map((w) => w[0])
    .join("")
    .toUpperCase();
  return h("span", { class: "tl-avatar tl-av" + (Math.abs(hash) % PALETTE.length), "aria-hidden": "true" }, initials || "?");
}

export function timeEl(iso: string, lang: string, t: Messages): HTMLTimeElement {
  const d = parseDate(iso);
  return h("time", { datetime: iso, title: absolute(d, lang) }, relative(d, Date.now(), lang, t.justNow));
}

export function refreshTime(el: HTMLTimeElement, lang: string, t: Messages): void {
  el.textContent = relative(parseDate(el.dateTime), Date.now(), lang, t.justNow);
}

export const authorName = (c: CommentData, t: Messages): string => (c.author ? c.author.name : t.deletedAuthor);

/** Build a comment's list item. `own` adds edit/delete; `vote` is the reader's current vote. */
export function build(c: CommentData, t: Messages, lang: string, on: Handlers, own: boolean, vote: number): Node {
  const id = c.id;
  const name = authorName(c, t);
  const li = h("li", { class: "tl-item", "data-id": id, "aria-level": c.depth + 1 });
  const art = h("article", { class: "tl-comment", id: "comment-" + id, tabindex: -1 });
  const replies = h("ul", { class: "tl-replies", id: "tl-r-" + id, role: "list", hidden: true });
  const content = h("div", { class: "tl-content", id: "tl-c-" + id });
  const info = h("span", { class: "tl-collapsed-info", hidden: true });
  const toggle = h("button", {
    type: "button",
    class: "tl-toggle",
    "aria-expanded": "true",
    "aria-controls": content.id + " " + replies.id,
    "aria-label": fmt(t.collapse, { name }),
  });
  toggle.textContent = "−";
  const body = h("div", { class: "tl-body" });
  const n: Node = {
    c,
    li,
    art,
    body,
    replies,
    toggle,
    info,
    edit: h("div", { class: "tl-editslot" }),
    actions: h("div", { class: "tl-actions", role: "group", "aria-label": fmt(t.actionsFor, { name }) }),
    msg: h("div", { class: "tl-msg", role: "alert" }),
    slot: h("div", { class: "tl-replyslot" }),
  };
  toggle.addEventListener("click", () => on.toggle(n));

  const byId = "tl-by-" + id;
  const author = c.author
    ? c.author.website
      ? h("a", { class: "tl-author", id: byId, href: c.author.website, rel: "nofollow ugc noopener" }, name)
      : h("span", { class: "tl-author", id: byId }, name)
    : h("span", { class: "tl-author tl-author-deleted", id: byId }, name);
  art.setAttribute("aria-labelledby", byId);
  if (c.deleted) art.classList.add("tl-deleted");
  if (c.status === "pending") art.classList.add("tl-pending");
  if (c.featured) art.classList.add("tl-featured");

  n.replyTo = h("span", { class: "tl-replyto" });
  const header = h(
    "header",
    { class: "tl-meta" },
    c.author ? avatar(name) : h("span", { class: "tl-avatar tl-avatar-deleted", "aria-hidden": "true" }),
    h(
      "span",
      { class: "tl-meta-text" },
      author,
      c.author?.verified && h("span", { class: "tl-verified", role: "img", "aria-label": t.verified, title: t.verified }, icon(ICONS.check)),
      own && h("span", { class: "tl-you" }, t.you),
      c.staff && !c.deleted && h("span", { class: "tl-badge tl-staff" }, t.staff),
      c.featured && h("span", { class: "tl-badge tl-pick" }, t.editorsPick),
      c.status === "pending" && h("span", { class: "tl-pending-badge" }, t.awaitingReview),
      h("a", { class: "tl-permalink", href: "#comment-" + id }, timeEl(c.created_at, lang, t)),
      !c.deleted && c.edited_at && h("span", { class: "tl-edited", title: absolute(parseDate(c.edited_at), lang) }, t.edited),
      n.replyTo,
      info,
    ),
    toggle,
  );
  append(art, header, content);
  content.append(body, n.edit);

  if (c.deleted) {
    body.append(h("p", { class: "tl-placeholder" }, t.deleted));
  } else {
    body.innerHTML = c.html; // sanitized by the server (nh3 allow-list) when it was written
    if (c.status === "pending") content.append(h("p", { class: "tl-note" }, t.pending));
    const btn = (cls: string, label: string, ic: string, fn: () => void, showLabel = true): HTMLButtonElement =>
      h(
        "button",
        { type: "button", class: "tl-action " + cls, "aria-label": showLabel && cls !== "tl-copy" ? null : label, onclick: fn },
        icon(ic),
        showLabel && h("span", null, label),
      );
    n.up = btn("tl-vote tl-vote-up", t.voteUp, ICONS.up, () => on.vote(n, 1), false);
    n.down = btn("tl-vote tl-vote-down", t.voteDown, ICONS.down, () => on.vote(n, -1), false);
    n.score = h("span", { class: "tl-score" });
    n.actions.append(
      h("span", { class: "tl-votes" }, n.up, n.score, n.down),
      btn("tl-reply", t.reply, ICONS.reply, () => on.reply(n)),
      btn("tl-copy", t.copyLink, ICONS.link, () => on.copy(n)),
    );
    if (!own && c.status === "published") n.actions.append(btn("tl-flag", t.report, ICONS.flag, () => on.flag(n)));
    if (own) {
      const yes = h("button", { type: "button", class: "tl-btn tl-btn-danger tl-confirm-delete", onclick: () => on.confirmDelete(n) }, t.del);
      n.confirm = h(
        "span",
        { class: "tl-confirm", hidden: true },
        h("span", null, t.confirmDelete),
        yes,
        h("button", { type: "button", class: "tl-btn tl-confirm-cancel", onclick: () => on.cancelDelete(n) }, t.cancel),
      );
      n.ownBtns = h(
        "span",
        { class: "tl-own-actions" },
        btn("tl-edit", t.edit, ICONS.edit, () => on.edit(n)),
        btn("tl-delete", t.del, ICONS.trash, () => on.del(n)),
      );
      n.actions.append(n.ownBtns, n.confirm);
      li.classList.add("tl-own");
    }
    content.append(n.actions, n.msg);
    setVotes(n, vote, t);
  }
  append(li, art, n.slot, replies);
  return n;
}

function append(el: Element, ...kids: Element[]): void {
  for (const k of kids) el.appendChild(k);
}

/** Show the score and which way this reader voted. */
export function setVotes(n: Node, vote: number, t: Messages): void {
  if (!n.up || !n.down || !n.score) return;
  n.up.setAttribute("aria-pressed", String(vote === 1));
  n.down.setAttribute("aria-pressed", String(vote === -1));
  n.score.textContent = "";
  n.score.append(h("span", { class: "tl-sr" }, t.score + ": "), String(n.c.score));
  n.score.title = "+" + n.c.upvotes + " / −" + n.c.downvotes;
}

/** How a collapsed comment announces what it hides. */
export function setCollapsed(n: Node, collapsed: boolean, t: Messages, lang: string): void {
  const name = authorName(n.c, t);
  const hidden = n.li.querySelectorAll(".tl-replies .tl-item").length;
  n.li.classList.toggle("tl-collapsed", collapsed);
  n.toggle.setAttribute("aria-expanded", String(!collapsed));
  n.toggle.setAttribute("aria-label", fmt(collapsed ? t.expand : t.collapse, { name }));
  n.toggle.textContent = collapsed ? "+" : "−";
  n.info.hidden = !collapsed || !hidden;
  n.info.textContent = hidden ? plural(lang, hidden, t.hidden) : "";
}
