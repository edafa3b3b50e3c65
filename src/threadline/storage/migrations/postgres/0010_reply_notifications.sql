-- "Email me when someone replies": set by the reader when posting, cleared by the signed
-- unsubscribe link for every comment of that address on the site. `notify_lang` is the
-- language of the mail (en, de, fr), chosen from the posting request; NULL: English.
ALTER TABLE comments ADD COLUMN notify_replies SMALLINT NOT NULL DEFAULT 0;
ALTER TABLE comments ADD COLUMN notify_lang TEXT;
-- Set on a reply once its parent's author was mailed about it (or the mail was due and
-- capped): a reply hidden by readers' flags and approved again is not mailed twice.
ALTER TABLE comments ADD COLUMN reply_notified SMALLINT NOT NULL DEFAULT 0;
