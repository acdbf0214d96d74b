-- Schema 2: the scheduler. A card answered Again is shown again later the same day: `step_due`
-- is when (ms since the epoch); `due` holds the study day (days since 1970-01-01, local time,
-- after the day rollover) on which the card is next due for review.

ALTER TABLE cards ADD COLUMN step_due INTEGER;
CREATE INDEX reviews_by_time ON reviews (reviewed_at);
