-- Which documents each trial's numbers come from, and how much of each could be read.
SELECT study_id, kind, reach, title, url
FROM sources
ORDER BY study_id NULLS FIRST, kind, source_id;
