-- Container churn on a generated PostgreSQL fleet store: 30 % of the container rows deleted and
-- inserted again in random order, as restarts and rescheduling would over time. Run it to see how
-- container_search's heap order decays (bench/README.md, "Current figures"):
--   psql URL -f bench/fleet/churn-postgresql.sql
-- The store's counts stay exact (the same rows come back); the triggers on containers move their
-- container_search rows to wherever the heap has room.
\timing on
BEGIN;
CREATE TEMP TABLE churned AS SELECT * FROM containers WHERE random() < 0.3;
DELETE FROM containers c USING churned ch WHERE c.host_id = ch.host_id AND c.container_id = ch.container_id;
INSERT INTO containers SELECT * FROM churned ORDER BY random();
COMMIT;
VACUUM ANALYZE container_search;
VACUUM ANALYZE containers;
