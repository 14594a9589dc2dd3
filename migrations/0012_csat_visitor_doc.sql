-- The survey as the visitor's widget sees it (no agent ids): in the `csat` push after a resolve
-- and in the `history` answer, so a widget reloaded after the resolve still shows the question
-- (and the rating given) while it may be changed (docs/CSAT.md).
CREATE FUNCTION csat_visitor_doc(survey bigint, editable_hours int) RETURNS json LANGUAGE sql STABLE AS
$$ SELECT json_build_object('conversationId', s.conversation_id, 'rating', s.rating, 'comment', s.comment,
                            'editableUntil', parley_time(s.asked_at + editable_hours * interval '1 hour'),
                            'editable', s.asked_at > now() - editable_hours * interval '1 hour')
   FROM csat_survey s WHERE s.id = survey $$;
