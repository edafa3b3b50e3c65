/** "3 hours ago" in the reader's language, with the exact time for the tooltip. */

const UNITS: [Intl.RelativeTimeFormatUnit, number][] = [
  ["year", 31536e3],
  ["month", 2592e3],
  ["week", 604800],
  ["day", 86400],
  ["hour", 3600],
  ["minute", 60],
];

/** The API sends microseconds; some engines only parse milliseconds. */
export const parseDate = (iso: string): Date => new Date(iso.replace(/(\.\d{3})\d+/, "$1"));

export function relative(date: Date, now: number, lang: string, justNow: string): string {
  const seconds = (date.getTime() - now) / 1000;
  if (Math.abs(seconds) < 45) return justNow;
  const rtf = new Intl.RelativeTimeFormat(lang, { numeric: "auto" });
  for (const [unit, size] of UNITS) {
    if (Math.abs(seconds) >= size * 0.9 || unit === "minute") {
      return rtf.format(Math.round(seconds / size), unit);
    }
  }
  return justNow;
}

export function absolute(date: Date, lang: string): string {
  return new Intl.DateTimeFormat(lang, { dateStyle: "long", timeStyle: "short" }).format(date);
}
