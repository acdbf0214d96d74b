-- Schema 2: the scheduler. A card answered Again is shown again later the same day: `step_due`
-- is when (ms since the epoch); `due` holds the study day (days since 1970-01-01, local time,
-- after the day rollover) on which the card is next due. `review_ms` adds up the time spent
-- answering the card, for the expected seconds the daily queue budgets with.

ALTER TABLE cards ADD COLUMN step_due INTEGER;
ALTER TABLE cards ADD COLUMN review_ms INTEGER NOT NULL DEFAULT 0;
CREATE INDEX reviews_by_time ON reviews (reviewed_at);
