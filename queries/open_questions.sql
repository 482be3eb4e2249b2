-- open_questions: one row per question this package could not settle (the fourth trial), with what was searched.
-- Columns:
--   question_id
--   question
--   status: open or settled
--   answer
--   evidence
--   searched
--   next_step
CREATE OR REPLACE VIEW open_questions AS
SELECT q.question_id, q.question, q.status, q.answer, q.evidence, q.searched, q.next_step
FROM raw.open_questions AS q;
