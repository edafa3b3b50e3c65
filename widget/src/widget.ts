/** The widget bundle: mounts a discussion into every `#threadline` / `[data-threadline]`. */

import { pickLang } from "./i18n";
import { privacyPanel } from "./privacy";
import css from "./styles.css";
import { type Config, Widget } from "./thread";

const script = document.currentScript as HTMLScriptElement | null;
const base =
  (script && script.dataset.base) || (script && script.src ? new URL("../", script.src).href : location.origin + "/");

const num = (v: string | undefined, fallback: number, low: number): number => {
  const n = parseInt(v || "", 10);
  return n >= low ? n : fallback;
};

function canonical(): string {
  const link = document.querySelector<HTMLLinkElement>('link[rel="canonical"]');
  return (link && link.href) || location.origin + location.pathname;
}

function config(el: HTMLElement): Config {
  const d = el.dataset;
  const langOf = el.closest("[lang]");
  return {
    base: d.api ? d.api.replace(/\/?$/, "/") : base,
    site: d.site || "",
    thread: d.thread || canonical(),
    title: d.title || document.title,
    url: d.url || canonical(),
    lang: pickLang(d.lang, langOf && langOf.getAttribute("lang"), navigator.language),
    maxDepth: num(d.maxDepth, 6, 1),
    narrowDepth: num(d.narrowDepth, 3, 1),
    pageSize: num(d.pageSize, 20, 1),
    sort: d.sort || "",
    editMinutes: num(d.editWindow, 15, 0),
    live: d.live !== "off",
  };
}

function boot(): void {
  document.querySelectorAll<HTMLElement>("#threadline, [data-threadline]").forEach((el) => {
    if (el.shadowRoot) return;
    const cfg = config(el);
    new Widget(el, cfg, css);
    privacyPanel(el, cfg);
  });
}

if (document.readyState === "loading") document.addEventListener("DOMContentLoaded", boot);
else boot();
